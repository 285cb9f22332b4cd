/**
 * A streaming reader of tar archives: ustar (with its prefix field), GNU long names and links
 * (`L`/`K`), pax headers (`x`/`g`), old v7 headers, and GNU sparse members (type `S`, and pax
 * sparse 0.1 and 1.0), whose holes it yields as zeros. It walks a byte stream one header at a
 * time and never holds more than one stream chunk plus one member's metadata. Pure: it
 * touches no files.
 */
import { HitError } from "../errors.ts";
import { type SparseMap, SparseReader } from "./tar_sparse.ts";

/** What a tar member is; `other` covers devices, fifos and types `hit` does not unpack. */
export type TarEntryType = "file" | "directory" | "symlink" | "hardlink" | "other";

/** One member of a tar archive, with its data as `body`. */
export interface TarEntry {
  path: string;
  type: TarEntryType;
  /** The raw type flag character, for messages about `other` members. */
  typeflag: string;
  linkTarget?: string;
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  size: number;
  /**
   * Set when the name or link target holds bytes that are not UTF-8: `path` and `linkTarget`
   * then carry U+FFFD in their place, and cannot name the file the archive means.
   */
  badName?: true;
  /** The member's data; valid until the iterator moves on. Skipped when left unread. */
  body: TarBody;
}

/** Options of `readTar`. */
export interface ReadTarOptions {
  /** Names the archive in error messages. */
  name?: string;
}

const BLOCK = 512;
/** Pax and GNU long-name bodies larger than this are refused rather than buffered. */
const MAX_META_BYTES = 1 << 20;

/**
 * Iterates over the members of the tar archive in `stream`. After the end-of-archive block
 * the rest of the stream is read and discarded, so that decompression errors in trailing data
 * still surface; leaving the loop early cancels the stream.
 * @throws {HitError} on a bad header checksum, a malformed header or a truncated archive.
 */
export async function* readTar(
  stream: ReadableStream<Uint8Array>,
  options: ReadTarOptions = {},
): AsyncGenerator<TarEntry> {
  const source = new ChunkSource(stream.getReader(), options.name ?? "archive");
  let finished = false;
  try {
    let globals: PaxRecords = {};
    let locals: PaxRecords = {};
    let longName: Text | undefined;
    let longLink: Text | undefined;
    let body: TarBody | undefined;
    while (true) {
      if (body !== undefined) {
        await source.skip(body.detach() + padding(body.storedSize));
        body = undefined;
      }
      const headerOffset = source.offset;
      const header = await source.header();
      if (header === null || isZeroBlock(header)) break;
      const fields = parseHeader(header, source, headerOffset);
      const metaSize = fields.size;
      if ("xgLK".includes(fields.typeflag)) {
        const data = await source.readMeta(metaSize, headerOffset);
        await source.skip(padding(metaSize));
        if (fields.typeflag === "x") {
          locals = { ...locals, ...parsePax(data, source, headerOffset) };
        } else if (fields.typeflag === "g") {
          globals = { ...globals, ...parsePax(data, source, headerOffset) };
        } else if (fields.typeflag === "L") longName = cText(data);
        else longLink = cText(data);
        continue;
      }
      const pax = { ...globals, ...locals };
      const sparse = await SparseReader.start(fields.typeflag, pax, {
        header,
        source,
        headerOffset,
      });
      const path = sparse?.name ?? pax.path ?? longName ?? fields.name;
      const linkTarget = pax.linkpath ?? longLink ?? fields.linkName;
      const stored = pax.size !== undefined
        ? paxNumber(pax.size.text, source, headerOffset)
        : metaSize;
      const mtime = pax.mtime !== undefined
        ? paxNumber(pax.mtime.text, source, headerOffset)
        : fields.mtime;
      locals = {};
      longName = undefined;
      longLink = undefined;
      const type = sparse === undefined ? entryType(fields.typeflag, path.text) : "file";
      const links = type === "symlink" || type === "hardlink";
      body = new TarBody(source, stored, sparse?.map);
      yield {
        path: path.text,
        type,
        typeflag: fields.typeflag,
        ...(links ? { linkTarget: linkTarget.text } : {}),
        mode: fields.mode,
        mtime,
        size: body.size,
        ...(path.bad || (links && linkTarget.bad) ? { badName: true as const } : {}),
        body,
      };
    }
    await source.drain();
    finished = true;
  } finally {
    if (!finished) await source.cancel();
  }
}

/**
 * The data of one tar member, read as chunks that stay valid until the next member. A sparse
 * member's holes come as zeros, so `size` is its full size and `storedSize` what the archive
 * holds.
 */
export class TarBody implements AsyncIterable<Uint8Array> {
  #source: ChunkSource | undefined;
  #remaining: number;
  #sparse: SparseMap | undefined;
  readonly size: number;
  /** The bytes the archive holds for this member after its header (a sparse map included). */
  readonly storedSize: number;

  constructor(source: ChunkSource, storedSize: number, sparse?: SparseMap) {
    this.#source = source;
    this.storedSize = storedSize;
    this.#remaining = storedSize - (sparse?.mapBytes ?? 0);
    this.#sparse = sparse;
    this.size = sparse?.realSize ?? storedSize;
  }

  /** Yields the member's bytes as views into the stream's chunks (and zeros for holes). */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.#sparse !== undefined) {
      yield* this.#sparse.expand((max) => this.#piece(max));
      return;
    }
    while (this.#remaining > 0) yield await this.#piece(this.#remaining);
  }

  async #piece(max: number): Promise<Uint8Array> {
    if (this.#source === undefined) throw new Error("TarBody read after the reader moved on");
    if (this.#remaining <= 0) throw this.#source.error("a sparse map claims more data than stored");
    const piece = await this.#source.piece(Math.min(max, this.#remaining));
    this.#remaining -= piece.length;
    return piece;
  }

  /** Reads the rest of the member into one array. */
  async bytes(): Promise<Uint8Array> {
    const out = new Uint8Array(this.size);
    let at = 0;
    for await (const piece of this) {
      out.set(piece, at);
      at += piece.length;
    }
    return out.subarray(0, at);
  }

  /** Ends this body's access to the stream; returns how many stored bytes were left unread. */
  detach(): number {
    this.#source = undefined;
    return this.#remaining;
  }
}

/** A buffered view of a byte stream that hands out exact-size pieces. */
export class ChunkSource {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #pos = 0;
  readonly name: string;
  /** Bytes consumed so far. */
  offset = 0;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>, name: string) {
    this.#reader = reader;
    this.name = name;
  }

  /** Makes sure unread bytes are buffered; false at the end of the stream. */
  async #fill(): Promise<boolean> {
    while (this.#pos >= this.#chunk.length) {
      const { value, done } = await this.#reader.read();
      if (done) return false;
      this.#chunk = value;
      this.#pos = 0;
    }
    return true;
  }

  /** The next 512-byte block, or null at a clean end of the stream. */
  async header(): Promise<Uint8Array | null> {
    if (!await this.#fill()) return null;
    if (this.#chunk.length - this.#pos >= BLOCK) {
      const block = this.#chunk.subarray(this.#pos, this.#pos + BLOCK);
      this.#pos += BLOCK;
      this.offset += BLOCK;
      return block;
    }
    const block = new Uint8Array(BLOCK);
    let at = 0;
    while (at < BLOCK) {
      const piece = await this.piece(BLOCK - at);
      block.set(piece, at);
      at += piece.length;
    }
    return block;
  }

  /** Up to `max` bytes from the current chunk (at least one). */
  async piece(max: number): Promise<Uint8Array> {
    if (!await this.#fill()) throw this.error(`the archive is truncated at byte ${this.offset}`);
    const end = Math.min(this.#chunk.length, this.#pos + max);
    const out = this.#chunk.subarray(this.#pos, end);
    this.offset += end - this.#pos;
    this.#pos = end;
    return out;
  }

  async skip(count: number): Promise<void> {
    while (count > 0) count -= (await this.piece(count)).length;
  }

  /** The body of a pax or GNU long-name header, bounded in size. */
  async readMeta(size: number, headerOffset: number): Promise<Uint8Array> {
    if (size > MAX_META_BYTES) {
      throw this.error(`the extended header at byte ${headerOffset} is too large (${size} bytes)`);
    }
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const piece = await this.piece(size - at);
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  async drain(): Promise<void> {
    this.#pos = this.#chunk.length;
    while (!(await this.#reader.read()).done) {
      // Discarded: only trailing padding follows the end-of-archive block.
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  error(detail: string): HitError {
    return new HitError(`read tar "${this.name}": ${detail}`);
  }
}

interface HeaderFields {
  name: Text;
  linkName: Text;
  typeflag: string;
  mode: number;
  mtime: number;
  size: number;
}

const decoder = new TextDecoder();

function parseHeader(block: Uint8Array, source: ChunkSource, at: number): HeaderFields {
  const stored = octal(block.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored !== unsigned && stored !== signed) {
    throw source.error(`bad header checksum at byte ${at}`);
  }
  const numbers = [[100, 108], [124, 136], [136, 148]].map(([start, end]) => {
    const value = number(block.subarray(start, end));
    if (Number.isNaN(value)) throw source.error(`malformed header field at byte ${at + start}`);
    return value;
  });
  let name = cText(block.subarray(0, 100));
  // Only POSIX ustar has the prefix field; GNU tar keeps other data at the same place.
  if (ascii(block.subarray(257, 263)) === "ustar\0") {
    const prefix = cText(block.subarray(345, 500));
    if (prefix.text !== "") {
      name = { text: `${prefix.text}/${name.text}`, bad: prefix.bad || name.bad };
    }
  }
  return {
    name,
    linkName: cText(block.subarray(157, 257)),
    typeflag: String.fromCharCode(block[156]),
    mode: numbers[0],
    size: numbers[1],
    mtime: numbers[2],
  };
}

function entryType(typeflag: string, path: string): TarEntryType {
  switch (typeflag) {
    case "0":
    case "\0":
      // Old tars mark directories only by a trailing slash.
      return path.endsWith("/") ? "directory" : "file";
    case "7":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "5":
    case "D":
      return "directory";
    default:
      return "other";
  }
}

/** A numeric field: octal text, or GNU base-256 when the high bit is set. NaN if malformed. */
function number(field: Uint8Array): number {
  if (field[0] & 0x80) {
    if (field[0] === 0xff) return NaN;
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  return octal(field);
}

/** An octal header field (also used for the sparse map of type `S` headers). */
export function octal(field: Uint8Array): number {
  let i = 0;
  while (i < field.length && (field[i] === 0x20 || field[i] === 0)) i++;
  let value = 0;
  for (; i < field.length; i++) {
    const byte = field[i];
    if (byte === 0x20 || byte === 0) break;
    if (byte < 0x30 || byte > 0x37) return NaN;
    value = value * 8 + (byte - 0x30);
  }
  return value;
}

/** Pax records by keyword. */
export type PaxRecords = Record<string, Text>;

function parsePax(data: Uint8Array, source: ChunkSource, at: number): PaxRecords {
  const records: PaxRecords = {};
  let pos = 0;
  while (pos < data.length) {
    let space = pos;
    while (space < data.length && data[space] !== 0x20) space++;
    const length = Number(ascii(data.subarray(pos, space)));
    if (!Number.isInteger(length) || length <= 0 || pos + length > data.length) {
      if (data.subarray(pos).every((byte) => byte === 0)) break;
      throw source.error(`malformed pax header at byte ${at}`);
    }
    const record = data.subarray(space + 1, pos + length - 1);
    const equals = record.indexOf(0x3d);
    if (equals < 0) throw source.error(`malformed pax record at byte ${at}`);
    records[decoder.decode(record.subarray(0, equals))] = text(record.subarray(equals + 1));
    pos += length;
  }
  return records;
}

export function paxNumber(text: string, source: ChunkSource, at: number): number {
  const value = Number(text);
  if (text === "" || !Number.isFinite(value) || value < 0) {
    throw source.error(`malformed pax number "${text}" at byte ${at}`);
  }
  return value;
}

/** Text read from an archive; `bad` when its bytes were not UTF-8. */
export interface Text {
  text: string;
  bad: boolean;
}

const strict = new TextDecoder("utf-8", { fatal: true });

function text(bytes: Uint8Array): Text {
  try {
    return { text: strict.decode(bytes), bad: false };
  } catch {
    return { text: decoder.decode(bytes), bad: true };
  }
}

/** A NUL-terminated field's text. */
function cText(bytes: Uint8Array): Text {
  const end = bytes.indexOf(0);
  return text(end < 0 ? bytes : bytes.subarray(0, end));
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** The zero bytes after `size` bytes of data, up to the next 512-byte block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
