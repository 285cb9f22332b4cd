/** `hit push` parsing and its progress line, without running the command. */
import assert from "node:assert/strict";
import { parsePushArgs, renderPushLine } from "../../src/cli/push.ts";

Deno.test("parsePushArgs() and renderPushLine() read targets and show size and rate", () => {
  assert.deepEqual(parsePushArgs(["stack.yaml", "--to", "site"]), {
    targets: ["stack.yaml"],
    to: "site",
    key: undefined,
  });
  assert.throws(() => parsePushArgs([]), /name a profile/);
  assert.equal(
    renderPushLine("a/x", { status: "pushed", bytes: 2 << 20 }, 2, "site"),
    "[a/x] pushed 2.0 MiB in 2.0 s, 1.0 MiB/s\n",
  );
  assert.equal(
    renderPushLine("a/x", { status: "present", bytes: 0 }, 0, "site"),
    `[a/x] already on "site"\n`,
  );
});
