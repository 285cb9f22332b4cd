import assert from "node:assert/strict";
import { join } from "node:path";
import { HitError } from "../../src/errors.ts";
import { ZipFile } from "../../src/core/zip_reader.ts";
import { zip } from "./_archives.ts";

async function withZip(
  bytes: Uint8Array,
  check: (zip: ZipFile, path: string) => Promise<void> | void,
) {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "t.zip");
    await Deno.writeFile(path, bytes);
    using file = await ZipFile.open(path);
    await check(file, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("ZipFile reads names, types, Unix modes and stored or deflated data", async () => {
  const archive = zip([
    { name: "top/", mode: 0o040755 },
    { name: "top/run.sh", body: "#!/bin/sh\necho hi\n", mode: 0o100755 },
    { name: "top/big.txt", body: "abc".repeat(10000), mode: 0o100644, deflate: true },
    { name: "top/link", body: "run.sh", mode: 0o120777 },
  ]);
  await withZip(archive, async (file) => {
    assert.deepEqual(
      file.entries.map((e) => [e.name, e.type, e.mode, e.size]),
      [
        ["top/", "directory", 0o040755, 0],
        ["top/run.sh", "file", 0o100755, 18],
        ["top/big.txt", "file", 0o100644, 30000],
        ["top/link", "symlink", 0o120777, 6],
      ],
    );
    assert.equal(text(await file.read(file.entries[1])), "#!/bin/sh\necho hi\n");
    assert.equal(text(await file.read(file.entries[2])), "abc".repeat(10000));
    assert.ok(file.entries[2].compressedSize < 1000);
    assert.equal(text(await file.read(file.entries[3])), "run.sh");
  });
});

Deno.test("ZipFile leaves the mode unset for entries from a non-Unix host", async () => {
  await withZip(zip([{ name: "d/" }, { name: "d/a.txt", body: "a" }]), (file) => {
    assert.deepEqual(file.entries.map((e) => [e.name, e.type, e.mode]), [
      ["d/", "directory", undefined],
      ["d/a.txt", "file", undefined],
    ]);
  });
});

Deno.test("ZipFile.read() refuses an entry whose CRC-32 does not match", async () => {
  const archive = zip([{ name: "a.txt", body: "hello" }]);
  archive[30 + "a.txt".length] = "j".charCodeAt(0);
  await withZip(archive, async (file, path) => {
    await assert.rejects(file.read(file.entries[0]), (error: unknown) => {
      assert.ok(error instanceof HitError);
      assert.equal(error.message, `read zip "${path}": entry "a.txt": CRC-32 mismatch`);
      return true;
    });
  });
});

Deno.test("ZipFile.open() refuses a file that is not a zip archive", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "not.zip");
    await Deno.writeTextFile(path, "just text, no central directory");
    await assert.rejects(ZipFile.open(path), (error: unknown) => {
      assert.ok(error instanceof HitError);
      assert.match(error.message, /not a zip file/);
      return true;
    });
    await assert.rejects(ZipFile.open(join(dir, "missing.zip")), HitError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ZipFile reads an archive written by Info-ZIP zip, symlinks and modes included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "src/pkg/sub"), { recursive: true });
    await Deno.writeTextFile(join(dir, "src/pkg/configure"), "#!/bin/sh\n".repeat(50));
    await Deno.chmod(join(dir, "src/pkg/configure"), 0o755);
    await Deno.writeTextFile(join(dir, "src/pkg/sub/data.txt"), "data\n");
    await Deno.symlink("sub/data.txt", join(dir, "src/pkg/link"));
    const made = await new Deno.Command("zip", {
      args: ["-q", "-r", "-y", join(dir, "pkg.zip"), "pkg"],
      cwd: join(dir, "src"),
    }).output();
    assert.ok(made.success, text(made.stderr));
    using file = await ZipFile.open(join(dir, "pkg.zip"));
    const byName = new Map(file.entries.map((e) => [e.name, e]));
    assert.deepEqual([...byName.keys()].sort(), [
      "pkg/",
      "pkg/configure",
      "pkg/link",
      "pkg/sub/",
      "pkg/sub/data.txt",
    ]);
    assert.equal(byName.get("pkg/configure")!.mode! & 0o777, 0o755);
    assert.equal(byName.get("pkg/link")!.type, "symlink");
    assert.equal(text(await file.read(byName.get("pkg/configure")!)), "#!/bin/sh\n".repeat(50));
    assert.equal(text(await file.read(byName.get("pkg/link")!)), "sub/data.txt");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ZipFile reads ZIP64 records (Info-ZIP zip -fz)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "src/pkg"), { recursive: true });
    await Deno.writeTextFile(join(dir, "src/pkg/a"), "hi\n");
    const made = await new Deno.Command("zip", {
      args: ["-q", "-fz", "-r", join(dir, "p.zip"), "pkg"],
      cwd: join(dir, "src"),
    }).output();
    assert.ok(made.success, text(made.stderr));
    using file = await ZipFile.open(join(dir, "p.zip"));
    assert.deepEqual(file.entries.map((e) => e.name), ["pkg/", "pkg/a"]);
    assert.equal(text(await file.read(file.entries[1])), "hi\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** An end-of-central-directory record claiming `count` entries of `size` bytes at `offset`. */
function endRecord(count: number, size: number, offset: number): Uint8Array {
  const end = new Uint8Array(22);
  const view = new DataView(end.buffer);
  view.setUint32(0, 0x06054b50, true);
  view.setUint16(8, count, true);
  view.setUint16(10, count, true);
  view.setUint32(12, size, true);
  view.setUint32(16, offset, true);
  return end;
}

async function assertZipRefused(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "t.zip");
    await Deno.writeFile(path, bytes);
    await assert.rejects(ZipFile.open(path), (error: unknown) => {
      assert.ok(error instanceof HitError, `not a HitError: ${error}`);
      assert.match(error.message, pattern);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ZipFile.open() refuses a 22-byte end record claiming 0xffff entries and no ZIP64 locator", async () => {
  await assertZipRefused(endRecord(0xffff, 0, 0), /missing ZIP64 end of central directory locator/);
});

Deno.test("ZipFile.open() refuses a ZIP64 record claiming a 2^50-byte central directory", async () => {
  const record = new Uint8Array(56);
  const rv = new DataView(record.buffer);
  rv.setUint32(0, 0x06064b50, true);
  rv.setBigUint64(4, 44n, true);
  rv.setBigUint64(24, 1n, true);
  rv.setBigUint64(32, 1n, true);
  rv.setBigUint64(40, 2n ** 50n, true);
  rv.setBigUint64(48, 0n, true);
  const locator = new Uint8Array(20);
  const lv = new DataView(locator.buffer);
  lv.setUint32(0, 0x07064b50, true);
  lv.setBigUint64(8, 0n, true);
  lv.setUint32(16, 1, true);
  const archive = new Uint8Array([...record, ...locator, ...endRecord(0xffff, 0xffffffff, 0)]);
  await assertZipRefused(archive, /central directory claims bytes 0 to 1125899906842624, past/);
  // The same locator pointing past the file.
  lv.setBigUint64(8, 2n ** 62n, true);
  const pastEnd = new Uint8Array([...record, ...locator, ...endRecord(0xffff, 0xffffffff, 0)]);
  await assertZipRefused(pastEnd, /ZIP64 locator points at byte 4611686018427387904/);
});

Deno.test("ZipFile.open() refuses entry counts and data offsets the file cannot hold", async () => {
  const archive = zip([{ name: "a.txt", body: "hello" }]);
  const view = new DataView(archive.buffer);
  const end = archive.length - 22;
  view.setUint16(end + 10, 500, true);
  await assertZipRefused(archive, /claims 500 entries in only 51 bytes/);
  view.setUint16(end + 10, 1, true);
  view.setUint32(end - 51 + 42, 0x7fff0000, true);
  await assertZipRefused(archive, /entry "a.txt" claims data past the start of the directory/);
});

Deno.test("ZipFile.stream() yields a deflated entry in bounded chunks and stops a bomb at its claimed size", async () => {
  const zeros = new Uint8Array(8 << 20);
  const archive = zip([{ name: "big", body: zeros, deflate: true }]);
  await withZip(archive, async (file) => {
    let total = 0;
    let largest = 0;
    for await (const piece of file.stream(file.entries[0])) {
      total += piece.length;
      largest = Math.max(largest, piece.length);
    }
    assert.equal(total, 8 << 20);
    assert.ok(largest <= 64 * 1024, `a chunk of ${largest} bytes`);
  });
  // The directory claims 1 KiB; the data inflates to 8 MiB.
  const view = new DataView(archive.buffer);
  const central = archive.length - 22 - 46 - 3;
  view.setUint32(central + 24, 1024, true);
  await withZip(archive, async (file, path) => {
    await assert.rejects(file.read(file.entries[0]), (error: unknown) => {
      assert.ok(error instanceof HitError);
      assert.equal(
        error.message,
        `read zip "${path}": entry "big": its data is larger than the 1024 bytes it claims`,
      );
      return true;
    });
  });
});
