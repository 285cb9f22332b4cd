import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HitError } from "../../src/errors.ts";
import { b32 } from "../../src/spec/hash_document.ts";
import { encodeHitPack, hitPackKey } from "../../src/spec/hit_pack.ts";
import {
  type ArchiveType,
  commonPrefix,
  unpackArchive,
  unpackHitPack,
  type UnpackResult,
} from "../../src/core/unpack.ts";
import { gzip, tar, type TarMember, zip, type ZipMember } from "./_archives.ts";

const SOURCES = fileURLToPath(new URL("../../../shared/sources/", import.meta.url));

/** A scratch folder: `archives/` for inputs, `parent/target` as the unpack target. */
class Scratch implements AsyncDisposable {
  readonly root: string;
  readonly parent: string;
  readonly target: string;

  constructor() {
    this.root = Deno.makeTempDirSync({ prefix: "hit-unpack-" });
    this.parent = join(this.root, "parent");
    this.target = join(this.parent, "target");
    Deno.mkdirSync(join(this.root, "archives"));
    Deno.mkdirSync(this.parent);
  }

  /** Writes `bytes` as an archive file and returns its path. */
  archive(bytes: Uint8Array, type: string): string {
    const path = join(this.root, "archives", `a.${type}`);
    Deno.writeFileSync(path, bytes);
    return path;
  }

  /** Everything under `parent` except the target's own subtree. */
  outsideTarget(): string[] {
    return listTree(this.parent).filter((p) => p !== "target/" && !p.startsWith("target/"));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.root, { recursive: true });
  }
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

async function unpackTar(
  scratch: Scratch,
  members: TarMember[],
  options: { expectedHash?: string } = {},
): Promise<UnpackResult> {
  const path = scratch.archive(gzip(tar(members)), "tar.gz");
  return await unpackArchive(path, "tar.gz", scratch.target, options);
}

/** Asserts that unpacking `members` is refused naming the archive and `entry`, leaving nothing outside. */
async function assertRefused(
  members: TarMember[],
  entry: string,
  reason: RegExp,
  prepare?: (scratch: Scratch) => void,
): Promise<void> {
  await using scratch = new Scratch();
  prepare?.(scratch);
  const before = scratch.outsideTarget();
  await assert.rejects(unpackTar(scratch, members), (error: unknown) => {
    assert.ok(error instanceof HitError, String(error));
    assert.ok(error.message.startsWith(`unpack "${join(scratch.root, "archives", "a.tar.gz")}": `));
    assert.ok(error.message.includes(`refusing entry "${entry}": `), error.message);
    assert.match(error.message, reason);
    return true;
  });
  assert.deepEqual(scratch.outsideTarget(), before);
}

const file = (name: string, body = name): TarMember => ({ name, body });
const dir = (name: string): TarMember => ({ name, type: "directory" });

Deno.test("commonPrefix() matches the test_common_prefix vectors", () => {
  assert.equal(commonPrefix(["a/b/c/d/e"]), "a/b/c/d/");
  assert.equal(commonPrefix(["a/c", "a/d"]), "a/");
  assert.equal(commonPrefix(["a/b/c", "a/b/d"]), "a/b/");
  assert.equal(commonPrefix(["a/b/c", "a/b/d", "a"]), "");
  assert.equal(commonPrefix(["a", "a/b/c", "a/b/d"]), "");
  assert.equal(commonPrefix(["a/b/c/d/e/0", "a/b/c/d/e/1", "a/b/c/d/1"]), "a/b/c/d/");
  assert.equal(commonPrefix([]), "");
});

const TABLE: [string, TarMember[], string[]][] = [
  ["a two-level prefix", [dir("a/"), dir("a/b/"), file("a/b/c.txt"), file("a/b/d.txt")], [
    "c.txt",
    "d.txt",
  ]],
  ["a one-level prefix", [dir("a/"), dir("a/b/"), file("a/b/c.txt"), file("a/d.txt")], [
    "b/",
    "b/c.txt",
    "d.txt",
  ]],
  ["no shared folder", [file("a/x.txt"), file("b/y.txt")], ["a/", "a/x.txt", "b/", "b/y.txt"]],
  ["a single top-level file", [file("x.txt")], ["x.txt"]],
  [
    "a ./pkg/ prefix",
    [dir("./pkg/"), file("./pkg/x.txt"), dir("./pkg/sub/"), file("./pkg/sub/y")],
    [
      "sub/",
      "sub/y",
      "x.txt",
    ],
  ],
];

for (const [label, members, expected] of TABLE) {
  Deno.test(`unpackArchive() strips ${label} (§8.3 table)`, async () => {
    await using scratch = new Scratch();
    assert.deepEqual(await unpackTar(scratch, members), { warnings: [] });
    assert.deepEqual(listTree(scratch.target), expected);
    for (const path of expected.filter((p) => !p.endsWith("/"))) {
      // Each file holds its member name, which ends with the stripped path.
      assert.ok(Deno.readTextFileSync(join(scratch.target, path)).endsWith(path));
    }
  });
}

Deno.test("unpackArchive() unpacks a/b/0/README and a/b/1/README to 0/ and 1/ (test_tarball)", async () => {
  await using scratch = new Scratch();
  await unpackTar(scratch, [file("a/b/0/README"), file("a/b/1/README")]);
  assert.deepEqual(listTree(scratch.target), ["0/", "0/README", "1/", "1/README"]);
});

Deno.test("unpackArchive() drops members outside the prefix instead of mangling them (D-7)", async () => {
  await using scratch = new Scratch();
  await unpackTar(scratch, [
    dir("pkg/"),
    file("pkg/a.c"),
    file("pkg/b.c"),
    dir("pkgextra/"),
    dir("other/"),
  ]);
  assert.deepEqual(listTree(scratch.target), ["a.c", "b.c"]);
});

Deno.test("unpackArchive() unpacks an archive of only directories to nothing (Q28)", async () => {
  await using scratch = new Scratch();
  assert.deepEqual(await unpackTar(scratch, [dir("a/"), dir("a/b/")]), { warnings: [] });
  assert.deepEqual(listTree(scratch.target), []);
  await using empty = new Scratch();
  await unpackTar(empty, []);
  assert.deepEqual(listTree(empty.target), []);
});

Deno.test("unpackArchive() extracts UTF-8 names, in tar and zip, as their bytes are", async () => {
  await using scratch = new Scratch();
  const members = [file("p/ok.txt"), file("p/naïve-日本.txt"), dir("p/données/")];
  const result = await unpackTar(scratch, members);
  assert.deepEqual(listTree(scratch.target), ["données/", "naïve-日本.txt", "ok.txt"]);
  assert.deepEqual(result.warnings, []);
  assert.equal(Deno.readTextFileSync(join(scratch.target, "naïve-日本.txt")), "p/naïve-日本.txt");
  await using zipped = new Scratch();
  const path = zipped.archive(zip([{ name: "z/ü.txt", body: "u" }, { name: "z/a" }]), "zip");
  await unpackArchive(path, "zip", zipped.target);
  assert.deepEqual(listTree(zipped.target), ["a", "ü.txt"]);
});

Deno.test("unpackArchive() skips a name that is not UTF-8 with a warning, and quotes names in messages", async () => {
  await using scratch = new Scratch();
  const archive = tar([file("p/ok.txt"), file("p/bad-X.txt")]);
  // Byte 0xff where the X is: no string can name that file.
  const at = archive.indexOf("X".charCodeAt(0), 512 * 2);
  archive[at] = 0xff;
  fixChecksum(archive, at - (at % 512));
  const path = scratch.archive(gzip(archive), "tar.gz");
  const result = await unpackArchive(path, "tar.gz", scratch.target);
  assert.deepEqual(listTree(scratch.target), ["ok.txt"]);
  assert.deepEqual(result.warnings, [
    `skipped entry "p/bad-\uFFFD.txt" of "${path}": its name or link target is not valid UTF-8`,
  ]);
  await assertRefused(
    [file("p/a"), { name: "p/x\n\u001b[2J", typeflag: "3" }],
    "p/x\\n\\x1b[2J",
    /devices, fifos and sockets/,
  );
});

Deno.test("unpackArchive() extracts sparse members made by GNU tar -S (old GNU, pax 0.1 and 1.0) and refuses pax 0.0", async () => {
  await using scratch = new Scratch();
  const src = join(scratch.root, "src");
  Deno.mkdirSync(join(src, "p"), { recursive: true });
  const holey = join(src, "p", "holey");
  Deno.writeTextFileSync(holey, "head");
  Deno.truncateSync(holey, 3 << 20);
  Deno.writeTextFileSync(holey, "middle", { append: true });
  Deno.truncateSync(holey, 6 << 20);
  Deno.writeTextFileSync(holey, "tail", { append: true });
  Deno.writeTextFileSync(join(src, "p", "plain"), "plain");
  const expected = Deno.readFileSync(holey);
  const formats: Record<string, string[]> = {
    gnu: ["--format=gnu"],
    "pax-1.0": ["--format=posix"],
    "pax-0.1": ["--format=posix", "--sparse-version=0.1"],
    "pax-0.0": ["--format=posix", "--sparse-version=0.0"],
  };
  for (const [format, args] of Object.entries(formats)) {
    const archive = join(scratch.root, "archives", `${format}.tar`);
    const made = new Deno.Command("tar", {
      args: ["-S", ...args, "-cf", archive, "p"],
      cwd: src,
    }).outputSync();
    assert.ok(made.success, new TextDecoder().decode(made.stderr));
    // The archive holds the data, not the holes.
    assert.ok(Deno.statSync(archive).size < 64 * 1024);
    const target = join(scratch.parent, format);
    if (format === "pax-0.0") {
      // Its map is repeated pax keywords, which no reader that keeps the last one can follow.
      await assert.rejects(
        unpackArchive(archive, "tar", target),
        /sparse member at byte \d+: GNU sparse format 0\.0 is not supported/,
      );
      continue;
    }
    const result = await unpackArchive(archive, "tar", target);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(listTree(target), ["holey", "plain"]);
    assert.deepEqual(Deno.readFileSync(join(target, "holey")), expected, format);
  }
});

/** Sets the checksum of the tar header at `start` after its bytes were changed. */
function fixChecksum(archive: Uint8Array, start: number): void {
  const block = archive.subarray(start, start + 512);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
}

Deno.test("unpackArchive() strips hard-link targets like member names", async () => {
  await using scratch = new Scratch();
  await unpackTar(scratch, [
    file("p/lib/libz.so.1", "ELF"),
    { name: "p/lib/libz.so", type: "hardlink", linkTarget: "p/lib/libz.so.1" },
    { name: "p/lib/libz.so.0", type: "symlink", linkTarget: "libz.so.1" },
  ]);
  assert.deepEqual(listTree(scratch.target), ["libz.so", "libz.so.0 -> libz.so.1", "libz.so.1"]);
  const a = Deno.statSync(join(scratch.target, "libz.so"));
  const b = Deno.statSync(join(scratch.target, "libz.so.1"));
  assert.equal(a.ino, b.ino);
});

Deno.test("unpackArchive() restores permission bits without setuid or setgid, and mtimes", async () => {
  await using scratch = new Scratch();
  await unpackTar(scratch, [
    { name: "p/configure", body: "#!/bin/sh\n", mode: 0o755, mtime: 1_000_000_000 },
    { name: "p/suid", body: "x", mode: 0o6755 },
    { name: "p/ro", body: "x", mode: 0o444 },
    { name: "p/d/", type: "directory", mode: 0o700, mtime: 1_100_000_000 },
    { name: "p/d/f", body: "x", mode: 0o600 },
  ]);
  const mode = (name: string) => Deno.statSync(join(scratch.target, name)).mode! & 0o7777;
  assert.equal(mode("configure"), 0o755);
  assert.equal(mode("suid"), 0o755);
  assert.equal(mode("ro"), 0o444);
  assert.equal(mode("d"), 0o700);
  assert.equal(
    Deno.statSync(join(scratch.target, "configure")).mtime!.getTime(),
    1_000_000_000_000,
  );
  assert.equal(Deno.statSync(join(scratch.target, "d")).mtime!.getTime(), 1_100_000_000_000);
});

Deno.test("unpackArchive() overwrites existing files and replaces a symlink instead of following it", async () => {
  await using scratch = new Scratch();
  Deno.mkdirSync(scratch.target);
  Deno.writeTextFileSync(join(scratch.target, "build.json"), "{}");
  Deno.writeTextFileSync(join(scratch.target, "a.c"), "old");
  Deno.writeTextFileSync(join(scratch.parent, "victim"), "keep");
  Deno.symlinkSync(join(scratch.parent, "victim"), join(scratch.target, "b.c"));
  await unpackTar(scratch, [file("p/a.c", "new a"), file("p/b.c", "new b")]);
  assert.deepEqual(listTree(scratch.target), ["a.c", "b.c", "build.json"]);
  assert.equal(Deno.readTextFileSync(join(scratch.target, "a.c")), "new a");
  assert.equal(Deno.readTextFileSync(join(scratch.target, "b.c")), "new b");
  assert.equal(Deno.readTextFileSync(join(scratch.parent, "victim")), "keep");
});

Deno.test("unpackArchive() checks the archive hash and reports a corrupted file", async () => {
  await using scratch = new Scratch();
  const bytes = gzip(tar([file("p/a"), file("p/b")]));
  const path = scratch.archive(bytes, "tar.gz");
  const hash = b32(createHash("sha256").update(bytes).digest());
  await unpackArchive(path, "tar.gz", scratch.target, { expectedHash: hash });
  assert.deepEqual(listTree(scratch.target), ["a", "b"]);
  const wrong = "a".repeat(32);
  const other = join(scratch.parent, "other");
  await assert.rejects(
    unpackArchive(path, "tar.gz", other, { expectedHash: wrong }),
    (error: unknown) => {
      assert.ok(error instanceof HitError);
      assert.equal(
        error.message,
        `unpack "${path}": corrupted file: its hash is "${hash}", expected "${wrong}"`,
      );
      return true;
    },
  );
  assert.deepEqual(scratch.outsideTarget(), []);
});

Deno.test("unpackArchive() reports a damaged archive with a known hash as a corrupted file", async () => {
  await using scratch = new Scratch();
  const bytes = gzip(tar([{ name: "p/a", body: crypto.getRandomValues(new Uint8Array(9000)) }]));
  const hash = b32(createHash("sha256").update(bytes).digest());
  bytes[bytes.length - 6] ^= 0xff;
  const path = scratch.archive(bytes, "tar.gz");
  await assert.rejects(
    unpackArchive(path, "tar.gz", scratch.target, { expectedHash: hash }),
    /corrupted file/,
  );
  await assert.rejects(unpackArchive(path, "tar.gz", scratch.target), /corrupted archive/);
  assert.deepEqual(listTree(scratch.parent), []);
});

Deno.test("unpackArchive() refuses /escapes and ../escapes (test_trap_tarball_attack)", async () => {
  await assertRefused(
    [file("/escapes")],
    "/escapes",
    /attempted to break out of the target: absolute path/,
  );
  await assertRefused(
    [file("../escapes")],
    "../escapes",
    /attempted to break out of the target: ".." in the path/,
  );
  await assertRefused(
    [file("p/a"), file("p/../../escapes")],
    "p/../../escapes",
    /attempted to break out/,
  );
});

Deno.test("unpackArchive() refuses a symlink to an absolute path, such as /etc", async () => {
  await assertRefused(
    [{ name: "p/link", type: "symlink", linkTarget: "/etc" }, file("p/link/evil")],
    "p/link",
    /symlink target "\/etc" is absolute/,
  );
});

Deno.test("unpackArchive() refuses a symlink that climbs out of the target", async () => {
  await assertRefused(
    [{ name: "p/up", type: "symlink", linkTarget: ".." }, file("p/x")],
    "p/up",
    /symlink target "\.\." leaves the target directory/,
  );
  await assertRefused(
    [{ name: "p/sub/up", type: "symlink", linkTarget: "../../outside" }, file("p/x")],
    "p/sub/up",
    /leaves the target directory/,
  );
});

Deno.test("unpackArchive() refuses a symlink chain that leaves the target", async () => {
  // `sub/up -> ..` stays inside, but `esc -> sub/up/..` then resolves above the target.
  await assertRefused(
    [
      { name: "p/sub/up", type: "symlink", linkTarget: ".." },
      { name: "p/esc", type: "symlink", linkTarget: "sub/up/.." },
      file("p/esc/evil"),
    ],
    "p/esc",
    /symlink target "sub\/up\/\.\." goes up after a name/,
  );
});

Deno.test("unpackArchive() refuses writing through a symlink the archive made", async () => {
  await assertRefused(
    [file("p/x"), { name: "p/sub/up", type: "symlink", linkTarget: ".." }, file("p/sub/up/evil")],
    "p/sub/up/evil",
    /the path passes through the symlink "sub\/up"/,
  );
  await assertRefused(
    [file("p/real"), { name: "p/link", type: "symlink", linkTarget: "real" }, file("p/link/evil")],
    "p/link/evil",
    /passes through the symlink "link"/,
  );
});

Deno.test("unpackArchive() refuses writing through a symlink already in the target", async () => {
  await assertRefused(
    [file("p/pre/evil"), file("p/ok")],
    "p/pre/evil",
    /passes through the symlink/,
    (scratch) => {
      Deno.mkdirSync(join(scratch.parent, "outside"));
      Deno.mkdirSync(scratch.target);
      Deno.symlinkSync(join(scratch.parent, "outside"), join(scratch.target, "pre"));
    },
  );
});

Deno.test("unpackArchive() refuses hard links to /etc/passwd, outside the prefix or to missing members", async () => {
  await assertRefused(
    [file("p/a"), { name: "p/pw", type: "hardlink", linkTarget: "/etc/passwd" }],
    "p/pw",
    /hard link target "\/etc\/passwd": attempted to break out/,
  );
  await assertRefused(
    [file("p/a"), { name: "p/pw", type: "hardlink", linkTarget: "../../etc/passwd" }],
    "p/pw",
    /attempted to break out/,
  );
  await assertRefused(
    [file("p/a"), { name: "p/h", type: "hardlink", linkTarget: "p/later" }, file("p/later")],
    "p/h",
    /hard link to a missing member "p\/later"/,
  );
});

Deno.test("unpackArchive() refuses devices and fifos", async () => {
  await assertRefused(
    [file("p/a"), { name: "p/tty", typeflag: "3" }],
    "p/tty",
    /devices, fifos .* \(type "3"\)/,
  );
  await assertRefused([{ name: "p/fifo", typeflag: "6" }, file("p/a")], "p/fifo", /type "6"/);
});

Deno.test("unpackArchive() refuses a zip entry with .. in its name", async () => {
  await using scratch = new Scratch();
  const path = scratch.archive(
    zip([{ name: "top/a", body: "a" }, { name: "top/../../x", body: "x" }]),
    "zip",
  );
  await assert.rejects(
    unpackArchive(path, "zip", scratch.target),
    /refusing entry "top\/\.\.\/\.\.\/x": attempted/,
  );
  assert.deepEqual(listTree(scratch.parent), []);
});

Deno.test("unpackArchive() unpacks a/b/0/README and a/b/1/README from a zip (test_zipfile)", async () => {
  await using scratch = new Scratch();
  const members: ZipMember[] = [{ name: "a/b/0/README", body: "0" }, {
    name: "a/b/1/README",
    body: "1",
  }];
  await unpackArchive(scratch.archive(zip(members), "zip"), "zip", scratch.target);
  assert.deepEqual(listTree(scratch.target), ["0/", "0/README", "1/", "1/README"]);
});

Deno.test("unpackArchive() strips a zip's top folder, counting directory entries, and restores modes (D-8)", async () => {
  await using scratch = new Scratch();
  const members: ZipMember[] = [
    { name: "top/", mode: 0o040755 },
    { name: "top/configure", body: "#!/bin/sh\n", mode: 0o100755, deflate: true },
    { name: "top/README", body: "read me", mode: 0o100644 },
    { name: "top/plain", body: "no mode" },
  ];
  await unpackArchive(scratch.archive(zip(members), "zip"), "zip", scratch.target);
  assert.deepEqual(listTree(scratch.target), ["README", "configure", "plain"]);
  assert.equal(Deno.statSync(join(scratch.target, "configure")).mode! & 0o777, 0o755);
  assert.equal(Deno.statSync(join(scratch.target, "README")).mode! & 0o777, 0o644);
  assert.equal(Deno.readTextFileSync(join(scratch.target, "configure")), "#!/bin/sh\n");
  // A top folder entry with a single file under it: `top/` contributes to the prefix.
  await using other = new Scratch();
  await unpackArchive(
    other.archive(zip([{ name: "top/" }, { name: "top/sub/x" }]), "zip"),
    "zip",
    other.target,
  );
  assert.deepEqual(listTree(other.target), ["sub/", "sub/x"]);
});

const REAL = [...Deno.readDirSync(SOURCES)].map((e) => e.name).filter((n) => n.includes(".tar."))
  .sort();

for (const name of REAL) {
  Deno.test(`unpackArchive() unpacks ${name} like tar -tf lists it, prefix removed`, async () => {
    await using scratch = new Scratch();
    const type = ("tar." + name.split(".tar.")[1]) as ArchiveType;
    const bytes = Deno.readFileSync(SOURCES + name);
    const hash = b32(createHash("sha256").update(bytes).digest());
    const result = await unpackArchive(SOURCES + name, type, scratch.target, {
      expectedHash: hash,
    });
    assert.deepEqual(result, { warnings: [] });
    const listed = await new Deno.Command("tar", { args: ["-tf", SOURCES + name] }).output();
    const members = new TextDecoder().decode(listed.stdout).trimEnd().split("\n");
    const prefix = commonPrefix(members.filter((m) => !m.endsWith("/")));
    const expected = members.filter((m) => m.length > prefix.length).map((m) =>
      m.slice(prefix.length)
    );
    const actual = listTree(scratch.target).map((p) => p.replace(/ -> .*/, ""));
    assert.deepEqual(actual, [...new Set(expected)].sort());
    if (name.startsWith("zlib") || name.startsWith("xz-utils")) {
      assert.equal(Deno.statSync(join(scratch.target, "configure")).mode! & 0o111, 0o111);
    }
    if (name.startsWith("bzip2")) {
      assert.ok(Deno.statSync(join(scratch.target, "blocksort.c")).isFile);
    }
  });
}

Deno.test("unpackHitPack() writes each file with mode 0600 and its parent folders", async () => {
  await using scratch = new Scratch();
  const entries = [
    { name: "foo", content: new TextEncoder().encode("contains foo") },
    { name: "a/b", content: new TextEncoder().encode("in a subdir") },
  ];
  const pack = encodeHitPack(entries);
  await unpackHitPack(pack, scratch.target, {
    expectedHash: hitPackKey(entries).slice("files:".length),
  });
  assert.deepEqual(listTree(scratch.target), ["a/", "a/b", "foo"]);
  assert.equal(Deno.readTextFileSync(join(scratch.target, "a/b")), "in a subdir");
  assert.equal(Deno.statSync(join(scratch.target, "foo")).mode! & 0o777, 0o600);
});

Deno.test("unpackHitPack() refuses an existing file, an unsafe name and a wrong hash", async () => {
  await using scratch = new Scratch();
  const pack = (name: string) => encodeHitPack([{ name, content: new Uint8Array([1]) }]);
  Deno.mkdirSync(scratch.target);
  Deno.writeTextFileSync(join(scratch.target, "foo"), "mine");
  await assert.rejects(unpackHitPack(pack("foo"), scratch.target), /file "foo" already exists/);
  assert.equal(Deno.readTextFileSync(join(scratch.target, "foo")), "mine");
  await assert.rejects(
    unpackHitPack(pack("../x"), scratch.target),
    /refusing file "\.\.\/x": unsafe path/,
  );
  await assert.rejects(unpackHitPack(pack("/x"), scratch.target), /unsafe path/);
  await assert.rejects(
    unpackHitPack(pack("x"), scratch.target, { expectedHash: "a".repeat(32) }),
    /corrupted file/,
  );
  await assert.rejects(unpackHitPack(new Uint8Array(3), scratch.target), /HDSTPCK1/);
  assert.deepEqual(scratch.outsideTarget(), []);
});

Deno.test("unpackArchive() refuses a member that would replace a directory", async () => {
  await assertRefused([file("p/d/x"), file("p/d")], "p/d", /it would replace a directory/);
  await assertRefused(
    [file("p/a"), file("p/b")],
    "p/b",
    /it would replace a directory/,
    (scratch) => {
      Deno.mkdirSync(join(scratch.target, "b"), { recursive: true });
    },
  );
});

Deno.test("unpackArchive() unpacks an uncompressed tar, and a directory over an archived symlink", async () => {
  await using scratch = new Scratch();
  const path = scratch.archive(
    tar([
      { name: "p/x", type: "symlink", linkTarget: "a" },
      { name: "p/x/", type: "directory" },
      file("p/x/inside"),
    ]),
    "tar",
  );
  await unpackArchive(path, "tar", scratch.target);
  assert.deepEqual(listTree(scratch.target), ["x/", "x/inside"]);
});
