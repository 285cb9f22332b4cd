import assert from "node:assert/strict";
import { join } from "node:path";
import {
  denoErrorSummary,
  findWorkers,
  foreignImports,
  importsFromParent,
  warmModule,
} from "../../scripts/compile.ts";
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

Deno.test("foreignImports() allows ./NAME of the bundle's own files only", () => {
  const bundle = [
    `import {\n  a\n} from "./chunk-AB12.js";`,
    `const status = await import("./status-CD34.js");`,
    `import "./chunk-MISSING.js";`,
    `import "../chunk-AB12.js";`,
  ].join("\n");
  const files = new Set(["chunk-AB12.js", "status-CD34.js", "main.js"]);
  assert.deepEqual(foreignImports(bundle, files).sort(), [
    "../chunk-AB12.js",
    "./chunk-MISSING.js",
  ]);
});

Deno.test("importsFromParent() points a moved file's ../ imports at its new folder only", () => {
  const worker = [
    `import {\n  serve\n} from "../chunk-FH5S.js";`,
    `import "../chunk-HI6A.js";`,
    `const m = await import( "../x-1.js");`,
    `const text = "from '../not-an-import'";`,
    `const path = "../data.txt";`,
  ].join("\n");
  assert.equal(
    importsFromParent(worker),
    [
      `import {\n  serve\n} from "./chunk-FH5S.js";`,
      `import "./chunk-HI6A.js";`,
      `const m = await import( "./x-1.js");`,
      `const text = "from '../not-an-import'";`,
      `const path = "../data.txt";`,
    ].join("\n"),
  );
});

Deno.test("warmModule() imports every file of the bundle it is given, and runs", async () => {
  await using dir = await makeTempDir("hit-compile-");
  await Deno.writeTextFile(
    join(dir.path, "a.js"),
    "globalThis.loaded = [...(globalThis.loaded ?? []), 'a'];",
  );
  await Deno.writeTextFile(
    join(dir.path, "b.js"),
    "globalThis.loaded.push('b'); console.log(globalThis.loaded.join(','));",
  );
  await Deno.writeTextFile(join(dir.path, "warm.js"), warmModule(["a.js", "b.js"]));
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-config", join(dir.path, "warm.js")],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(output.stderr), "");
  assert.equal(new TextDecoder().decode(output.stdout), "a,b\n");
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
