import assert from "node:assert/strict";
import { currentRunMode, runModeOf } from "../src/run_mode.ts";

Deno.test("runModeOf() tells source, the bundle and a compiled binary apart", () => {
  assert.equal(runModeOf("file:///work/hit/src/run_mode.ts", false), "from source");
  assert.equal(runModeOf("file:///home/u/.cache/hit/ab12/main.js", false), "self-extracting");
  // `deno compile` keeps the `.ts` sources; only Deno.build.standalone tells.
  assert.equal(runModeOf("file:///tmp/deno-compile-hit/src/run_mode.ts", true), "compiled");
});

Deno.test("currentRunMode() is from source under deno test", () => {
  assert.equal(currentRunMode(), "from source");
});
