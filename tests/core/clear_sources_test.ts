import assert from "node:assert/strict";
import { join } from "node:path";
import { clearSources, listCachedSources } from "../../src/core/clear_sources.ts";
import { FileLock } from "../../src/core/locks.ts";
import { removeTree } from "../../src/core/build_store.ts";

const HASH = "4niostz3iktlg67najtxuwwgss5vl6k4";
const HOUR = 60 * 60 * 1000;

/** A source cache with one entry of each kind, an old and a new temp file, and lock files. */
async function makeCache(): Promise<{ root: string } & AsyncDisposable> {
  const root = await Deno.makeTempDir({ prefix: "hit-sources-" });
  const write = async (path: string, text = "x") => {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  };
  await write(`packs/tar.gz/${HASH}`);
  await Deno.chmod(join(root, "packs/tar.gz", HASH), 0o444);
  await write(`files/${HASH}`);
  await write("files/writing-abc");
  await write("git/repo/HEAD");
  await write("git/.init-repo-x1y2z3/HEAD");
  await write("tmp/old-download");
  await write("tmp/new-download");
  await write(`locks/tar.gz-${HASH}.lock`, "");
  const old = new Date(Date.now() - 2 * HOUR);
  await Deno.utime(join(root, "tmp/old-download"), old, old);
  return { root, [Symbol.asyncDispose]: () => removeTree(root) };
}

Deno.test("listCachedSources() names each entry by kind, key and lock", async () => {
  await using cache = await makeCache();
  const listed = (await listCachedSources(cache.root)).map((source) =>
    `${source.kind} ${source.name} ${source.lock?.slice(cache.root.length) ?? "-"}`
  );
  assert.deepEqual(listed, [
    `archive tar.gz:${HASH} /locks/tar.gz-${HASH}.lock`,
    `hit-pack files:${HASH} -`,
    "temporary files/writing-abc -",
    "temporary git/.init-repo-x1y2z3 -",
    "git repo /locks/git-repo.lock",
    "temporary tmp/new-download -",
    "temporary tmp/old-download -",
  ]);
});

Deno.test("clearSources() removes sources and old temporary files, and keeps locks and new ones", async () => {
  await using cache = await makeCache();
  const dry = await clearSources(cache.root, { dryRun: true, now: Date.now() });
  assert.equal(dry.removed.length, 4);
  assert.equal((await listCachedSources(cache.root)).length, 7);
  const result = await clearSources(cache.root, { now: Date.now() });
  assert.deepEqual(result.removed.map((removed) => removed.source.name), [
    `tar.gz:${HASH}`,
    `files:${HASH}`,
    "repo",
    "tmp/old-download",
  ]);
  assert.deepEqual(result.kept.map((kept) => kept.source.name), [
    "files/writing-abc",
    "git/.init-repo-x1y2z3",
    "tmp/new-download",
  ]);
  assert.ok(result.bytes > 0);
  assert.deepEqual((await listCachedSources(cache.root)).map((source) => source.name), [
    "files/writing-abc",
    "git/.init-repo-x1y2z3",
    "tmp/new-download",
  ]);
  assert.ok(Deno.statSync(join(cache.root, "locks", `tar.gz-${HASH}.lock`)).isFile);
  assert.ok(Deno.statSync(join(cache.root, "packs", "tar.gz")).isDirectory);
});

Deno.test("clearSources() waits for a fetch holding the archive's lock", async () => {
  await using cache = await makeCache();
  const lock = await FileLock.acquire(join(cache.root, "locks", `tar.gz-${HASH}.lock`));
  const clearing = clearSources(cache.root, { now: Date.now() });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(Deno.statSync(join(cache.root, "packs", "tar.gz", HASH)).isFile);
  lock.release();
  await clearing;
  assert.throws(
    () => Deno.statSync(join(cache.root, "packs", "tar.gz", HASH)),
    Deno.errors.NotFound,
  );
});
