/**
 * A reader of zip archives by offset: the central directory (with ZIP64 records), each entry's
 * Unix mode when the archive records one (HASHDIST.md D-8), and entry data (stored or deflate)
 * streamed in chunks and checked against its size and CRC-32 at the end. Every offset and size
 * a record claims is checked against the file before it is read, so memory stays bounded by
 * the central directory whatever the archive claims. Reads only the archive file it opened.
 */
import { Readable } from "node:stream";
import { crc32, createInflateRaw } from "node:zlib";
import { HitError } from "../errors.ts";
import { quoteName } from "./member_name.ts";

/** What a zip entry is; `other` covers device and fifo modes. */
export type ZipEntryType = "file" | "directory" | "symlink" | "other";

/** One entry of a zip's central directory. */
export interface ZipEntry {
  name: string;
  /** Set when the name's bytes are not UTF-8: `name` then carries U+FFFD in their place. */
  badName?: true;
  type: ZipEntryType;
  /** The Unix `st_mode` (type and permission bits), when a Unix host wrote the entry. */
  mode?: number;
  /** Seconds since the epoch, from the DOS time read as local time. */
  mtime: number;
  size: number;
  compressedSize: number;
  method: number;
  crc32: number;
  flags: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_BYTES = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const UNIX_HOST = 3;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const S_IFMT = 0o170000;

/** An open zip archive; dispose it (or call `close`) to release the file. */
export class ZipFile implements Disposable {
  #file: Deno.FsFile;
  #name: string;
  #size: number;
  readonly entries: ZipEntry[];

  private constructor(file: Deno.FsFile, name: string, directory: CentralDirectory) {
    this.#file = file;
    this.#name = name;
    this.#size = directory.fileSize;
    this.entries = directory.entries;
  }

  /**
   * Opens the zip at `path` and reads its central directory.
   * @throws {HitError} when the file is not a readable zip archive.
   */
  static async open(path: string): Promise<ZipFile> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) throw error;
      throw new HitError(`open archive "${path}": ${(error as Error).message}`, { cause: error });
    }
    try {
      return new ZipFile(file, path, await readCentralDirectory(file, path));
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /**
   * Reads the whole data of a small `entry` (a symlink's target), at most `limit` bytes.
   * @throws {HitError} when the entry is larger, or as `stream` does.
   */
  async read(entry: ZipEntry, limit = 1 << 16): Promise<Uint8Array> {
    if (entry.size > limit) {
      throw this.#fail(entry, `${entry.size} bytes is more than the ${limit} expected`);
    }
    const out = new Uint8Array(entry.size);
    let at = 0;
    for await (const piece of this.stream(entry)) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  /**
   * Yields the decompressed data of `entry` in chunks of at most 64 KiB; its size and CRC-32
   * are checked as it goes and at the end.
   * @throws {HitError} when the entry is encrypted, uses another method, or is corrupted.
   */
  async *stream(entry: ZipEntry): AsyncGenerator<Uint8Array> {
    if (entry.flags & 1) throw this.#fail(entry, "encrypted entries are not supported");
    if (entry.method !== 0 && entry.method !== 8) {
      throw this.#fail(entry, `unsupported compression method ${entry.method}`);
    }
    const local = await readAt(this.#file, entry.localHeaderOffset, 30, this.#name);
    const view = new DataView(local.buffer, local.byteOffset, local.byteLength);
    if (view.getUint32(0, true) !== LOCAL_SIGNATURE) throw this.#fail(entry, "bad local header");
    const start = entry.localHeaderOffset + 30 + view.getUint16(26, true) +
      view.getUint16(28, true);
    if (start + entry.compressedSize > this.#size) {
      throw this.#fail(entry, `its data would end past the end of the file at byte ${this.#size}`);
    }
    const raw = readRange(this.#file, start, entry.compressedSize, this.#name);
    let pieces: AsyncIterable<Uint8Array> = raw;
    if (entry.method === 8) {
      // Node's inflater hands out 16 KiB chunks and waits for them to be taken: a deflate bomb
      // is cut off at the size the directory claims, never held whole.
      const inflater = Readable.from(raw).pipe(createInflateRaw());
      pieces = inflatedPieces(
        inflater,
        (message) => this.#fail(entry, `corrupted data: ${message}`),
      );
    }
    let size = 0;
    let crc = 0;
    for await (const piece of pieces) {
      size += piece.length;
      if (size > entry.size) {
        throw this.#fail(entry, `its data is larger than the ${entry.size} bytes it claims`);
      }
      crc = crc32(piece, crc);
      yield piece;
    }
    if (size !== entry.size) throw this.#fail(entry, `size ${size} differs from ${entry.size}`);
    if (crc >>> 0 !== entry.crc32) throw this.#fail(entry, "CRC-32 mismatch");
  }

  #fail(entry: ZipEntry, detail: string): HitError {
    return new HitError(`read zip "${this.#name}": entry ${quoteName(entry.name)}: ${detail}`);
  }

  /** Closes the archive file. */
  close(): void {
    this.#file.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** The entries of a zip, with the size of the file they were checked against. */
interface CentralDirectory {
  entries: ZipEntry[];
  fileSize: number;
}

async function readCentralDirectory(file: Deno.FsFile, name: string): Promise<CentralDirectory> {
  const fail = (detail: string) => new HitError(`read zip "${name}": ${detail}`);
  const fileSize = (await file.stat()).size;
  const tailSize = Math.min(fileSize, EOCD_BYTES + MAX_COMMENT);
  const tailStart = fileSize - tailSize;
  const tail = await readAt(file, tailStart, tailSize, name);
  const tailView = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tailView.getUint32(i, true) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw fail("no end of central directory record (not a zip file)");
  // Everything the directory claims must lie before its end record.
  let limit = tailStart + eocd;
  let count: number = tailView.getUint16(eocd + 10, true);
  let size: number = tailView.getUint32(eocd + 12, true);
  let offset: number = tailView.getUint32(eocd + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locatorAt = limit - 20;
    if (locatorAt < 0) throw fail("missing ZIP64 end of central directory locator");
    const locator = await readAt(file, locatorAt, 20, name);
    const locatorView = new DataView(locator.buffer, locator.byteOffset, 20);
    if (locatorView.getUint32(0, true) !== ZIP64_LOCATOR_SIGNATURE) {
      throw fail("missing ZIP64 end of central directory locator");
    }
    const recordAt = locatorView.getBigUint64(8, true);
    if (recordAt + 56n > BigInt(locatorAt)) {
      throw fail(`the ZIP64 locator points at byte ${recordAt}, past its own place`);
    }
    const record = await readAt(file, Number(recordAt), 56, name);
    const recordView = new DataView(record.buffer, record.byteOffset, 56);
    if (recordView.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) {
      throw fail("bad ZIP64 end of central directory record");
    }
    limit = Number(recordAt);
    count = checkedNumber(recordView.getBigUint64(32, true), fail);
    size = checkedNumber(recordView.getBigUint64(40, true), fail);
    offset = checkedNumber(recordView.getBigUint64(48, true), fail);
  }
  if (offset + size > limit) {
    throw fail(
      `the central directory claims bytes ${offset} to ${offset + size}, ` +
        `past the end of its records at byte ${limit}`,
    );
  }
  if (count * 46 > size) {
    throw fail(`the central directory claims ${count} entries in only ${size} bytes`);
  }
  const directory = await readAt(file, offset, size, name);
  const view = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
  const entries: ZipEntry[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos + 46 > directory.length || view.getUint32(pos, true) !== CENTRAL_SIGNATURE) {
      throw fail(`bad central directory entry ${i}`);
    }
    const flags = view.getUint16(pos + 8, true);
    const nameLength = view.getUint16(pos + 28, true);
    const extraLength = view.getUint16(pos + 30, true);
    const commentLength = view.getUint16(pos + 32, true);
    if (pos + 46 + nameLength + extraLength + commentLength > directory.length) {
      throw fail(`central directory entry ${i} runs past the end of the directory`);
    }
    const nameBytes = directory.subarray(pos + 46, pos + 46 + nameLength);
    const extra = directory.subarray(pos + 46 + nameLength, pos + 46 + nameLength + extraLength);
    // Unix zips store names as raw bytes, flagged UTF-8 or not: kept as they are when they
    // are UTF-8 (as unzip writes them), marked otherwise.
    let entryName: string;
    let badName = false;
    try {
      entryName = strictUtf8.decode(nameBytes);
    } catch {
      entryName = new TextDecoder().decode(nameBytes);
      badName = true;
    }
    const sizes = zip64Sizes(extra, {
      size: view.getUint32(pos + 24, true),
      compressedSize: view.getUint32(pos + 20, true),
      localHeaderOffset: view.getUint32(pos + 42, true),
    });
    if (sizes.localHeaderOffset + 30 > offset || sizes.compressedSize > offset) {
      throw fail(`entry ${quoteName(entryName)} claims data past the start of the directory`);
    }
    const host = view.getUint8(pos + 5);
    const external = view.getUint32(pos + 38, true);
    const mode = host === UNIX_HOST && external >>> 16 !== 0 ? external >>> 16 : undefined;
    entries.push({
      name: entryName,
      ...(badName ? { badName: true as const } : {}),
      type: zipEntryType(entryName, mode),
      ...(mode === undefined ? {} : { mode }),
      mtime: dosTime(view.getUint16(pos + 14, true), view.getUint16(pos + 12, true)),
      ...sizes,
      method: view.getUint16(pos + 10, true),
      crc32: view.getUint32(pos + 16, true),
      flags,
    });
    pos += 46 + nameLength + extraLength + commentLength;
  }
  return { entries, fileSize };
}

/** A 64-bit field as a number; beyond 2^53 no file can hold it. */
function checkedNumber(value: bigint, fail: (detail: string) => HitError): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw fail(`impossible ZIP64 value ${value}`);
  }
  return Number(value);
}

interface EntrySizes {
  size: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** Replaces saturated 32-bit fields with their values from the ZIP64 extra field. */
function zip64Sizes(extra: Uint8Array, sizes: EntrySizes): EntrySizes {
  const view = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let pos = 0; pos + 4 <= extra.length;) {
    const id = view.getUint16(pos, true);
    const length = view.getUint16(pos + 2, true);
    if (id === 0x0001) {
      let at = pos + 4;
      const result = { ...sizes };
      for (const key of ["size", "compressedSize", "localHeaderOffset"] as const) {
        if (sizes[key] === 0xffffffff && at + 8 <= pos + 4 + length) {
          result[key] = Number(view.getBigUint64(at, true));
          at += 8;
        }
      }
      return result;
    }
    pos += 4 + length;
  }
  return sizes;
}

function zipEntryType(name: string, mode: number | undefined): ZipEntryType {
  const format = mode === undefined ? 0 : mode & S_IFMT;
  if (name.endsWith("/") || format === 0o040000) return "directory";
  if (format === 0o120000) return "symlink";
  if (format === 0 || format === 0o100000) return "file";
  return "other";
}

function dosTime(date: number, time: number): number {
  const year = 1980 + (date >> 9);
  const month = ((date >> 5) & 15) - 1;
  const local = new Date(year, month, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2);
  return Math.floor(local.getTime() / 1000);
}

async function readAt(
  file: Deno.FsFile,
  position: number,
  length: number,
  name: string,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await file.seek(position, Deno.SeekMode.Start);
  let at = 0;
  while (at < length) {
    const read = await file.read(out.subarray(at));
    if (read === null) {
      throw new HitError(`read zip "${name}": the archive is truncated at byte ${position + at}`);
    }
    at += read;
  }
  return out;
}

/** Yields `length` bytes of `file` from `position`, in chunks of at most 64 KiB. */
async function* readRange(
  file: Deno.FsFile,
  position: number,
  length: number,
  name: string,
): AsyncGenerator<Uint8Array> {
  const chunk = 64 * 1024;
  for (let at = 0; at < length; at += chunk) {
    // A fresh array each time: the inflater may still hold the one handed out before.
    yield await readAt(file, position + at, Math.min(chunk, length - at), name);
  }
}

/** The inflater's output chunks, its errors turned into `fail(message)`. */
async function* inflatedPieces(
  inflater: AsyncIterable<Uint8Array>,
  fail: (message: string) => HitError,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const piece of inflater) yield piece;
  } catch (error) {
    if (error instanceof HitError) throw error;
    throw fail((error as Error).message);
  }
}
