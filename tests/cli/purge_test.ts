import assert from "node:assert/strict";
import { parsePurgeArgs } from "../../src/cli/purge.ts";

Deno.test("parsePurgeArgs() takes ids, and '*' only with --force", () => {
  assert.deepEqual(parsePurgeArgs(["a/b", "c/d"]), {
    patterns: ["a/b", "c/d"],
    all: false,
    force: false,
  });
  assert.deepEqual(parsePurgeArgs(["*", "-f"]), { patterns: [], all: true, force: true });
  assert.throws(() => parsePurgeArgs(["*"]), /refusing to remove every artifact without --force/);
  assert.throws(() => parsePurgeArgs(["*", "a/b", "--force"]), /already names every artifact/);
  assert.throws(() => parsePurgeArgs([]), /missing ARTIFACT_ID/);
  assert.throws(() => parsePurgeArgs([""]), /empty ARTIFACT_ID/);
});
