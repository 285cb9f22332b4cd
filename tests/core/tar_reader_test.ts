import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { HitError } from "../../src/errors.ts";
import { openDecompressed, type TarballType } from "../../src/core/decompress.ts";
import { readTar, type TarEntry } from "../../src/core/tar_reader.ts";
import { gzip, header, paxRecord, tar, type TarFormat, type TarMember } from "./_archives.ts";

const SOURCES = fileURLToPath(new URL("../../../shared/sources/", import.meta.url));

/** A stream of `bytes` cut into chunks of `size` bytes, to cross chunk boundaries. */
function streamOf(bytes: Uint8Array, size = 65536): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

interface Listed {
  path: string;
  type: string;
  linkTarget?: string;
  mode: number;
  mtime: number;
  size: number;
  text: string;
}

async function list(bytes: Uint8Array, chunk?: number): Promise<Listed[]> {
  const out: Listed[] = [];
  for await (const entry of readTar(streamOf(bytes, chunk), { name: "t.tar" })) {
    out.push(await describe(entry));
  }
  return out;
}

async function describe(entry: TarEntry): Promise<Listed> {
  const { path, type, linkTarget, mode, mtime, size } = entry;
  const text = new TextDecoder().decode(await entry.body.bytes());
  return {
    path,
    type,
    ...(linkTarget === undefined ? {} : { linkTarget }),
    mode,
    mtime,
    size,
    text,
  };
}

async function rejects(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  await assert.rejects(list(bytes), (error: unknown) => {
    assert.ok(error instanceof HitError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

const SAMPLE: TarMember[] = [
  { name: "pkg/", type: "directory", mode: 0o755 },
  { name: "pkg/configure", body: "#!/bin/sh\n", mode: 0o755, mtime: 1_234_567_890 },
  { name: "pkg/link", type: "symlink", linkTarget: "configure" },
  { name: "pkg/hard", type: "hardlink", linkTarget: "pkg/configure" },
];

Deno.test("readTar() reads files, directories, symlinks and hard links with modes and times", async () => {
  assert.deepEqual(await list(tar(SAMPLE)), [
    { path: "pkg/", type: "directory", mode: 0o755, mtime: 1_600_000_000, size: 0, text: "" },
    {
      path: "pkg/configure",
      type: "file",
      mode: 0o755,
      mtime: 1_234_567_890,
      size: 10,
      text: "#!/bin/sh\n",
    },
    {
      path: "pkg/link",
      type: "symlink",
      linkTarget: "configure",
      mode: 0o644,
      mtime: 1_600_000_000,
      size: 0,
      text: "",
    },
    {
      path: "pkg/hard",
      type: "hardlink",
      linkTarget: "pkg/configure",
      mode: 0o644,
      mtime: 1_600_000_000,
      size: 0,
      text: "",
    },
  ]);
});

Deno.test("readTar() gives the same entries whatever the stream's chunk sizes", async () => {
  const bytes = tar([...SAMPLE, { name: "pkg/big", body: "x".repeat(5000) }]);
  const whole = await list(bytes);
  assert.deepEqual(await list(bytes, 1), whole);
  assert.deepEqual(await list(bytes, 700), whole);
});

const LONG = "top/" + "d".repeat(60) + "/" + "e".repeat(60) + "/file.txt";
const LONG_LINK = "../" + "t".repeat(120);

for (const format of ["ustar", "gnu", "pax"] as TarFormat[]) {
  Deno.test(`readTar() reads names longer than 100 bytes (${format})`, async () => {
    const members: TarMember[] = [{ name: LONG, body: "long" }];
    if (format !== "ustar") {
      members.push({ name: "top/l", type: "symlink", linkTarget: LONG_LINK });
    }
    const entries = await list(tar(members, format));
    assert.equal(entries[0].path, LONG);
    assert.equal(entries[0].text, "long");
    if (format !== "ustar") {
      assert.equal(entries[1].path, "top/l");
      assert.equal(entries[1].linkTarget, LONG_LINK);
    }
  });
}

Deno.test("readTar() applies pax x records to one entry and g records to all that follow", async () => {
  const body = new TextEncoder().encode("0123456789");
  const bytes = concat([
    ...paxRecord("g", { mtime: "42.5" }),
    ...paxRecord("x", { path: "renamed/é.txt", size: "4" }),
    header({ name: "short", typeflag: "0", size: 999 }),
    body.slice(0, 4),
    new Uint8Array(508),
    header({ name: "second", typeflag: "0", size: 0 }),
    new Uint8Array(1024),
  ]);
  const entries = await list(bytes);
  assert.deepEqual(entries.map((e) => [e.path, e.size, e.mtime, e.text]), [
    ["renamed/é.txt", 4, 42.5, "0123"],
    ["second", 0, 42.5, ""],
  ]);
});

Deno.test("readTar() reads old v7 headers, with directories marked by a trailing slash", async () => {
  const bytes = concat([
    header({ name: "old/", typeflag: "\0", format: "v7", mode: 0o755 }),
    header({ name: "old/a.c", typeflag: "\0", format: "v7", size: 3 }),
    new TextEncoder().encode("abc"),
    new Uint8Array(509 + 1024),
  ]);
  const entries = await list(bytes);
  assert.deepEqual(entries.map((e) => [e.path, e.type, e.text]), [
    ["old/", "directory", ""],
    ["old/a.c", "file", "abc"],
  ]);
});

Deno.test("readTar() reports devices and fifos as type other, with their flag", async () => {
  const types: [string, string][] = [];
  const bytes = tar([{ name: "dev", typeflag: "3" }, { name: "fifo", typeflag: "6" }]);
  for await (const entry of readTar(streamOf(bytes))) types.push([entry.type, entry.typeflag]);
  assert.deepEqual(types, [["other", "3"], ["other", "6"]]);
});

Deno.test("readTar() skips bodies left unread, also after a partial read", async () => {
  const bytes = tar([
    { name: "a", body: "A".repeat(3000) },
    { name: "b", body: "B".repeat(70000) },
    { name: "c", body: "C" },
  ]);
  const seen: string[] = [];
  for await (const entry of readTar(streamOf(bytes, 1000))) {
    if (entry.path === "b") {
      for await (const piece of entry.body) {
        assert.ok(piece.length > 0);
        break;
      }
    }
    if (entry.path === "c") seen.push(new TextDecoder().decode(await entry.body.bytes()));
    else seen.push(entry.path);
  }
  assert.deepEqual(seen, ["a", "b", "C"]);
});

Deno.test("readTar() accepts an archive that ends without end-of-archive blocks", async () => {
  const bytes = tar([{ name: "a", body: "x" }]);
  assert.deepEqual((await list(bytes.subarray(0, 1024))).map((e) => e.path), ["a"]);
});

Deno.test("readTar() refuses a header with a bad checksum", async () => {
  const bytes = tar([{ name: "a", body: "x" }]);
  bytes[0] = "b".charCodeAt(0);
  await rejects(bytes, /read tar "t\.tar": bad header checksum at byte 0/);
});

Deno.test("readTar() refuses an archive cut inside a member", async () => {
  const bytes = tar([{ name: "a", body: "x".repeat(2000) }]);
  await rejects(
    bytes.subarray(0, 1500),
    /read tar "t\.tar": the archive is truncated at byte 1500/,
  );
  await rejects(bytes.subarray(0, 300), /truncated/);
});

Deno.test("readTar() refuses a malformed numeric field", async () => {
  const block = header({ name: "a", typeflag: "0" });
  block.set(new TextEncoder().encode("9x"), 124);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0"), 148);
  await rejects(concat([block, new Uint8Array(1024)]), /malformed header field at byte 124/);
});

Deno.test("openDecompressed() errors a truncated .tar.gz as a corrupted archive", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const whole = gzip(tar([{ name: "a", body: crypto.getRandomValues(new Uint8Array(4000)) }]));
    await Deno.writeFile(`${dir}/t.tar.gz`, whole.subarray(0, whole.length - 20));
    await assert.rejects(
      async () => {
        for await (const _ of readTar(openDecompressed(`${dir}/t.tar.gz`, "tar.gz"))) {
          // Listing only.
        }
      },
      (error: unknown) => error instanceof HitError && /corrupted archive/.test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (
  const [file, type] of [
    ["zlib_1.2.13.dfsg.orig.tar.bz2", "tar.bz2"],
    ["libogg_1.3.5.orig.tar.xz", "tar.xz"],
  ] as [string, TarballType][]
) {
  Deno.test(`openDecompressed() errors a truncated ${type} as a corrupted archive`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const bytes = await Deno.readFile(SOURCES + file);
      await Deno.writeFile(`${dir}/cut`, bytes.subarray(0, 100_000));
      await assert.rejects(
        async () => {
          for await (const _ of readTar(openDecompressed(`${dir}/cut`, type))) {
            // Listing only.
          }
        },
        (error: unknown) =>
          error instanceof HitError && /^unpack ".*cut": corrupted archive: /.test(error.message),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("readTar() releases the file and the bzip2 program when it stops early or on a bad header", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const noise = new Uint8Array(1 << 20);
    for (let i = 0; i < noise.length; i += 65536) {
      crypto.getRandomValues(noise.subarray(i, i + 65536));
    }
    const bytes = tar([{ name: "a", body: "A" }, { name: "b", body: noise }]);
    const bad = tar([{ name: "a", body: "A" }, { name: "b", body: "B" }]);
    bad[1024] = "c".charCodeAt(0);
    for (const [name, data] of [["good", bytes], ["bad", bad]] as const) {
      await Deno.writeFile(`${dir}/${name}.tar`, data);
      const done = await new Deno.Command("bzip2", { args: [`${dir}/${name}.tar`] }).output();
      assert.ok(done.success);
    }
    await Deno.writeFile(`${dir}/good.tar.gz`, gzip(bytes));
    for (const [file, type] of [["good.tar.bz2", "tar.bz2"], ["good.tar.gz", "tar.gz"]] as const) {
      for await (const entry of readTar(openDecompressed(`${dir}/${file}`, type))) {
        assert.equal(entry.path, "a");
        break;
      }
    }
    await assert.rejects(
      async () => {
        for await (const _ of readTar(openDecompressed(`${dir}/bad.tar.bz2`, "tar.bz2"))) {
          // Listing only.
        }
      },
      /bad header checksum at byte 1024/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTar() lists every real source tarball as GNU tar does", async () => {
  for (
    const file of [...Deno.readDirSync(SOURCES)].map((e) => e.name).filter((n) =>
      n.includes(".tar.")
    )
  ) {
    const type = ("tar." + file.split(".tar.")[1]) as TarballType;
    const names: string[] = [];
    for await (const entry of readTar(openDecompressed(SOURCES + file, type))) {
      names.push(
        entry.type === "directory" && !entry.path.endsWith("/") ? entry.path + "/" : entry.path,
      );
    }
    const output = await new Deno.Command("tar", { args: ["-tf", SOURCES + file] }).output();
    assert.ok(output.success);
    assert.deepEqual(names, new TextDecoder().decode(output.stdout).trimEnd().split("\n"), file);
  }
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

Deno.test("openDecompressed() reads multi-member .tar.gz files and ignores trailing zeros", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = gzip(tar([{ name: "a", body: "A" }]).subarray(0, 1024));
    const second = gzip(tar([{ name: "b", body: "B" }]));
    const bytes = new Uint8Array(first.length + second.length + 512);
    bytes.set(first);
    bytes.set(second, first.length);
    await Deno.writeFile(`${dir}/m.tar.gz`, bytes);
    const names: string[] = [];
    for await (const entry of readTar(openDecompressed(`${dir}/m.tar.gz`, "tar.gz"))) {
      names.push(`${entry.path}=${new TextDecoder().decode(await entry.body.bytes())}`);
    }
    assert.deepEqual(names, ["a=A", "b=B"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
