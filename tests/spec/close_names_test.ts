import assert from "node:assert/strict";
import { closeNames, editDistance } from "../../src/spec/close_names.ts";

Deno.test("closeNames() ranks names by edit distance and keeps prefixes", () => {
  const known = ["numpy", "numexpr", "scipy", "zlib", "python", "pythonlibs"];
  assert.deepEqual(closeNames("numpi", known), ["numpy"]);
  assert.deepEqual(closeNames("pyton", known), ["python"]);
  assert.deepEqual(closeNames("pythonl", known), ["python", "pythonlibs"]);
  assert.deepEqual(closeNames("zzzzzzzz", known), []);
  assert.deepEqual(closeNames("Zlib", known), ["zlib"]);
});

Deno.test("closeNames() returns at most `count` names, nearest first", () => {
  const known = ["ab", "abc", "abcd", "abcde"];
  assert.deepEqual(closeNames("abc", known, 2), ["abc", "ab"]);
});

Deno.test("editDistance() counts an adjacent swap as one edit", () => {
  assert.equal(editDistance("stats", "status"), 1);
  assert.equal(editDistance("stauts", "status"), 1);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("same", "same"), 0);
});

Deno.test("closeNames() returns at most limit names within a third of the length", () => {
  assert.deepEqual(closeNames("stats", ["status", "show", "help"]), ["status"]);
  assert.deepEqual(closeNames("xyz", ["status", "show"]), []);
  assert.deepEqual(closeNames("ZLIB", ["zlib"]), ["zlib"]);
  assert.deepEqual(closeNames("abcdefghi", ["abcdefgh", "abcdefg", "abcdefghij", "bcdefghi"], 2), [
    "abcdefgh",
    "abcdefghij",
  ]);
});
