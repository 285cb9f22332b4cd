import assert from "node:assert/strict";
import { bash } from "../../../src/spec/handlers/bash.ts";
import type { Value } from "../../../src/spec/values.ts";
import { assertBlockIn, loadGolden } from "./_golden.ts";

function run(text: Value): string[] {
  return bash({ args: { name: "s", handler: "bash", bash: text }, params: {}, deps: [] });
}

Deno.test("bash() strips the whole text and keeps inner and trailing spaces of lines", () => {
  assert.deepEqual(run("\n  cd x  \n\n  make   \n"), ["cd x  ", "", "  make"]);
  assert.deepEqual(run("make install\nrm -f ${ARTIFACT}/lib/*.la\n"), [
    "make install",
    "rm -f ${ARTIFACT}/lib/*.la",
  ]);
});

Deno.test("bash() gives one empty line for empty or white-space-only text", () => {
  assert.deepEqual(run(""), [""]);
  assert.deepEqual(run("\n"), [""]);
  assert.deepEqual(run(" \t\v\f\r\n\u00a0\u3000"), [""]);
});

Deno.test("bash() strips Unicode white space as Python does, but not U+FEFF", () => {
  assert.deepEqual(run("\u2003echo a\u2029"), ["echo a"]);
  assert.deepEqual(run("\ufeffecho a"), ["\ufeffecho a"]);
});

Deno.test("bash() splits on \\n only, so a \\r stays inside its line", () => {
  assert.deepEqual(run("a\r\nb"), ["a\r", "b"]);
});

Deno.test("bash() fails on a stage without bash text, naming the key", () => {
  const ctx = { args: { name: "s", handler: "bash" }, params: {}, deps: [] };
  assert.throws(() => bash(ctx), {
    name: "HitError",
    message: 'handler "bash" needs stage key "bash"',
  });
  assert.throws(() => run(null), {
    name: "HitError",
    message: 'handler "bash" needs stage key "bash" to be a string: got null',
  });
});

Deno.test("bash() reproduces a stage of the gcc golden build script", async () => {
  const golden = await loadGolden("gcc");
  const lines = run(
    "patch -up1 < _hashdist/rpath.patch\n" +
      'sed -i "s|@@ARTIFACT@@|${ARTIFACT}|g" gcc/config/i386/gnu-user.h gcc/config/i386/gnu-user64.h\n',
  );
  assertBlockIn(lines, golden.buildScript);
});
