import assert from "node:assert/strict";
import {
  decodeHitPack,
  encodeHitPack,
  hitPackKey,
  type PackEntry,
} from "../../src/spec/hit_pack.ts";
import { HitError } from "../../src/errors.ts";

const CONFORMANCE = new URL("../../../shared/conformance/packages/", import.meta.url);

function entry(name: string, content: string): PackEntry {
  return { name, content: new TextEncoder().encode(content) };
}

const UNIT_TEST_ENTRIES = [
  entry("foo", "contains foo"),
  entry("bar", "contains bar"),
  entry("a/b", "in a subdir"),
  entry("a/c", "also in subdir"),
];

Deno.test("hitPackKey() reproduces the original's unit test vector in any input order", () => {
  const expected = "files:ruwkpei2ot2fp77myn2n2n4ttefuabab";
  assert.equal(hitPackKey(UNIT_TEST_ENTRIES), expected);
  assert.equal(hitPackKey([...UNIT_TEST_ENTRIES].reverse()), expected);
  const [a, b, c, d] = UNIT_TEST_ENTRIES;
  assert.equal(hitPackKey([c, a, d, b]), expected);
});

Deno.test("encodeHitPack() of nothing is the 8 magic bytes", () => {
  assert.deepEqual(encodeHitPack([]), new TextEncoder().encode("HDSTPCK1"));
  assert.equal(hitPackKey([]), "files:iwlpi4ky3yry354qrfzrikdacaqn7xeg");
});

Deno.test("hitPackKey() of a script-only bundle matches HASHDIST.md §4.6", () => {
  const script = "set -e\nexport HDIST_IN_BUILD=yes\n";
  assert.equal(
    hitPackKey([entry("_hashdist/build.sh", script)]),
    "files:an7xem7ye32lwiitnjx7nrtbw2aebdqd",
  );
});

Deno.test("encodeHitPack() writes the test_empty bundle as a 68-byte stream", () => {
  const entries = [entry("_hashdist/build.sh", "set -e\nexport HDIST_IN_BUILD=yes\n\n")];
  const stream = encodeHitPack(entries);
  assert.equal(stream.length, 68);
  assert.deepEqual(
    Array.from(stream.slice(0, 16)),
    [0x48, 0x44, 0x53, 0x54, 0x50, 0x43, 0x4b, 0x31, 0x12, 0, 0, 0, 0x22, 0, 0, 0],
  );
  assert.equal(hitPackKey(entries), "files:7jpfkxrivt2pguyw42m3ynvvvpoolwfh");
});

Deno.test("encodeHitPack() sorts names by UTF-8 bytes, not UTF-16 units", () => {
  // UTF-8: U+FFFF is EF BF BF and U+1F600 is F0 9F 98 80; UTF-16 would order them the other way.
  const decoded = decodeHitPack(encodeHitPack([entry("\u{1f600}", "2"), entry("\uffff", "1")]));
  assert.deepEqual(decoded.map((e) => e.name), ["\uffff", "\u{1f600}"]);
});

Deno.test("encodeHitPack() measures non-ASCII names and contents in UTF-8 bytes", () => {
  const stream = encodeHitPack([entry("é", "€")]);
  const view = new DataView(stream.buffer);
  assert.equal(view.getUint32(8, true), 2);
  assert.equal(view.getUint32(12, true), 3);
  assert.equal(stream.length, 8 + 8 + 2 + 3);
});

Deno.test("encodeHitPack() rejects duplicate names", () => {
  assert.throws(
    () => encodeHitPack([entry("a/b", "1"), entry("c", "2"), entry("a/b", "3")]),
    (error) => error instanceof HitError && error.message.includes('"a/b"'),
  );
});

Deno.test("decodeHitPack() returns the entries of a stream in sorted order", () => {
  const decoded = decodeHitPack(encodeHitPack(UNIT_TEST_ENTRIES));
  assert.deepEqual(decoded, [
    entry("a/b", "in a subdir"),
    entry("a/c", "also in subdir"),
    entry("bar", "contains bar"),
    entry("foo", "contains foo"),
  ]);
  assert.deepEqual(decodeHitPack(encodeHitPack([])), []);
});

Deno.test("decodeHitPack() keeps binary and empty contents", () => {
  const binary = { name: "bin", content: new Uint8Array([0, 255, 10, 13]) };
  const empty = { name: "empty", content: new Uint8Array() };
  assert.deepEqual(decodeHitPack(encodeHitPack([empty, binary])), [binary, empty]);
});

Deno.test("decodeHitPack() rejects a stream with bad magic", () => {
  assert.throws(() => decodeHitPack(new TextEncoder().encode("HDSTPCK2")), HitError);
  assert.throws(() => decodeHitPack(new Uint8Array()), HitError);
});

Deno.test("decodeHitPack() rejects a truncated stream", () => {
  const stream = encodeHitPack(UNIT_TEST_ENTRIES);
  for (const cut of [9, 16, 18, stream.length - 1]) {
    assert.throws(() => decodeHitPack(stream.slice(0, cut)), HitError, `cut at ${cut}`);
  }
});

Deno.test("hitPackKey() reproduces the conformance bundle keys of script-only packages", () => {
  let checked = 0;
  for (const profile of Deno.readDirSync(CONFORMANCE)) {
    for (const file of Deno.readDirSync(new URL(`${profile.name}/`, CONFORMANCE))) {
      const text = Deno.readTextFileSync(new URL(`${profile.name}/${file.name}`, CONFORMANCE));
      const result = JSON.parse(text);
      if (!result.ok || result.bundled_files.length > 0) continue;
      const key = hitPackKey([entry("_hashdist/build.sh", result.build_script)]);
      assert.equal(key, result.build_spec.sources[0].key, `${profile.name}/${file.name}`);
      checked++;
    }
  }
  assert.ok(checked > 600, `only ${checked} packages checked`);
});
