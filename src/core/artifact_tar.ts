/**
 * The deterministic tar+gzip form of an artifact folder, the one layer a remote holds per
 * artifact: entries sorted by path, mtime 0, owner 0:0 with no names, no gzip timestamp, so
 * two builders of one artifact id with equal files write the same bytes. Reads the folder;
 * writes only the output file. Reading back goes through `unpack.ts`.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { HitError } from "../errors.ts";
import { compareCodePoints } from "../spec/values.ts";

/** A packed artifact: its layer file, the layer's digest and size, and whether it relocates. */
export interface PackedArtifact {
  /** `sha256:<hex>` of the gzip file. */
  digest: string;
  size: number;
  /** No file or symlink holds the store's path, so the artifact works in a store elsewhere. */
  relocatable: boolean;
}

const BLOCK = 512;

/**
 * Writes the artifact folder `dir` as a deterministic tar+gzip to `out` (which must not exist).
 * `storeRoot` is searched for in every file and symlink to decide relocatability.
 * @throws {HitError} on a member that is neither file, folder nor symlink.
 */
export async function packArtifact(
  dir: string,
  out: string,
  storeRoot: string,
): Promise<PackedArtifact> {
  const state = { relocatable: true };
  const hash = createHash("sha256");
  let size = 0;
  const needle = new TextEncoder().encode(storeRoot);
  await pipeline(
    Readable.from(tarChunks(dir, needle, state)),
    createGzip({ level: 6 }),
    async function* (source: AsyncIterable<Uint8Array>) {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(out, { flags: "wx", mode: 0o644 }),
  );
  return { digest: `sha256:${hash.digest("hex")}`, size, relocatable: state.relocatable };
}

async function* tarChunks(
  dir: string,
  needle: Uint8Array,
  state: { relocatable: boolean },
): AsyncGenerator<Uint8Array> {
  for (const path of await listSorted(dir, "")) {
    const full = join(dir, path);
    const info = await Deno.lstat(full);
    const mode = (info.mode ?? 0o644) & 0o7777;
    if (info.isDirectory) {
      yield* header({ path: path + "/", type: "5", mode, size: 0 });
    } else if (info.isSymlink) {
      const target = await Deno.readLink(full);
      if (target.includes(decoder.decode(needle))) state.relocatable = false;
      yield* header({ path, type: "2", mode: 0o777, size: 0, linkTarget: target });
    } else if (info.isFile) {
      yield* header({ path, type: "0", mode, size: info.size });
      let written = 0;
      let tail = new Uint8Array(0);
      using file = await Deno.open(full, { read: true });
      const buffer = new Uint8Array(1 << 20);
      while (written < info.size) {
        const read = await file.read(buffer);
        if (read === null) break;
        const chunk = buffer.slice(0, Math.min(read, info.size - written));
        if (state.relocatable && contains(concat(tail, chunk), needle)) state.relocatable = false;
        tail = chunk.slice(Math.max(0, chunk.length - needle.length + 1));
        written += chunk.length;
        yield chunk;
      }
      if (written !== info.size) {
        throw new HitError(`pack artifact "${dir}": "${path}" changed while it was read`);
      }
      const pad = (BLOCK - (info.size % BLOCK)) % BLOCK;
      if (pad > 0) yield new Uint8Array(pad);
    } else {
      throw new HitError(
        `pack artifact "${dir}": "${path}" is not a file, folder or symlink`,
        { hint: "artifacts hold only files, folders and symlinks; rebuild the package" },
      );
    }
  }
  yield new Uint8Array(2 * BLOCK);
}

/** Every path below `dir` (relative, `/`-separated), each folder before its contents, sorted. */
async function listSorted(dir: string, prefix: string): Promise<string[]> {
  const names = (await Array.fromAsync(Deno.readDir(join(dir, prefix)))).map((e) => e.name);
  names.sort(compareCodePoints);
  const paths: string[] = [];
  for (const name of names) {
    const path = prefix === "" ? name : `${prefix}/${name}`;
    paths.push(path);
    if ((await Deno.lstat(join(dir, path))).isDirectory) {
      paths.push(...await listSorted(dir, path));
    }
  }
  return paths;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Header {
  path: string;
  type: "0" | "2" | "5";
  mode: number;
  size: number;
  linkTarget?: string;
}

/** A ustar header, preceded by a pax header when a name does not fit. */
function* header(entry: Header): Generator<Uint8Array> {
  const split = splitName(entry.path);
  const link = entry.linkTarget ?? "";
  const pax: string[] = [];
  if (split === undefined) pax.push(paxRecord("path", entry.path));
  if (encoder.encode(link).length > 100) pax.push(paxRecord("linkpath", link));
  if (pax.length > 0) {
    const body = encoder.encode(pax.join(""));
    yield ustar({ name: "././@PaxHeader", type: "x", mode: 0o644, size: body.length });
    yield body;
    const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
    if (pad > 0) yield new Uint8Array(pad);
  }
  const [prefix, name] = split ?? ["", entry.path.slice(-100)];
  yield ustar({
    name,
    prefix,
    type: entry.type,
    mode: entry.mode,
    size: entry.size,
    linkname: encoder.encode(link).length > 100 ? "" : link,
  });
}

/** `[prefix, name]` of a ustar header for `path`, or undefined when it needs a pax record. */
function splitName(path: string): [string, string] | undefined {
  if (!isAscii(path)) return undefined;
  if (path.length <= 100) return ["", path];
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== "/") continue;
    if (i <= 155 && path.length - i - 1 <= 100 && path.length - i - 1 > 0) {
      return [path.slice(0, i), path.slice(i + 1)];
    }
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restLength = encoder.encode(rest).length;
  let length = restLength + 1;
  while (String(length).length + restLength !== length) length++;
  return `${length}${rest}`;
}

function ustar(fields: {
  name: string;
  prefix?: string;
  type: string;
  mode: number;
  size: number;
  linkname?: string;
}): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const put = (offset: number, length: number, text: string) =>
    block.set(encoder.encode(text).subarray(0, length), offset);
  const octal = (offset: number, length: number, value: number) =>
    put(offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
  put(0, 100, fields.name);
  octal(100, 8, fields.mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, fields.size);
  octal(136, 12, 0);
  put(148, 8, "        ");
  put(156, 1, fields.type);
  put(157, 100, fields.linkname ?? "");
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  put(345, 155, fields.prefix ?? "");
  let sum = 0;
  for (const byte of block) sum += byte;
  put(148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return false;
  const first = needle[0];
  for (let i = haystack.indexOf(first); i !== -1; i = haystack.indexOf(first, i + 1)) {
    if (i + needle.length > haystack.length) return false;
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return true;
  }
  return false;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
