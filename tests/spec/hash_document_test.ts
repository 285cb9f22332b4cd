import assert from "node:assert/strict";
import { b32, hashDocument, sha256 } from "../../src/spec/hash_document.ts";
import { HitError } from "../../src/errors.ts";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

Deno.test("sha256() of hello\\n matches the HASHDIST.md §4.6 digest", () => {
  const digest = sha256(new TextEncoder().encode("hello\n"));
  assert.equal(digest.length, 32);
  assert.match(hex(digest), /^5891b5b5.*6be03$/);
});

Deno.test("sha256() hashes a string as its UTF-8 bytes", () => {
  assert.deepEqual(sha256("café 😀"), sha256(new TextEncoder().encode("café 😀")));
});

Deno.test("b32() of hello\\n's digest is the archive key body lci3lnjc2xpqq3ip6cyrb66z2in3j7dr", () => {
  assert.equal(b32(sha256("hello\n")), "lci3lnjc2xpqq3ip6cyrb66z2in3j7dr");
});

Deno.test("b32() is lower-case RFC 4648 base32 without padding", () => {
  // RFC 4648 of the 20 ASCII bytes "12345678901234567890" (the RFC 6238 test secret).
  assert.equal(
    b32(new TextEncoder().encode("12345678901234567890")),
    "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
  );
  assert.equal(b32(new Uint8Array(20)), "a".repeat(32));
  assert.equal(b32(new Uint8Array(20).fill(0xff)), "7".repeat(32));
});

Deno.test("b32() uses only the first 20 bytes of the digest", () => {
  const digest = sha256("x");
  assert.equal(b32(digest), b32(digest.slice(0, 20)));
  assert.match(b32(digest), /^[a-z2-7]{32}$/);
});

Deno.test("b32() rejects a digest shorter than 20 bytes", () => {
  assert.throws(() => b32(new Uint8Array(19)), RangeError);
});

Deno.test("hashDocument() reproduces the original's unit test vector", () => {
  const doc = {
    a: [[{ nohash_foo: [1, 2, 3] }, 1, true, false, null, 2, "asdf"]],
    nohash_foo: true,
  };
  assert.equal(hashDocument("test", doc), "geecc25mccuaba37cwsquibd2iisgo6f");
});

Deno.test("hashDocument() gives the generated stage names of HASHDIST.md §3.1", () => {
  const vectors: [Record<string, string>, string][] = [
    [{ prepend_path: "PATH", value: "${ARTIFACT}/bin" }, "5xx5on7y2agdliskygatl6vu5hjg74p3"],
    [{ set: "FOO", value: "${ARTIFACT}/foo" }, "aj6kbitalfn5tjl6suqqvvckb6zy6xnz"],
    [{ append_path: "LD", value: "${ARTIFACT}/lib" }, "qhtbkmpul26rd4oqzcucxd74zuqkhbmq"],
    [{ set: "ALPHA_HOME", value: "${ARTIFACT}" }, "sqmxm53ndtp4wcsu2vqdtyj72xfn3q2w"],
    [{ bash: "echo anon", handler: "bash" }, "j3oslntkywl2h6x3oekry7n4jb3qeyjv"],
  ];
  for (const [stage, name] of vectors) {
    assert.equal("__" + hashDocument("generated_stage_name", stage), "__" + name);
  }
});

Deno.test("hashDocument() rejects a document with a float", () => {
  assert.throws(() => hashDocument("test", { version: 1.5 }), HitError);
});
