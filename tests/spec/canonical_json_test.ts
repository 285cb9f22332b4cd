import assert from "node:assert/strict";
import { canonicalJson } from "../../src/spec/canonical_json.ts";
import { HitError } from "../../src/errors.ts";

Deno.test("canonicalJson() serialises the HASHDIST.md §4.1 example byte for byte", () => {
  const doc = { b: ["😀"], "kéy": 'café \x7f \x01 "q" \\ / \n\t' };
  assert.equal(
    canonicalJson(doc),
    String.raw`{"b":["\ud83d\ude00"],"k\u00e9y":"caf\u00e9 \u007f \u0001 \"q\" \\ / \n\t"}`,
  );
});

Deno.test("canonicalJson() escapes U+007F as \\u007f", () => {
  assert.equal(canonicalJson("\x7f"), String.raw`"\u007f"`);
});

Deno.test("canonicalJson() uses the two-character escapes for quote, backslash and \\n\\r\\t\\b\\f", () => {
  assert.equal(canonicalJson('"\\\n\r\t\b\f'), String.raw`"\"\\\n\r\t\b\f"`);
});

Deno.test("canonicalJson() writes other control and non-ASCII characters as lower-case \\u escapes", () => {
  assert.equal(
    canonicalJson("\x00\x1f\xab\u20ac\uffff"),
    String.raw`"\u0000\u001f\u00ab\u20ac\uffff"`,
  );
});

Deno.test("canonicalJson() writes astral characters as surrogate pairs", () => {
  assert.equal(canonicalJson("a\u{1f600}b\u{10ffff}"), String.raw`"a\ud83d\ude00b\udbff\udfff"`);
});

Deno.test("canonicalJson() leaves / and the rest of printable ASCII alone", () => {
  let printable = "";
  for (let code = 0x20; code < 0x7f; code++) {
    if (code !== 0x22 && code !== 0x5c) printable += String.fromCharCode(code);
  }
  assert.equal(canonicalJson(printable), `"${printable}"`);
  assert.equal(canonicalJson("/usr/bin"), '"/usr/bin"');
});

Deno.test("canonicalJson() escapes object keys like strings", () => {
  assert.equal(canonicalJson({ 'a"\n': 1 }), String.raw`{"a\"\n":1}`);
});

Deno.test("canonicalJson() sorts keys by code point, not by UTF-16 unit", () => {
  // UTF-16 puts U+1F600 (a surrogate pair, 0xD83D...) before U+FFFF; code points do not.
  assert.equal(
    canonicalJson({ "\u{1f600}": 2, "\uffff": 1, "b": 0, "B": 0, "a": 0 }),
    String.raw`{"B":0,"a":0,"b":0,"\uffff":1,"\ud83d\ude00":2}`,
  );
});

Deno.test("canonicalJson() writes scalars, arrays and objects without spaces", () => {
  assert.equal(
    canonicalJson({ z: [null, true, false, 0, -7, 12], a: {}, m: [], n: { y: [[]], x: "" } }),
    '{"a":{},"m":[],"n":{"x":"","y":[[]]},"z":[null,true,false,0,-7,12]}',
  );
});

Deno.test("canonicalJson() never writes a bool as an integer", () => {
  assert.equal(canonicalJson([true, 1, false, 0]), "[true,1,false,0]");
});

Deno.test("canonicalJson() writes large integers in full decimal", () => {
  assert.equal(canonicalJson(1e21), "1000000000000000000000");
  assert.equal(canonicalJson(-(2 ** 70)), "-1180591620717411303424");
  assert.equal(canonicalJson(-0), "0");
});

Deno.test("canonicalJson() rejects a float and names its path", () => {
  assert.throws(
    () => canonicalJson({ a: { b: [1, 2, 3.5] } }),
    (error) =>
      error instanceof HitError &&
      error.message === 'hash document: floats are not allowed: 3.5 at "a.b[2]"',
  );
});

Deno.test("canonicalJson() rejects a float at the top level", () => {
  assert.throws(() => canonicalJson(0.5), /floats are not allowed: 0\.5 at the top level/);
});

Deno.test("canonicalJson() rejects NaN and infinities", () => {
  assert.throws(() => canonicalJson([NaN]), HitError);
  assert.throws(() => canonicalJson({ x: Infinity }), HitError);
});

Deno.test("canonicalJson() does not reorder the input document", () => {
  const doc = { b: 1, a: 2 };
  canonicalJson(doc);
  assert.deepEqual(Object.keys(doc), ["b", "a"]);
});

Deno.test("canonicalJson() agrees with JSON.stringify on sorted ASCII documents", () => {
  const doc = { a: [1, "two", { c: null, d: false }], b: "x/y z", e: { f: { g: [] } } };
  assert.equal(canonicalJson(doc), JSON.stringify(doc));
});
