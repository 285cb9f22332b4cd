import assert from "node:assert/strict";
import { evaluateWhen, evalWhen, parseWhen } from "../../src/spec/when_expr.ts";
import type { Params } from "../../src/spec/values.ts";
import { HitError } from "../../src/errors.ts";

const CORPUS = new URL("../../../shared/corpus/hashstack/", import.meta.url);

const TABLE_PARAMS: Params = { platform: "linux", fortran: true, relocatable: true };

Deno.test("evaluateWhen() gives the values of the HASHDIST.md §2.5 table", () => {
  const expr = "platform == 'linux' and package != 'patchelf'";
  assert.equal(evaluateWhen(expr, { ...TABLE_PARAMS, package: "zlib" }), true);
  assert.equal(evaluateWhen(expr, { ...TABLE_PARAMS, package: "patchelf" }), false);
  assert.equal(evaluateWhen("not fortran", TABLE_PARAMS), false);
  assert.equal(evaluateWhen("relocatable == True", TABLE_PARAMS), true);
  assert.equal(evaluateWhen("airgap", TABLE_PARAMS), false);
});

Deno.test("evaluateWhen() treats True as a literal (D-0)", () => {
  assert.equal(evaluateWhen("relocatable == True", {}), false);
  assert.equal(evaluateWhen("relocatable == True", { relocatable: "true" }), false);
  assert.equal(evaluateWhen("relocatable == True", { relocatable: false }), false);
  assert.equal(evaluateWhen("relocatable == True", { relocatable: 1 }), true);
  assert.equal(evaluateWhen("True", {}), true);
  assert.equal(evaluateWhen("False", {}), false);
  assert.equal(evaluateWhen("None", { None: "x" }), false);
});

Deno.test("evalWhen() treats an unknown name as the empty string", () => {
  assert.equal(evalWhen(parseWhen("missing == ''"), {}), true);
  assert.equal(evalWhen(parseWhen("missing == None"), {}), false);
  assert.equal(evalWhen(parseWhen("not missing"), {}), true);
});

Deno.test("evalWhen() does not add missing names to the parameters", () => {
  const params: Params = { platform: "linux" };
  evalWhen(parseWhen("a or b == 'x' or not c"), params);
  assert.deepEqual(params, { platform: "linux" });
});

Deno.test("evalWhen() compares like Python ==", () => {
  const params: Params = { one: 1, zero: 0, yes: true, s1: "1", nothing: null };
  assert.equal(evalWhen(parseWhen("one == True"), params), true);
  assert.equal(evalWhen(parseWhen("zero == False"), params), true);
  assert.equal(evalWhen(parseWhen("s1 == one"), params), false);
  assert.equal(evalWhen(parseWhen("nothing == None"), params), true);
  assert.equal(evalWhen(parseWhen("nothing == ''"), params), false);
  assert.equal(evalWhen(parseWhen("yes != False"), params), true);
});

Deno.test("evalWhen() uses Python truthiness", () => {
  const params: Params = { f: "false", z: 0, e: "", l: [], m: {}, n: null, t: "x" };
  assert.equal(evalWhen(parseWhen("f"), params), true);
  for (const name of ["z", "e", "l", "m", "n"]) {
    assert.equal(evalWhen(parseWhen(name), params), false, name);
  }
  assert.equal(evalWhen(parseWhen("t"), params), true);
});

Deno.test("evalWhen() binds not looser than ==, and tighter than or", () => {
  const params: Params = { a: "x", b: "", c: "y" };
  assert.equal(evalWhen(parseWhen("not a == 'x'"), params), false);
  assert.equal(evalWhen(parseWhen("a or b and b"), params), true);
  assert.equal(evalWhen(parseWhen("b and b or c"), params), true);
  assert.equal(evalWhen(parseWhen("not not a"), params), true);
  assert.equal(evalWhen(parseWhen("not b and not b"), params), true);
});

Deno.test("evalWhen() accepts double-quoted strings", () => {
  assert.equal(evalWhen(parseWhen('platform == "Darwin"'), { platform: "Darwin" }), true);
  assert.equal(evalWhen(parseWhen(`x == "it's"`), { x: "it's" }), true);
});

Deno.test("parseWhen() builds and/or nodes with all operands", () => {
  assert.deepEqual(parseWhen("a and b and not c"), {
    kind: "and",
    operands: [
      { kind: "name", name: "a" },
      { kind: "name", name: "b" },
      { kind: "not", operand: { kind: "name", name: "c" } },
    ],
  });
  assert.deepEqual(parseWhen("x != 'y'"), {
    kind: "compare",
    operator: "!=",
    left: { kind: "name", name: "x" },
    right: { kind: "literal", value: "y" },
  });
});

Deno.test("parseWhen() names the expression and column when an operand is missing", () => {
  assert.throws(
    () => parseWhen("a =="),
    (error) =>
      error instanceof HitError &&
      error.message ===
        'parse "when" expression "a ==": expected a name, string, True, False or None at column 5',
  );
});

Deno.test("parseWhen() rejects everything outside the grammar", () => {
  const garbled = [
    "",
    "   ",
    "(a)",
    "a == (b)",
    "version == 1",
    "x == -1",
    "a in b",
    "a is None",
    "len(a)",
    "'abc",
    'a == "b',
    "a b",
    "a == b == c",
    "a = b",
    "a and",
    "or a",
    "not",
    "a && b",
    "a == 'x\\'y'",
    "True False",
    "a.b",
    "a[0]",
    "lambda: 1",
    "a # comment",
  ];
  for (const expr of garbled) {
    assert.throws(
      () => parseWhen(expr),
      (error) => error instanceof HitError && error.message.includes(`"${expr}"`),
      JSON.stringify(expr),
    );
  }
});

Deno.test("evaluateWhen() gives the same answer from its cache", () => {
  assert.equal(evaluateWhen("pyver == '2.7'", { pyver: "2.7" }), true);
  assert.equal(evaluateWhen("pyver == '2.7'", { pyver: "3.5" }), false);
  assert.equal(evaluateWhen("pyver == '2.7'", { pyver: "2.7" }), true);
});

Deno.test("evaluateWhen() reports a bad expression every time", () => {
  assert.throws(() => evaluateWhen("a ==", {}), HitError);
  assert.throws(() => evaluateWhen("a ==", {}), HitError);
});

/** Every `when` expression of the corpus: `when X:` keys and `when: X` values. */
function corpusWhenExpressions(): Set<string> {
  const expressions = new Set<string>();
  const keyForm = /^\s*(?:-\s+)?when\s+(.*?):\s*$/;
  const valueForm = /^\s*(?:-\s+)?when:\s+(.*?)\s*$/;
  const visit = (dir: URL) => {
    for (const item of Deno.readDirSync(dir)) {
      if (item.isDirectory) visit(new URL(`${item.name}/`, dir));
      if (!item.isFile || !item.name.endsWith(".yaml")) continue;
      for (const line of Deno.readTextFileSync(new URL(item.name, dir)).split("\n")) {
        const match = valueForm.exec(line) ?? keyForm.exec(line);
        if (match) expressions.add(match[1]);
      }
    }
  };
  visit(CORPUS);
  return expressions;
}

Deno.test("parseWhen() parses all 60 distinct when expressions of the corpus", () => {
  const expressions = corpusWhenExpressions();
  assert.equal(expressions.size, 60, [...expressions].join("\n"));
  for (const expr of expressions) parseWhen(expr);
});
