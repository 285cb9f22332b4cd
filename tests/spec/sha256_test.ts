import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sha256 } from "../../src/spec/sha256.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("sha256() gives the FIPS 180-4 digests of the standard examples", () => {
  assert.equal(
    hex(sha256("")),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    hex(sha256("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

Deno.test("sha256() agrees with node:crypto at every length around the block edges", () => {
  const data = crypto.getRandomValues(new Uint8Array(300));
  for (let length = 0; length <= 300; length++) {
    const bytes = data.subarray(0, length);
    const expected = createHash("sha256").update(bytes).digest("hex");
    assert.equal(hex(sha256(bytes)), expected, `length ${length}`);
  }
  // Strings are hashed as UTF-8, as node:crypto does.
  const text = "Grüße, 世界 — 🎉";
  assert.equal(hex(sha256(text)), createHash("sha256").update(text).digest("hex"));
});

Deno.test("sha256() of a megabyte agrees with node:crypto", () => {
  const bytes = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
  assert.equal(hex(sha256(bytes)), createHash("sha256").update(bytes).digest("hex"));
});
