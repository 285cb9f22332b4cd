import assert from "node:assert/strict";
import { join } from "node:path";
import { createDeferredLinks } from "../../src/core/deferred_links.ts";
import type { DeferredLink } from "../../src/core/unpack.ts";
import { HitError } from "../../src/errors.ts";
import { makeTempDir } from "./_source_fixtures.ts";

/** `root/outside` (a file to protect), `root/elsewhere/` and `root/target/` with `lib/libz.so.1`. */
async function scratch() {
  const dir = await makeTempDir("hit-deferred-links-");
  const target = join(dir.path, "target");
  Deno.mkdirSync(join(target, "lib"), { recursive: true });
  Deno.mkdirSync(join(dir.path, "elsewhere"));
  Deno.writeTextFileSync(join(target, "lib", "libz.so.1"), "ELF");
  Deno.writeTextFileSync(join(dir.path, "outside"), "keep");
  return Object.assign(dir, { target });
}

/** Relative paths under `dir`, sorted: `d/` for folders, `l -> t` for symlinks. */
function listTree(dir: string, base = ""): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(join(dir, base))) {
    const rel = base === "" ? entry.name : `${base}/${entry.name}`;
    if (entry.isSymlink) out.push(`${rel} -> ${Deno.readLinkSync(join(dir, rel))}`);
    else if (entry.isDirectory) out.push(`${rel}/`, ...listTree(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

const ARCHIVE = "/cache/a.tar.gz";
const symlink = (path: string, target: string): DeferredLink => ({ kind: "symlink", path, target });
const hardlink = (path: string, target: string): DeferredLink => ({
  kind: "hardlink",
  path,
  target,
});

/** Asserts that `link`, as a worker might forge it, is refused and nothing outside changes. */
async function assertRefused(
  link: DeferredLink,
  reason: RegExp,
  prepare?: (root: string, target: string) => void,
): Promise<void> {
  await using dir = await scratch();
  prepare?.(dir.path, dir.target);
  const outside = () => listTree(dir.path).filter((p) => !p.startsWith("target/"));
  const before = outside();
  assert.throws(() => createDeferredLinks(dir.target, [link], { archive: ARCHIVE }), (error) => {
    assert.ok(error instanceof HitError, String(error));
    assert.ok(
      error.message.startsWith(`unpack "${ARCHIVE}": refusing link "${link.path}": `),
      error.message,
    );
    assert.match(error.message, reason);
    return true;
  });
  assert.deepEqual(outside(), before);
  assert.equal(Deno.readTextFileSync(join(dir.path, "outside")), "keep");
}

Deno.test("createDeferredLinks() makes symlinks and hard links below the target", async () => {
  await using dir = await scratch();
  createDeferredLinks(dir.target, [
    hardlink("lib/libz.so", "lib/libz.so.1"),
    symlink("lib/libz.so.0", "libz.so.1"),
    symlink("lib/up", "../lib"),
  ], { archive: ARCHIVE });
  assert.deepEqual(listTree(dir.target), [
    "lib/",
    "lib/libz.so",
    "lib/libz.so.0 -> libz.so.1",
    "lib/libz.so.1",
    "lib/up -> ../lib",
  ]);
  assert.equal(Deno.statSync(join(dir.target, "lib/libz.so")).nlink, 2);
});

Deno.test("createDeferredLinks() replaces a file or a symlink without following it", async () => {
  await using dir = await scratch();
  Deno.symlinkSync(join(dir.path, "outside"), join(dir.target, "a"));
  Deno.writeTextFileSync(join(dir.target, "b"), "old");
  createDeferredLinks(dir.target, [
    hardlink("a", "lib/libz.so.1"),
    symlink("b", "lib/libz.so.1"),
  ], { archive: ARCHIVE });
  assert.equal(Deno.readTextFileSync(join(dir.target, "a")), "ELF");
  assert.equal(Deno.readLinkSync(join(dir.target, "b")), "lib/libz.so.1");
  assert.equal(Deno.readTextFileSync(join(dir.path, "outside")), "keep");
});

Deno.test("createDeferredLinks() keeps the mode and mtime of a read-only folder it links into", async () => {
  await using dir = await scratch();
  const folder = join(dir.target, "ro");
  Deno.mkdirSync(folder, { mode: 0o755 });
  Deno.chmodSync(folder, 0o555);
  Deno.utimeSync(folder, 1_000_000_000, 1_300_000_000);
  createDeferredLinks(dir.target, [symlink("ro/up", "../lib")], { archive: ARCHIVE });
  const info = Deno.statSync(folder);
  assert.equal(info.mode! & 0o7777, 0o555);
  assert.equal(info.mtime!.getTime(), 1_300_000_000_000);
  assert.equal(Deno.readLinkSync(join(folder, "up")), "../lib");
});

Deno.test("createDeferredLinks() refuses symlinks that leave the target, whatever the worker said", async () => {
  await assertRefused(symlink("x", "../outside"), /symlink target "\.\.\/outside" leaves/);
  await assertRefused(
    symlink("lib/x", "/etc/passwd"),
    /symlink target "\/etc\/passwd" is absolute/,
  );
  await assertRefused(symlink("x", "lib/../.."), /goes up after a name/);
  await assertRefused(symlink("x", ""), /empty symlink target/);
});

Deno.test("createDeferredLinks() refuses link paths that are not plain paths below the target", async () => {
  await assertRefused(symlink("../escape", "x"), /path "\.\.\/escape" is not a plain path/);
  await assertRefused(symlink("/tmp/escape", "x"), /is not a plain path/);
  await assertRefused(hardlink("lib/./x", "lib/libz.so.1"), /is not a plain path/);
  await assertRefused(hardlink("x", "../outside"), /path "\.\.\/outside" is not a plain path/);
});

Deno.test("createDeferredLinks() refuses a path through a symlink, a file or a missing folder", async () => {
  const escape = (root: string, target: string) =>
    Deno.symlinkSync(join(root, "elsewhere"), join(target, "esc"));
  await assertRefused(symlink("esc/x", "y"), /passes through the symlink "esc"/, escape);
  await assertRefused(
    hardlink("x", "esc/outside"),
    /passes through the symlink "esc"/,
    (root, target) => {
      escape(root, target);
      Deno.linkSync(join(root, "outside"), join(root, "elsewhere", "outside"));
    },
  );
  await assertRefused(symlink("lib/libz.so.1/x", "y"), /passes through the file "lib\/libz.so.1"/);
  await assertRefused(symlink("none/x", "y"), /the folder "none" is missing/);
});

Deno.test("createDeferredLinks() refuses replacing a folder, and hard links to anything but a file", async () => {
  await assertRefused(symlink("lib", "x"), /it would replace a directory/);
  await assertRefused(hardlink("x", "lib"), /hard link source "lib" is not a regular file/);
  await assertRefused(hardlink("x", "missing"), /is not a regular file/);
  await assertRefused(hardlink("lib/libz.so.1", "lib/libz.so.1"), /is not a regular file/);
  await assertRefused(
    hardlink("x", "pw"),
    /hard link source "pw" is not a regular file/,
    (root, target) => Deno.symlinkSync(join(root, "outside"), join(target, "pw")),
  );
  await assertRefused(
    { kind: "device", path: "x", target: "y" } as unknown as DeferredLink,
    /unknown link kind "device"/,
  );
});
