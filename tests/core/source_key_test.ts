import assert from "node:assert/strict";
import { archiveKey, archiveTypeOf, parseSourceKey } from "../../src/core/source_key.ts";
import { HitError } from "../../src/errors.ts";
import { b32, sha256 } from "../../src/spec/hash_document.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

Deno.test("archiveKey() of hello\\n gives the original's key vector", () => {
  assert.equal(
    archiveKey("tar.gz", b32(sha256("hello\n"))),
    "tar.gz:lci3lnjc2xpqq3ip6cyrb66z2in3j7dr",
  );
});

Deno.test("parseSourceKey() splits each key type at its colon", () => {
  assert.deepEqual(parseSourceKey("tar.gz:7acx7lq4px4lteiwpa7ph2kknjcfddkj"), {
    type: "tar.gz",
    hash: "7acx7lq4px4lteiwpa7ph2kknjcfddkj",
  });
  for (const type of ["tar.bz2", "tar.xz", "zip", "files"]) {
    assert.equal(parseSourceKey(`${type}:lci3lnjc2xpqq3ip6cyrb66z2in3j7dr`).type, type);
  }
  assert.deepEqual(parseSourceKey(`git:${COMMIT}`), { type: "git", hash: COMMIT });
});

Deno.test("parseSourceKey() rejects a key without exactly one colon", () => {
  assert.throws(() => parseSourceKey("lci3lnjc2xpqq3ip6cyrb66z2in3j7dr"), /exactly one ":"/);
  assert.throws(() => parseSourceKey("tar.gz:a:b"), /exactly one ":"/);
});

Deno.test("parseSourceKey() rejects unknown types and malformed hashes", () => {
  assert.throws(() => parseSourceKey("rar:lci3lnjc2xpqq3ip6cyrb66z2in3j7dr"), /unknown type "rar"/);
  assert.throws(() => parseSourceKey("tar.gz:LCI3"), HitError);
  assert.throws(() => parseSourceKey("tar.gz:lci3lnjc2xpqq3ip6cyrb66z2in3j7d1"), HitError);
  assert.throws(() => parseSourceKey("git:abc"), /40-hex commit/);
  assert.throws(() => parseSourceKey(`git:${COMMIT.toUpperCase()}`), /40-hex commit/);
});

Deno.test("archiveTypeOf() guesses from the extension as the original's test_ensure_type", () => {
  assert.equal(archiveTypeOf("test.tar.gz"), "tar.gz");
  assert.equal(archiveTypeOf("test.tar.gz", "tar.bz2"), "tar.bz2");
  assert.throws(() => archiveTypeOf("test.foo"), /unknown extension/);
  assert.throws(() => archiveTypeOf("test.tar.gz", "foo"), /unknown archive type "foo"/);
});

Deno.test("archiveTypeOf() knows every alias and ignores a URL's query", () => {
  const cases: [string, string][] = [
    ["a.tgz", "tar.gz"],
    ["a.tar.bz2", "tar.bz2"],
    ["a.tb2", "tar.bz2"],
    ["a.tbz2", "tar.bz2"],
    ["a.tar.xz", "tar.xz"],
    ["a.zip", "zip"],
    ["A.TAR.GZ", "tar.gz"],
    ["http://127.0.0.1/x/a.tar.xz?download=1", "tar.xz"],
    ["http://127.0.0.1/x/a.zip#top", "zip"],
  ];
  for (const [name, type] of cases) assert.equal(archiveTypeOf(name), type, name);
});
