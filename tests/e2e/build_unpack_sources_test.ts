/**
 * `hit build-unpack-sources` on archives probed as an adversary would: a 1 GB zip entry
 * (sparse on disk) unpacked under a memory bound, zips whose records lie, and a member whose
 * name cannot be represented, whose warning must reach the user.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { archiveKey } from "../../src/core/source_key.ts";
import { b32 } from "../../src/spec/hash_document.ts";
import { gzip, tar } from "../core/_archives.ts";
import { HIT, hitEnv, makeTempDir, runCli, runProgram } from "./_run_cli.ts";

const GIB = 1 << 30;

/** Puts `path` into the default source cache of `cwd` as a `type` archive; returns its key. */
async function cacheArchive(
  cwd: string,
  path: string,
  type: "zip" | "tar.gz",
): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  const key = archiveKey(type, b32(hash.digest()));
  const dir = join(cwd, ".home", ".hit", "src", "packs", type);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.rename(path, join(dir, key.split(":")[1]));
  return key;
}

/** Writes a `build.json` in `cwd` that unpacks `key` into `target`. */
async function writeBuildJson(cwd: string, key: string, target: string): Promise<void> {
  await Deno.writeTextFile(join(cwd, "build.json"), JSON.stringify({ sources: [{ key, target }] }));
}

/**
 * A zip of one stored entry `name` of `size` zero bytes, written with a hole where the data
 * is, so that it takes almost no disk.
 */
async function writeSparseZip(path: string, name: string, size: number): Promise<void> {
  const zeros = new Uint8Array(1 << 20);
  let crc = 0;
  for (let at = 0; at < size; at += zeros.length) {
    crc = crc32(zeros.subarray(0, Math.min(zeros.length, size - at)), crc);
  }
  const nameBytes = new TextEncoder().encode(name);
  const local = new Uint8Array(30 + nameBytes.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 20, true);
  lv.setUint32(14, crc >>> 0, true);
  lv.setUint32(18, size, true);
  lv.setUint32(22, size, true);
  lv.setUint16(26, nameBytes.length, true);
  local.set(nameBytes, 30);
  const central = new Uint8Array(46 + nameBytes.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, 3 << 8 | 20, true);
  cv.setUint16(6, 20, true);
  cv.setUint32(16, crc >>> 0, true);
  cv.setUint32(20, size, true);
  cv.setUint32(24, size, true);
  cv.setUint16(28, nameBytes.length, true);
  cv.setUint32(38, 0o100644 << 16 >>> 0, true);
  central.set(nameBytes, 46);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, central.length, true);
  ev.setUint32(16, local.length + size, true);
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  await file.write(local);
  await file.truncate(local.length + size);
  await file.seek(0, Deno.SeekMode.End);
  await file.write(central);
  await file.write(end);
}

/** Runs `hit ARGS` in `cwd` under `/usr/bin/time -v`; returns its result and peak RSS in MB. */
async function runMeasured(
  args: string[],
  cwd: string,
): Promise<{ code: number; stderr: string; peakMb: number }> {
  const result = await runProgram("/usr/bin/time", ["-v", HIT, ...args], {
    cwd,
    env: await hitEnv({ cwd }),
  });
  const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr);
  assert.ok(match, result.stderr);
  return { code: result.code, stderr: result.stderr, peakMb: Number(match[1]) / 1024 };
}

Deno.test("hit build-unpack-sources unpacks a 1 GB zip entry in bounded memory", async () => {
  await using dir = await makeTempDir();
  const small = join(dir.path, "small.zip");
  await writeSparseZip(small, "p/one", 1);
  await writeBuildJson(dir.path, await cacheArchive(dir.path, small, "zip"), "small");
  const baseline = await runMeasured(["build-unpack-sources"], dir.path);
  assert.equal(baseline.code, 0, baseline.stderr);

  const big = join(dir.path, "big.zip");
  await writeSparseZip(big, "p/zeros", GIB);
  await writeBuildJson(dir.path, await cacheArchive(dir.path, big, "zip"), "big");
  const measured = await runMeasured(["build-unpack-sources"], dir.path);
  assert.equal(measured.code, 0, measured.stderr);
  assert.equal(Deno.statSync(join(dir.path, "big", "zeros")).size, GIB);
  console.log(
    `peak RSS unpacking a 1 GB zip entry: ${measured.peakMb.toFixed(0)} MB ` +
      `(a 1-byte entry: ${baseline.peakMb.toFixed(0)} MB)`,
  );
  assert.ok(
    measured.peakMb < baseline.peakMb + 64,
    `${measured.peakMb} MB against ${baseline.peakMb} MB for a 1-byte entry`,
  );
});

Deno.test("hit build-unpack-sources refuses lying zip records with a clear error, no stack trace", async () => {
  await using dir = await makeTempDir();
  const end = new Uint8Array(22);
  const view = new DataView(end.buffer);
  view.setUint32(0, 0x06054b50, true);
  view.setUint16(8, 0xffff, true);
  view.setUint16(10, 0xffff, true);
  const path = join(dir.path, "lying.zip");
  await Deno.writeFile(path, end);
  await writeBuildJson(dir.path, await cacheArchive(dir.path, path, "zip"), "out");
  const result = await runCli(["build-unpack-sources"], { cwd: dir.path });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /missing ZIP64 end of central directory locator/);
  assert.doesNotMatch(result.stderr, /internal error|TypeError|RangeError| {4}at /);
});

Deno.test("hit build-unpack-sources prints the warning for a member it cannot name", async () => {
  await using dir = await makeTempDir();
  const archive = tar([{ name: "p/ok", body: "ok" }, { name: "p/bad-X", body: "x" }]);
  const at = archive.indexOf("X".charCodeAt(0), 1024);
  archive[at] = 0xff;
  const block = archive.subarray(at - (at % 512), at - (at % 512) + 512);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  const path = join(dir.path, "a.tar.gz");
  await Deno.writeFile(path, gzip(archive));
  await writeBuildJson(dir.path, await cacheArchive(dir.path, path, "tar.gz"), "out");
  const result = await runCli(["build-unpack-sources"], { cwd: dir.path });
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /^warning: skipped entry "p\/bad-\uFFFD" of ".*": its name or link target is not valid UTF-8$/m,
  );
  assert.deepEqual([...Deno.readDirSync(join(dir.path, "out"))].map((e) => e.name), ["ok"]);
});
