import assert from "node:assert/strict";
import { parseLinkPairArgs, parseRmArgs } from "../../src/cli/link_commands.ts";

Deno.test("parseRmArgs() takes one or more links", () => {
  assert.deepEqual(parseRmArgs(["a", "b"]), ["a", "b"]);
  assert.throws(() => parseRmArgs([]), /rm: missing LINK/);
  assert.throws(() => parseRmArgs(["--force"]), /unknown option "--force"/);
});

Deno.test("parseLinkPairArgs() takes exactly SOURCE and TARGET", () => {
  assert.deepEqual(parseLinkPairArgs("cp", ["a", "b"]), { source: "a", target: "b" });
  assert.throws(() => parseLinkPairArgs("mv", []), /mv: missing SOURCE and TARGET/);
  assert.throws(() => parseLinkPairArgs("cp", ["a", "b", "c"]), /unexpected argument "c"/);
});
