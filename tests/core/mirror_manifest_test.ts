import assert from "node:assert/strict";
import { join } from "node:path";
import { hashFile, hashTree, isBundlePath, parseManifest } from "../../src/core/mirror_manifest.ts";
import { HitError } from "../../src/errors.ts";
import { makeTempDir } from "./_source_fixtures.ts";

Deno.test("parseManifest() rejects other versions and unsafe paths; isBundlePath() says which", () => {
  const good = {
    version: 1,
    created: "c",
    hit: "h",
    profiles: [],
    files: [],
    entries: [{ key: "k", package: "p", url: null, size: 1, sha256: "0".repeat(64), path: "a/b" }],
  };
  assert.deepEqual(parseManifest(JSON.stringify(good), "m").entries[0].path, "a/b");
  for (
    const bad of [
      { ...good, version: 2 },
      { ...good, entries: [{ ...good.entries[0], path: "../x" }] },
      { ...good, entries: [{ ...good.entries[0], sha256: "x" }] },
      { ...good, files: "no" },
    ]
  ) {
    assert.throws(() => parseManifest(JSON.stringify(bad), "m"), HitError);
  }
  assert.throws(() => parseManifest("{", "m"), /not JSON/);
  for (const path of ["a", "a/b.c"]) assert.ok(isBundlePath(path), path);
  for (const path of ["", "/a", "a/../b", "./a", "a//b", "a/", "a\\b"]) {
    assert.ok(!isBundlePath(path), path);
  }
});

Deno.test("hashTree() hashes a folder's file list, so any changed byte or name changes it", async () => {
  await using dir = await makeTempDir();
  await Deno.mkdir(join(dir.path, "a", "b"), { recursive: true });
  await Deno.writeTextFile(join(dir.path, "a", "b", "x"), "xx");
  await Deno.writeTextFile(join(dir.path, "y"), "y");
  const first = await hashTree(dir.path);
  assert.equal(first.size, 3);
  const x = await hashFile(join(dir.path, "a", "b", "x"));
  const y = await hashFile(join(dir.path, "y"));
  const lines = `${x.sha256} 2 a/b/x\n${y.sha256} 1 y\n`;
  const expected = Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(lines))),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
  assert.equal(first.sha256, expected);
  await Deno.writeTextFile(join(dir.path, "y"), "z");
  assert.notEqual((await hashTree(dir.path)).sha256, first.sha256);
  await Deno.rename(join(dir.path, "y"), join(dir.path, "w"));
  assert.notEqual((await hashTree(dir.path)).sha256, first.sha256);
  await Deno.symlink("w", join(dir.path, "link"));
  await assert.rejects(hashTree(dir.path), HitError);
});
