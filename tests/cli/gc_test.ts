import assert from "node:assert/strict";
import { parseGcArgs, renderGcEvent, renderGcSummary } from "../../src/cli/gc.ts";

Deno.test("parseGcArgs() reads the policy, dry run, JSON and list options", () => {
  assert.deepEqual(parseGcArgs([]), {
    list: false,
    failed: "old",
    dryRun: false,
    policy: "run",
    json: false,
  });
  assert.deepEqual(parseGcArgs(["-n", "--keep-build-deps", "--json", "--failed", "all"]), {
    list: false,
    failed: "all",
    dryRun: true,
    policy: "build",
    json: true,
  });
  assert.throws(() => parseGcArgs(["--failed", "some"]), /unknown value "some" of "--failed"/);
  assert.equal(parseGcArgs(["--list"]).list, true);
  assert.throws(() => parseGcArgs(["--list", "--keep-build-deps"]), /conflict/);
  assert.throws(() => parseGcArgs(["extra"]), /unexpected argument "extra"/);
});

Deno.test("renderGcEvent() puts removals on stdout and skipped folders on stderr", () => {
  const removed = { type: "removed", id: "a/b", dir: "/s/a/b", bytes: 2048 } as const;
  assert.deepEqual(renderGcEvent(removed, false), { stdout: "removed a/b (2.0 KiB)\n" });
  assert.deepEqual(renderGcEvent(removed, true), { stdout: "would remove a/b (2.0 KiB)\n" });
  assert.deepEqual(renderGcEvent({ type: "changed", dir: "/s/a/b" }, false), {
    stderr: 'warning: skipped "/s/a/b": it changed while hit gc ran\n',
  });
});

Deno.test("renderGcSummary() counts artifacts in the singular and plural", () => {
  const result = { staleRoots: [], removed: [], skipped: [], kept: 2, bytes: 0 };
  assert.equal(renderGcSummary(result, false), "removed 0 artifacts (0 B), kept 2\n");
  const one = { ...result, removed: [{ id: "a/b", dir: "/s/a/b", bytes: 512 }], bytes: 512 };
  assert.equal(renderGcSummary(one, true), "would remove 1 artifact (512 B), would keep 2\n");
});
