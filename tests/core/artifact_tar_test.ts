/**
 * The deterministic artifact layer: equal folders give equal bytes whatever their mtimes and
 * creation order, entries come sorted with fixed owner and mtime, long names survive through
 * pax records, and the relocatability scan finds the store path in files and symlinks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { packArtifact } from "../../src/core/artifact_tar.ts";
import { decompressStream } from "../../src/core/decompress.ts";
import { readTar } from "../../src/core/tar_reader.ts";
import { unpackArchive } from "../../src/core/unpack.ts";
import { makeTempDir } from "./_source_fixtures.ts";

const LONG = "d".repeat(90) + "/" + "e".repeat(80) + "/" + "f".repeat(99);

async function fill(dir: string, order: "forward" | "backward"): Promise<void> {
  const files: [string, string][] = [
    ["id", "x/abc\n"],
    ["bin/tool", "#!/bin/sh\necho tool\n"],
    ["share/doc/readme.txt", "read me"],
    [LONG, "deep"],
  ];
  if (order === "backward") files.reverse();
  for (const [path, text] of files) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
  await Deno.chmod(join(dir, "bin/tool"), 0o755);
  await Deno.symlink("../share/doc", join(dir, "bin/doc"));
}

Deno.test("packArtifact() writes equal bytes for equal folders made differently", async () => {
  await using tmp = await makeTempDir();
  const a = join(tmp.path, "a");
  const b = join(tmp.path, "b");
  await fill(a, "forward");
  await fill(b, "backward");
  await Deno.utime(join(b, "id"), 1000, 1000);
  const packedA = await packArtifact(a, join(tmp.path, "a.tar.gz"), "/nowhere/store");
  const packedB = await packArtifact(b, join(tmp.path, "b.tar.gz"), "/nowhere/store");
  assert.deepEqual(packedA, packedB);
  assert.equal(packedA.relocatable, true);
  assert.deepEqual(
    await Deno.readFile(join(tmp.path, "a.tar.gz")),
    await Deno.readFile(join(tmp.path, "b.tar.gz")),
  );
  assert.equal(packedA.size, (await Deno.stat(join(tmp.path, "a.tar.gz"))).size);

  using file = await Deno.open(join(tmp.path, "a.tar.gz"));
  const entries: string[] = [];
  for await (const entry of readTar(decompressStream(file.readable, "tar.gz", "a"))) {
    assert.equal(entry.mtime, 0);
    entries.push(`${entry.type} ${entry.path}${entry.linkTarget ? ` -> ${entry.linkTarget}` : ""}`);
  }
  assert.deepEqual(entries, [
    "directory bin/",
    "symlink bin/doc -> ../share/doc",
    "file bin/tool",
    `directory ${LONG.slice(0, 90)}/`,
    `directory ${LONG.slice(0, 171)}/`,
    `file ${LONG}`,
    "file id",
    "directory share/",
    "directory share/doc/",
    "file share/doc/readme.txt",
  ]);

  const out = join(tmp.path, "out");
  await unpackArchive(join(tmp.path, "a.tar.gz"), "tar.gz", out);
  assert.equal(await Deno.readTextFile(join(out, LONG)), "deep");
  assert.equal((await Deno.stat(join(out, "bin/tool"))).mode! & 0o777, 0o755);
});

Deno.test("packArtifact() finds the store path in a file or a symlink", async () => {
  await using tmp = await makeTempDir();
  const store = "/opt/hit-store/bld";
  const inFile = join(tmp.path, "in-file");
  await Deno.mkdir(inFile);
  // Across a 1 MiB read boundary, as an rpath deep in a binary can be.
  const pad = "x".repeat((1 << 20) - 5);
  await Deno.writeTextFile(join(inFile, "lib.so"), `${pad}${store}/zlib/abc`);
  const viaLink = join(tmp.path, "via-link");
  await Deno.mkdir(viaLink);
  await Deno.symlink(`${store}/zlib/abc/lib`, join(viaLink, "lib"));
  assert.equal((await packArtifact(inFile, join(tmp.path, "1.tgz"), store)).relocatable, false);
  assert.equal((await packArtifact(viaLink, join(tmp.path, "2.tgz"), store)).relocatable, false);
  assert.equal(
    (await packArtifact(inFile, join(tmp.path, "3.tgz"), "/other/store")).relocatable,
    true,
  );
});
