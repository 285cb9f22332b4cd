import assert from "node:assert/strict";
import { templateDeep, templateString, templateText } from "../../src/spec/template.ts";
import type { Value } from "../../src/spec/values.ts";

Deno.test("templateText() inserts build_with as in the HASHDIST.md §2.2 example", () => {
  const text = "build: [blas, mpi, python, {{build_with}}]";
  assert.equal(
    templateText(text, { build_with: "parmetis, scotch" }),
    "build: [blas, mpi, python, parmetis, scotch]",
  );
  assert.equal(templateText(text, {}), "build: [blas, mpi, python, ]");
});

Deno.test("templateText() stringifies values like Python str()", () => {
  const params = { yes: true, no: false, n: 64, nothing: null, s: "x" };
  assert.equal(
    templateText("{{yes}} {{no}} {{n}} {{nothing}} {{s}}", params),
    "True False 64 null x",
  );
});

Deno.test("templateText() replaces an unknown name by the empty string", () => {
  assert.equal(templateText("a{{missing}}b", { other: "x" }), "ab");
});

Deno.test("templateText() does not treat Object.prototype members as parameters", () => {
  assert.equal(templateText("[{{constructor}}{{toString}}]", {}), "[]");
});

Deno.test("templateText() leaves names outside its pattern alone", () => {
  const text = "{{ x }} {{1x}} {{a.b}} {{}} {x}";
  assert.equal(templateText(text, { x: "X", "1x": "Y", "a.b": "Z", "": "E" }), text);
});

Deno.test("templateText() accepts - in names after the first character", () => {
  assert.equal(templateText("{{pkg-config}}", { "pkg-config": "yes" }), "yes");
});

Deno.test("templateText() does not re-scan inserted values", () => {
  assert.equal(templateText("{{a}}", { a: "{{b}}", b: "x" }), "{{b}}");
});

Deno.test("templateText() inserts multi-line values verbatim", () => {
  assert.equal(
    templateText("  - {{PROLOGUE}}\n  - end", { PROLOGUE: "one\ntwo\n" }),
    "  - one\ntwo\n\n  - end",
  );
});

Deno.test("templateText() returns text without {{ unchanged", () => {
  const text = "no templates { here }";
  assert.equal(templateText(text, { here: "x" }), text);
});

Deno.test("templateString() replaces any {{...}} without trimming the name", () => {
  assert.equal(templateString("[{{ x }}]", { x: "X" }), "[]");
  assert.equal(templateString("[{{ x }}]", { " x ": "X" }), "[X]");
  assert.equal(templateString("[{{a b}}{{}}]", { "": "empty" }), "[empty]");
});

Deno.test("templateString() stringifies non-string parameters (Q6)", () => {
  assert.equal(templateString("{{f}}-{{n}}-{{z}}", { f: false, n: 3, z: null }), "False-3-null");
});

Deno.test("templateString() does not re-scan inserted values", () => {
  assert.equal(templateString("{{a}}", { a: "{{b}}", b: "x" }), "{{b}}");
});

Deno.test("templateDeep() templates string values at any depth but not keys", () => {
  const stage: Value = {
    name: "{{n}}",
    "{{n}}": ["a {{n}}", { deep: ["{{n}}"] }, 5, true, null],
  };
  assert.deepEqual(templateDeep(stage, { n: "v" }), {
    name: "v",
    "{{n}}": ["a v", { deep: ["v"] }, 5, true, null],
  });
});

Deno.test("templateDeep() returns a new value and leaves its input alone", () => {
  const stage = { bash: ["{{x}}"] };
  const result = templateDeep(stage, { x: "y" });
  assert.deepEqual(stage, { bash: ["{{x}}"] });
  assert.deepEqual(result, { bash: ["y"] });
  assert.notEqual(result, stage);
});
