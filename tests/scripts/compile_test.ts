import assert from "node:assert/strict";
import { join } from "node:path";
import { denoErrorSummary, findWorkers, foreignImports } from "../../scripts/compile.ts";
import { makeTempDir } from "../e2e/_run_cli.ts";

Deno.test("findWorkers() lists the *_worker.ts files of a folder, sorted", async () => {
  await using dir = await makeTempDir("hit-compile-");
  for (const name of ["z_worker.ts", "fetch_worker.ts", "fetch_stage.ts", "a_worker.js"]) {
    await Deno.writeTextFile(join(dir.path, name), "");
  }
  await Deno.mkdir(join(dir.path, "sub_worker.ts"));
  assert.deepEqual(await findWorkers(dir.path), [
    join(dir.path, "fetch_worker.ts"),
    join(dir.path, "z_worker.ts"),
  ]);
});

Deno.test("foreignImports() finds every import that is not a node: built-in", () => {
  const bundle = [
    `import { createRequire as r } from "node:module";`,
    `import { parse } from "npm:yaml@2";`,
    `import {\n  a,\n  b\n} from "./src/x.ts";`,
    `export { c } from "jsr:@std/path";`,
    `import "./side_effect.js";`,
    `const m = await import("https://example.com/m.js");`,
    `var p = __require("node:process");`,
    `var q = __require("yaml");`,
  ].join("\n");
  assert.deepEqual(foreignImports(bundle).sort(), [
    "./side_effect.js",
    "./src/x.ts",
    "https://example.com/m.js",
    "jsr:@std/path",
    "npm:yaml@2",
    "yaml",
  ]);
  assert.deepEqual(foreignImports(`import { join } from "node:path";\n`), []);
});

Deno.test("denoErrorSummary() puts the error and its new causes on one line", () => {
  const dns = [
    "Compile src/main.ts to dist/hit",
    "Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip",
    "error: Writing deno compile executable to temporary file 'dist/hit.tmp-1'",
    "",
    "Caused by:",
    "    0: Setting up base binary.",
    "    1: error sending request for url (https://dl.deno.land/x.zip): dns error: lookup failed",
    "    2: dns error",
    "    3: lookup failed",
    "",
    "Stack backtrace:",
    "   0: <unknown>",
  ].join("\n");
  assert.equal(
    denoErrorSummary(dns),
    "Writing deno compile executable to temporary file 'dist/hit.tmp-1': Setting up base binary: " +
      "error sending request for url (https://dl.deno.land/x.zip): dns error: lookup failed",
  );
  assert.equal(
    denoErrorSummary(
      'error: Module not found "file:///p/src/x.ts".\n    at file:///p/src/main.ts:3:20\n',
    ),
    `Module not found "file:///p/src/x.ts": at file:///p/src/main.ts:3:20`,
  );
});
