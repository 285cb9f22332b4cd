import assert from "node:assert/strict";
import { locate, parseYaml } from "../../src/spec/yaml_load.ts";
import { catchHitError } from "./_spec_tree.ts";

Deno.test("parseYaml() reads strings, integers, booleans and null (§1.5)", () => {
  assert.deepEqual(parseYaml("s: text\ni: 64\nb: true\nn: null\ne:\nq: '2.7'\n", "/p.yaml"), {
    s: "text",
    i: 64,
    b: true,
    n: null,
    e: null,
    q: "2.7",
  });
});

Deno.test("parseYaml() gives null for an empty document", () => {
  assert.equal(parseYaml("", "/p.yaml"), null);
  assert.equal(parseYaml("# only a comment\n", "/p.yaml"), null);
});

Deno.test("parseYaml() accepts a trailing comma in a flow sequence (§1.5)", () => {
  assert.deepEqual(parseYaml("build: [blas, mpi, python, ]\n", "/p.yaml"), {
    build: ["blas", "mpi", "python"],
  });
});

Deno.test("parseYaml() reads an empty literal block as the empty string (§1.5)", () => {
  assert.deepEqual(parseYaml("PROLOGUE: |\nBASH: /bin/bash\n", "/p.yaml"), {
    PROLOGUE: "",
    BASH: "/bin/bash",
  });
});

Deno.test("parseYaml() rejects a duplicated key and names the line of the second one", () => {
  const text = "extends:\n- file: linux.yaml\n\nextends:\n- file: darwin.yaml\npackages: {}\n";
  const error = catchHitError(() => parseYaml(text, "/p.yaml"));
  assert.match(error.message, /duplicated mapping key/);
  assert.equal(error.location.file, "/p.yaml");
  assert.equal(error.location.line, 4);
  assert.match(error.hint ?? "", /remove one of the two keys/);
});

Deno.test("parseYaml() leaves ${VAR} and {{ x }} text alone", () => {
  assert.deepEqual(parseYaml("a: '${A}/bin'\nb: '{{ x }}'\n", "/p.yaml"), {
    a: "${A}/bin",
    b: "{{ x }}",
  });
});

Deno.test("parseYaml() reports a syntax error with its file, line and column", () => {
  const error = catchHitError(() => parseYaml("a:\n  b: 1\n c: 2\n", "/specs/bad.yaml"));
  assert.match(error.message, /^parse YAML: bad indentation/);
  assert.deepEqual(error.location, { file: "/specs/bad.yaml", line: 3, column: 2 });
});

Deno.test("parseYaml() reports an unclosed flow sequence at the end of the file", () => {
  const error = catchHitError(() => parseYaml("a: 1\nb: [x,\n", "/specs/open.yaml"));
  assert.match(error.message, /^parse YAML: .*flow collection/);
  assert.equal(error.location.file, "/specs/open.yaml");
  assert.equal(error.location.line, 3);
});

Deno.test("locate() finds the 1-based line and column of a key or list item", () => {
  const text = "extends:\n- file: a.yaml\n- 42\nparameters:\n  a: 1\n";
  assert.deepEqual(locate(text, ["extends", 1]), { line: 3, column: 3 });
  assert.deepEqual(locate(text, ["parameters"]), { line: 4, column: 1 });
  assert.deepEqual(locate(text, ["parameters", "a"]), { line: 5, column: 3 });
});

Deno.test("locate() stops at the deepest node that exists on the path", () => {
  const text = "build_stages:\n- name: a\n  bash: x\n";
  assert.deepEqual(locate(text, ["build_stages", 0, "missing"]), { line: 2, column: 3 });
  assert.deepEqual(locate(text, ["build_stages", 7]), { line: 1, column: 1 });
});

Deno.test("locate() still finds a position in text its parser finds invalid", () => {
  const text = "a: 1\nb: [x,\n";
  assert.deepEqual(locate(text, ["b"]), { line: 2, column: 1 });
});

Deno.test("parseYaml() rejects an alias inside its own anchor and an alias bomb", () => {
  assert.match(catchHitError(() => parseYaml("a: &x [*x]\n", "/f.yaml")).message, /contains it/);
  const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 8; i++) {
    const previous = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`);
  }
  const error = catchHitError(() => parseYaml(levels.join("\n") + "\n", "/bomb.yaml"));
  assert.match(error.message, /beyond a million values/);
  assert.equal(error.location.file, "/bomb.yaml");
});

Deno.test("parseYaml() keeps dates and other YAML 1.1 scalars as strings", () => {
  assert.deepEqual(parseYaml("d: 2001-12-14\n", "/f.yaml"), { d: "2001-12-14" });
});
