import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type ArchiveType, unpackArchive } from "../../src/core/unpack.ts";
import { HitError } from "../../src/errors.ts";
import { b32 } from "../../src/spec/hash_document.ts";
import { encodeHitPack, hitPackKey } from "../../src/spec/hit_pack.ts";
import { unpackPermissions } from "../../src/stages/permissions.ts";
import { StageCapabilityError } from "../../src/stages/stage_worker.ts";
import { runUnpackWorker, unpackInWorker } from "../../src/stages/unpack_stage.ts";
import { gzip, tar, type TarMember, zip } from "../core/_archives.ts";
import { makeTempDir, SOURCE_KEYS, SOURCES_DIR, type TempDir } from "../core/_source_fixtures.ts";

/** A scratch folder: `a.TYPE` archives, `parent/` holding the targets, `parent/outside`. */
class Scratch implements AsyncDisposable {
  readonly dir: TempDir;
  readonly parent: string;

  private constructor(dir: TempDir) {
    this.dir = dir;
    this.parent = join(dir.path, "parent");
    Deno.mkdirSync(this.parent);
    Deno.writeTextFileSync(join(this.parent, "outside"), "keep");
  }

  static async create(): Promise<Scratch> {
    return new Scratch(await makeTempDir("hit-unpack-stage-"));
  }

  /** A target folder path below `parent` (not created). */
  target(name = "target"): string {
    return join(this.parent, name);
  }

  /** Writes `bytes` as `a.TYPE` and returns its path. */
  archive(bytes: Uint8Array, type: string): string {
    const path = join(this.dir.path, `a.${type}`);
    Deno.writeFileSync(path, bytes);
    return path;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dir[Symbol.asyncDispose]();
  }
}

/**
 * Everything under `dir`, sorted: `path/` for folders, `path -> text` for symlinks, and for
 * the rest their mode, mtime and a hash of the contents. `inode` groups hard links.
 */
function snapshot(dir: string, base = ""): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(join(dir, base))) {
    const rel = base === "" ? entry.name : `${base}/${entry.name}`;
    const path = join(dir, rel);
    const info = Deno.lstatSync(path);
    if (info.isSymlink) {
      out.push(`${rel} -> ${Deno.readLinkSync(path)}`);
      continue;
    }
    const stamp = `${(info.mode! & 0o7777).toString(8)} ${info.mtime!.getTime()}`;
    if (info.isDirectory) {
      out.push(`${rel}/ ${stamp}`, ...snapshot(dir, rel));
    } else {
      const digest = createHash("sha256").update(Deno.readFileSync(path)).digest("hex");
      out.push(`${rel} ${stamp} ${digest.slice(0, 16)} links=${info.nlink}`);
    }
  }
  return out.sort();
}

function hashOf(bytes: Uint8Array): string {
  return b32(createHash("sha256").update(bytes).digest());
}

async function capabilityError(promise: Promise<unknown>): Promise<StageCapabilityError> {
  const error = await promise.then(() => assert.fail("the unpack succeeded"), (e) => e);
  assert.ok(error instanceof StageCapabilityError, String(error?.stack ?? error));
  assert.equal(error.stage, "unpack");
  assert.ok(!(error instanceof HitError), "a permission error is a bug, not a user error");
  return error;
}

const file = (name: string, body = name): TarMember => ({ name, body });

/** One tarball of each compression, each unpacked by a different decompressor. */
const REAL = [
  "zlib_1.2.13.dfsg.orig.tar.bz2",
  "xz-utils_5.4.1.orig.tar.xz",
  "libyaml_0.2.5.orig.tar.gz",
];

for (const name of REAL) {
  Deno.test(`unpackInWorker() unpacks ${name} exactly as the in-process unpack does`, async () => {
    await using scratch = await Scratch.create();
    const archive = join(SOURCES_DIR, name);
    const type = ("tar." + name.split(".tar.")[1]) as ArchiveType;
    const expectedHash = SOURCE_KEYS[name].split(":")[1];
    const inProcess = scratch.target("in-process");
    const inWorker = scratch.target("in-worker");
    await unpackArchive(archive, type, inProcess, { expectedHash });
    assert.deepEqual(await unpackInWorker(archive, type, inWorker, { expectedHash }), {
      warnings: [],
    });
    const expected = snapshot(inProcess);
    assert.ok(expected.length > 50, expected.join("\n"));
    assert.deepEqual(snapshot(inWorker), expected);
  });
}

/**
 * Members with symlinks and hard links, some in a read-only folder, and links replaced later.
 * Every folder is a member, so that its mtime is the archive's, whoever unpacks it.
 */
const LINKED: TarMember[] = [
  { name: "p/", type: "directory" },
  { name: "p/lib/", type: "directory", mtime: 1_200_000_000 },
  file("p/lib/libz.so.1", "ELF"),
  { name: "p/lib/libz.so", type: "hardlink", linkTarget: "p/lib/libz.so.1" },
  { name: "p/lib/libz.a", type: "hardlink", linkTarget: "p/lib/libz.so" },
  { name: "p/lib/libz.so.0", type: "symlink", linkTarget: "libz.so.1" },
  { name: "p/ro/", type: "directory", mode: 0o555, mtime: 1_300_000_000 },
  { name: "p/ro/up", type: "symlink", linkTarget: "../lib" },
  { name: "p/ro/hard", type: "hardlink", linkTarget: "p/lib/libz.so.1" },
  { name: "p/was-link", type: "symlink", linkTarget: "lib" },
  { name: "p/was-link/", type: "directory" },
  file("p/was-link/inside"),
  { name: "p/twice", type: "symlink", linkTarget: "lib" },
  file("p/twice", "a file now"),
  file("p/now-link", "a file first"),
  { name: "p/now-link", type: "symlink", linkTarget: "lib/libz.so.1" },
];

Deno.test("unpackInWorker() leaves links to the main thread and makes them as the in-process unpack does", async () => {
  await using scratch = await Scratch.create();
  const bytes = gzip(tar(LINKED));
  const archive = scratch.archive(bytes, "tar.gz");
  const target = scratch.target();
  const worker = await runUnpackWorker(
    { archive, type: "tar.gz", target },
    unpackPermissions({ archive, target, type: "tar.gz" }),
  );
  assert.deepEqual(worker.links, [
    { kind: "hardlink", path: "lib/libz.so", target: "lib/libz.so.1" },
    { kind: "hardlink", path: "lib/libz.a", target: "lib/libz.so.1" },
    { kind: "symlink", path: "lib/libz.so.0", target: "libz.so.1" },
    { kind: "symlink", path: "ro/up", target: "../lib" },
    { kind: "hardlink", path: "ro/hard", target: "lib/libz.so.1" },
    { kind: "symlink", path: "now-link", target: "lib/libz.so.1" },
  ]);
  const written = snapshot(target);
  assert.ok(!written.some((line) => / -> |links=[^1]/.test(line)), written.join("\n"));
  await Deno.remove(target, { recursive: true });

  const inProcess = scratch.target("in-process");
  await unpackArchive(archive, "tar.gz", inProcess, { expectedHash: hashOf(bytes) });
  await unpackInWorker(archive, "tar.gz", target, { expectedHash: hashOf(bytes) });
  const expected = snapshot(inProcess);
  assert.deepEqual(snapshot(target), expected);
  assert.ok(expected.includes("lib/libz.so.0 -> libz.so.1"), expected.join("\n"));
  assert.ok(expected.includes("ro/ 555 1300000000000"), expected.join("\n"));
  assert.equal(Deno.statSync(join(target, "lib/libz.a")).nlink, 4);
});

Deno.test("unpackInWorker() unpacks into a folder not made yet below a symlinked folder", async () => {
  await using scratch = await Scratch.create();
  const archive = scratch.archive(gzip(tar(LINKED)), "tar.gz");
  const inProcess = scratch.target("in-process");
  await unpackArchive(archive, "tar.gz", inProcess);
  // Deno checks the worker's writes against real paths: `link/build/src` is `real/build/src`.
  Deno.mkdirSync(join(scratch.dir.path, "real"));
  Deno.symlinkSync(join(scratch.dir.path, "real"), join(scratch.dir.path, "link"));
  const target = join(scratch.dir.path, "link", "build", "src");
  await unpackInWorker(archive, "tar.gz", target);
  assert.deepEqual(snapshot(join(scratch.dir.path, "real", "build", "src")), snapshot(inProcess));
});

Deno.test("runUnpackWorker() cannot write outside the target it is granted", async () => {
  await using scratch = await Scratch.create();
  const archive = scratch.archive(gzip(tar([file("p/a"), file("p/b")])), "tar.gz");
  const granted = scratch.target("granted");
  const other = scratch.target("other");
  const error = await capabilityError(
    runUnpackWorker(
      { archive, type: "tar.gz", target: other },
      unpackPermissions({ archive, target: granted, type: "tar.gz" }),
    ),
  );
  assert.deepEqual([error.permission, error.target], ["write", other]);
  assert.equal(error.message, `run the unpack stage: denied write access to "${other}"`);
  assert.deepEqual([...Deno.readDirSync(scratch.parent)].map((e) => e.name), ["outside"]);
});

Deno.test("runUnpackWorker() cannot read an archive other than the one granted", async () => {
  await using scratch = await Scratch.create();
  const archive = scratch.archive(gzip(tar([file("p/a")])), "tar.gz");
  const target = scratch.target();
  const granted = join(SOURCES_DIR, "libyaml_0.2.5.orig.tar.gz");
  const error = await capabilityError(
    runUnpackWorker(
      { archive, type: "tar.gz", target },
      unpackPermissions({ archive: granted, target, type: "tar.gz" }),
    ),
  );
  assert.deepEqual([error.permission, error.target], ["read", archive]);
});

Deno.test("runUnpackWorker() cannot run a decompressor beyond its grant", async () => {
  await using scratch = await Scratch.create();
  const archive = join(SOURCES_DIR, "zlib_1.2.13.dfsg.orig.tar.bz2");
  const target = scratch.target();
  for (const granted of ["tar.xz", "tar.gz"] as const) {
    const error = await capabilityError(
      runUnpackWorker(
        { archive, type: "tar.bz2", target },
        unpackPermissions({ archive, target, type: granted }),
      ),
    );
    assert.deepEqual([error.permission, error.target], ["run", "bzip2"]);
  }
  assert.deepEqual([...Deno.readDirSync(scratch.parent)].map((e) => e.name), ["outside"]);
});

Deno.test("unpackInWorker() finds bzip2 by its own PATH whatever bzip2 the parent's PATH finds first", async () => {
  await using scratch = await Scratch.create();
  // A bare `run` grant would resolve to this one, by the parent's PATH, when the worker starts.
  const bin = join(scratch.dir.path, "bin");
  Deno.mkdirSync(bin);
  Deno.writeTextFileSync(join(bin, "bzip2"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
  const path = Deno.env.get("PATH");
  Deno.env.set("PATH", `${bin}:${path ?? "/usr/bin:/bin"}`);
  try {
    const archive = join(SOURCES_DIR, "zlib_1.2.13.dfsg.orig.tar.bz2");
    await unpackInWorker(archive, "tar.bz2", scratch.target());
  } finally {
    if (path === undefined) Deno.env.delete("PATH");
    else Deno.env.set("PATH", path);
  }
  assert.ok(Deno.statSync(join(scratch.target(), "zlib.h")).isFile);
});

/** Hostile archives, each refused for one entry (`tests/core/unpack_test.ts` has the reasons). */
const HOSTILE: [string, TarMember[], ((target: string, parent: string) => void)?][] = [
  ["an absolute name", [file("/escapes")]],
  ["a .. name", [file("p/a"), file("p/../../escapes")]],
  ["a symlink to /etc", [{ name: "p/link", type: "symlink", linkTarget: "/etc" }, file("p/x")]],
  ["a symlink above the target", [{ name: "p/sub/up", type: "symlink", linkTarget: "../../x" }]],
  ["a symlink chain", [
    { name: "p/sub/up", type: "symlink", linkTarget: ".." },
    { name: "p/esc", type: "symlink", linkTarget: "sub/up/.." },
    file("p/esc/evil"),
  ]],
  ["a write through an archived symlink", [
    file("p/real"),
    { name: "p/link", type: "symlink", linkTarget: "real" },
    file("p/link/evil"),
  ]],
  ["a write through a symlink already in the target", [file("p/pre/evil"), file("p/ok")], (
    target,
    parent,
  ) => {
    Deno.mkdirSync(target);
    Deno.symlinkSync(parent, join(target, "pre"));
  }],
  ["a hard link to /etc/passwd", [file("p/a"), {
    name: "p/pw",
    type: "hardlink",
    linkTarget: "/etc/passwd",
  }]],
  ["a hard link to a later member", [file("p/a"), {
    name: "p/h",
    type: "hardlink",
    linkTarget: "p/later",
  }, file("p/later")]],
  ["a hard link to itself", [file("p/a"), file("p/self"), {
    name: "p/self",
    type: "hardlink",
    linkTarget: "p/self",
  }]],
  ["a link over a folder already in the target", [file("p/a"), {
    name: "p/d",
    type: "symlink",
    linkTarget: "a",
  }], (target) => Deno.mkdirSync(join(target, "d"), { recursive: true })],
  ["a device", [file("p/a"), { name: "p/tty", typeflag: "3" }]],
];

/**
 * Unpacks `members` in process or in the worker into a fresh target, asserting that it is
 * refused with a `HitError` and that nothing outside the target changed; returns the message
 * with the archive and target paths replaced.
 */
async function refusal(
  members: TarMember[],
  inWorker: boolean,
  prepare?: (target: string, parent: string) => void,
): Promise<string> {
  await using scratch = await Scratch.create();
  const archive = scratch.archive(gzip(tar(members)), "tar.gz");
  const target = scratch.target();
  prepare?.(target, scratch.parent);
  const outside = () => snapshot(scratch.parent).filter((line) => !line.startsWith("target"));
  const before = outside();
  const error =
    await (inWorker
      ? unpackInWorker(archive, "tar.gz", target)
      : unpackArchive(archive, "tar.gz", target)).then(() => assert.fail("unpacked"), (e) => e);
  assert.ok(error instanceof HitError, String(error?.stack ?? error));
  assert.deepEqual(outside(), before);
  return error.message.replaceAll(archive, "ARCHIVE").replaceAll(target, "TARGET");
}

for (const [label, members, prepare] of HOSTILE) {
  Deno.test(`unpackInWorker() refuses ${label} as the in-process unpack does, writing nothing outside`, async () => {
    const expected = await refusal(members, false, prepare);
    assert.match(expected, /^unpack "ARCHIVE": refusing entry "/);
    assert.equal(await refusal(members, true, prepare), expected);
  });
}

Deno.test("unpackInWorker() refuses a zip entry with .. in its name", async () => {
  await using scratch = await Scratch.create();
  const archive = scratch.archive(
    zip([{ name: "top/a", body: "a" }, { name: "top/../../x", body: "x" }]),
    "zip",
  );
  await assert.rejects(
    unpackInWorker(archive, "zip", scratch.target()),
    (error: unknown) =>
      error instanceof HitError &&
      /refusing entry "top\/\.\.\/\.\.\/x": attempted/.test(error.message),
  );
  assert.deepEqual([...Deno.readDirSync(scratch.parent)].map((e) => e.name), ["outside"]);
});

Deno.test("unpackInWorker() verifies the archive's hash before writing anything", async () => {
  await using scratch = await Scratch.create();
  const bytes = gzip(tar([file("p/a"), file("p/b")]));
  const archive = scratch.archive(bytes, "tar.gz");
  const wrong = "a".repeat(32);
  await assert.rejects(
    unpackInWorker(archive, "tar.gz", scratch.target(), { expectedHash: wrong }),
    (error: unknown) => {
      assert.ok(error instanceof HitError);
      assert.equal(
        error.message,
        `unpack "${archive}": corrupted file: its hash is "${hashOf(bytes)}", expected "${wrong}"`,
      );
      return true;
    },
  );
  assert.deepEqual([...Deno.readDirSync(scratch.parent)].map((e) => e.name), ["outside"]);
  await unpackInWorker(archive, "tar.gz", scratch.target(), { expectedHash: hashOf(bytes) });
  assert.deepEqual([...Deno.readDirSync(scratch.target())].map((e) => e.name).sort(), ["a", "b"]);
});

Deno.test("unpackInWorker() unpacks a hit-pack with mode 0600 and checks its hash", async () => {
  await using scratch = await Scratch.create();
  const entries = [
    { name: "foo", content: new TextEncoder().encode("contains foo") },
    { name: "a/b", content: new TextEncoder().encode("in a subdir") },
  ];
  const pack = scratch.archive(encodeHitPack(entries), "pack");
  const hash = hitPackKey(entries).slice("files:".length);
  await unpackInWorker(pack, "files", scratch.target(), { expectedHash: hash });
  assert.equal(Deno.readTextFileSync(join(scratch.target(), "a/b")), "in a subdir");
  assert.equal(Deno.statSync(join(scratch.target(), "foo")).mode! & 0o777, 0o600);
  await assert.rejects(
    unpackInWorker(pack, "files", scratch.target("other"), { expectedHash: "a".repeat(32) }),
    (error: unknown) => error instanceof HitError && /corrupted file/.test(error.message),
  );
});
