/**
 * A reader of zip archives by offset: the central directory (with ZIP64 records), each entry's
 * Unix mode when the archive records one (HASHDIST.md D-8), and entry data (stored or deflate)
 * checked against its CRC-32. Reads only the archive file it opened.
 */
import { crc32, inflateRawSync } from "node:zlib";
import { HitError } from "../errors.ts";

/** What a zip entry is; `other` covers device and fifo modes. */
export type ZipEntryType = "file" | "directory" | "symlink" | "other";

/** One entry of a zip's central directory. */
export interface ZipEntry {
  name: string;
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
const S_IFMT = 0o170000;

/** An open zip archive; dispose it (or call `close`) to release the file. */
export class ZipFile implements Disposable {
  #file: Deno.FsFile;
  #name: string;
  readonly entries: ZipEntry[];

  private constructor(file: Deno.FsFile, name: string, entries: ZipEntry[]) {
    this.#file = file;
    this.#name = name;
    this.entries = entries;
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
   * Reads and decompresses the data of `entry`, checking its size and CRC-32.
   * @throws {HitError} when the entry is encrypted, uses another method, or is corrupted.
   */
  async read(entry: ZipEntry): Promise<Uint8Array> {
    const fail = (detail: string) =>
      new HitError(`read zip "${this.#name}": entry "${entry.name}": ${detail}`);
    if (entry.flags & 1) throw fail("encrypted entries are not supported");
    const local = await readAt(this.#file, entry.localHeaderOffset, 30, this.#name);
    const view = new DataView(local.buffer, local.byteOffset, local.byteLength);
    if (view.getUint32(0, true) !== LOCAL_SIGNATURE) throw fail("bad local header");
    const start = entry.localHeaderOffset + 30 + view.getUint16(26, true) +
      view.getUint16(28, true);
    const raw = await readAt(this.#file, start, entry.compressedSize, this.#name);
    let data: Uint8Array;
    if (entry.method === 0) {
      data = raw;
    } else if (entry.method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(entry.size, 1) });
      } catch (error) {
        throw fail(`corrupted data: ${(error as Error).message}`);
      }
    } else {
      throw fail(`unsupported compression method ${entry.method}`);
    }
    if (data.length !== entry.size) throw fail(`size ${data.length} differs from ${entry.size}`);
    if (crc32(data) >>> 0 !== entry.crc32) throw fail("CRC-32 mismatch");
    return data;
  }

  /** Closes the archive file. */
  close(): void {
    this.#file.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

async function readCentralDirectory(file: Deno.FsFile, name: string): Promise<ZipEntry[]> {
  const fail = (detail: string) => new HitError(`read zip "${name}": ${detail}`);
  const fileSize = (await file.stat()).size;
  const tailSize = Math.min(fileSize, EOCD_BYTES + MAX_COMMENT);
  const tail = await readAt(file, fileSize - tailSize, tailSize, name);
  const tailView = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tailView.getUint32(i, true) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw fail("no end of central directory record (not a zip file)");
  let count: number = tailView.getUint16(eocd + 10, true);
  let size: number = tailView.getUint32(eocd + 12, true);
  let offset: number = tailView.getUint32(eocd + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locatorAt = fileSize - tailSize + eocd - 20;
    const locator = await readAt(file, locatorAt, 20, name);
    const locatorView = new DataView(locator.buffer, locator.byteOffset, 20);
    if (locatorView.getUint32(0, true) !== ZIP64_LOCATOR_SIGNATURE) {
      throw fail("missing ZIP64 end of central directory locator");
    }
    const record = await readAt(file, Number(locatorView.getBigUint64(8, true)), 56, name);
    const recordView = new DataView(record.buffer, record.byteOffset, 56);
    if (recordView.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) {
      throw fail("bad ZIP64 end of central directory record");
    }
    count = Number(recordView.getBigUint64(32, true));
    size = Number(recordView.getBigUint64(40, true));
    offset = Number(recordView.getBigUint64(48, true));
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
    const nameBytes = directory.subarray(pos + 46, pos + 46 + nameLength);
    const extra = directory.subarray(pos + 46 + nameLength, pos + 46 + nameLength + extraLength);
    const entryName = flags & 0x800
      ? new TextDecoder().decode(nameBytes)
      : String.fromCharCode(...nameBytes);
    const sizes = zip64Sizes(extra, {
      size: view.getUint32(pos + 24, true),
      compressedSize: view.getUint32(pos + 20, true),
      localHeaderOffset: view.getUint32(pos + 42, true),
    });
    const host = view.getUint8(pos + 5);
    const external = view.getUint32(pos + 38, true);
    const mode = host === UNIX_HOST && external >>> 16 !== 0 ? external >>> 16 : undefined;
    entries.push({
      name: entryName,
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
  return entries;
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
