/**
 * GNU sparse members of tar archives, as GNU tar writes them with `-S`: the old GNU type `S`
 * (map in the header and its extension blocks) and the pax formats 0.1 (`GNU.sparse.map`) and
 * 1.0 (map at the start of the data). The map is read and checked before the data; the data
 * is yielded with its holes as zeros. Pure: it touches no files.
 */
import type { ChunkSource, PaxRecords, Text } from "./tar_reader.ts";
import { octal, paxNumber } from "./tar_reader.ts";

/** Map text longer than this is refused rather than buffered. */
const MAX_MAP_BYTES = 1 << 20;
const ZEROS = new Uint8Array(64 * 1024);

/** Where a sparse member's data lies, and how it expands. */
export class SparseMap {
  /** Data segments `[offset, length]`, in order, within `realSize`. */
  readonly segments: [number, number][];
  readonly realSize: number;
  /** Bytes of the stored data taken by the map itself (pax 1.0); 0 otherwise. */
  readonly mapBytes: number;

  constructor(segments: [number, number][], realSize: number, mapBytes: number) {
    this.segments = segments;
    this.realSize = realSize;
    this.mapBytes = mapBytes;
  }

  /** The bytes the archive stores for the segments. */
  get dataBytes(): number {
    return this.segments.reduce((sum, [, length]) => sum + length, 0);
  }

  /** Yields the full member: zeros for each hole, `piece(max)` for the stored data. */
  async *expand(piece: (max: number) => Promise<Uint8Array>): AsyncGenerator<Uint8Array> {
    let at = 0;
    for (const [offset, length] of this.segments) {
      yield* zeros(offset - at);
      for (let left = length; left > 0;) {
        const data = await piece(left);
        left -= data.length;
        yield data;
      }
      at = offset + length;
    }
    yield* zeros(this.realSize - at);
  }
}

function* zeros(count: number): Generator<Uint8Array> {
  for (let left = count; left > 0; left -= ZEROS.length) {
    yield ZEROS.subarray(0, Math.min(left, ZEROS.length));
  }
}

/** Where a header was read, for `SparseReader.start`. */
export interface HeaderContext {
  header: Uint8Array;
  source: ChunkSource;
  headerOffset: number;
}

/** Reading the sparse map of a member, if it has one. */
export const SparseReader = {
  /**
   * The map (and, for pax formats, the real name) of a sparse member; undefined for any other
   * member. Reads the extension blocks of type `S`, or the map of pax 1.0, from the stream.
   * @throws {HitError} on a malformed map or an unknown sparse format.
   */
  async start(
    typeflag: string,
    pax: PaxRecords,
    context: HeaderContext,
  ): Promise<{ name?: Text; map: SparseMap } | undefined> {
    if (typeflag === "S") return { map: await readGnuMap(context) };
    const major = pax["GNU.sparse.major"]?.text;
    const minor = pax["GNU.sparse.minor"]?.text;
    const name = pax["GNU.sparse.name"];
    const fail = (detail: string) =>
      context.source.error(`sparse member at byte ${context.headerOffset}: ${detail}`);
    if (major === "1" && minor === "0") {
      const realSize = number(pax["GNU.sparse.realsize"], context);
      return { name, map: await readPax10Map(realSize, context) };
    }
    if (pax["GNU.sparse.map"] !== undefined) {
      const values = pax["GNU.sparse.map"].text.split(",").map((text) =>
        paxNumber(text, context.source, context.headerOffset)
      );
      if (values.length % 2 !== 0) throw fail("an odd number of values in GNU.sparse.map");
      const realSize = number(pax["GNU.sparse.size"] ?? pax["GNU.sparse.realsize"], context);
      return { name, map: checked(pairs(values), realSize, 0, fail) };
    }
    if (pax["GNU.sparse.numblocks"] !== undefined || major !== undefined) {
      throw fail(`GNU sparse format ${major ?? "0"}.${minor ?? "0"} is not supported`);
    }
    return undefined;
  },
};

function number(value: Text | undefined, context: HeaderContext): number {
  return paxNumber(value?.text ?? "", context.source, context.headerOffset);
}

async function readGnuMap(context: HeaderContext): Promise<SparseMap> {
  const { header, source, headerOffset } = context;
  const fail = (detail: string) => source.error(`sparse member at byte ${headerOffset}: ${detail}`);
  const values: number[] = [];
  const take = (block: Uint8Array, from: number, count: number) => {
    for (let i = 0; i < count * 2; i++) {
      const field = block.subarray(from + i * 12, from + i * 12 + 12);
      if (field[0] === 0) break;
      values.push(octal(field));
    }
  };
  take(header, 386, 4);
  let extended = header[482] !== 0;
  let bytes = 0;
  while (extended) {
    const block = await source.header();
    if (block === null) throw fail("the archive ends inside its sparse map");
    bytes += 512;
    if (bytes > MAX_MAP_BYTES) throw fail("the sparse map is too large");
    take(block, 0, 21);
    extended = block[504] !== 0;
  }
  if (values.some(Number.isNaN)) throw fail("malformed sparse map");
  const realSize = octal(header.subarray(483, 495));
  return checked(pairs(values), realSize, 0, fail);
}

async function readPax10Map(realSize: number, context: HeaderContext): Promise<SparseMap> {
  const { source, headerOffset } = context;
  const fail = (detail: string) => source.error(`sparse member at byte ${headerOffset}: ${detail}`);
  const values: number[] = [];
  let wanted = 1;
  let digits = "";
  let bytes = 0;
  while (values.length < wanted) {
    const block = await source.header();
    if (block === null) throw fail("the archive ends inside its sparse map");
    bytes += 512;
    if (bytes > MAX_MAP_BYTES) throw fail("the sparse map is too large");
    for (let i = 0; i < block.length && values.length < wanted; i++) {
      const char = String.fromCharCode(block[i]);
      if (char !== "\n") {
        if (char < "0" || char > "9") throw fail("malformed sparse map");
        digits += char;
        continue;
      }
      if (digits === "") throw fail("malformed sparse map");
      values.push(Number(digits));
      digits = "";
      if (values.length === 1) wanted = 1 + 2 * values[0];
    }
  }
  return checked(pairs(values.slice(1)), realSize, bytes, fail);
}

function pairs(values: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < values.length; i += 2) out.push([values[i], values[i + 1]]);
  return out;
}

/** A map whose segments are in order and inside the member. */
function checked(
  segments: [number, number][],
  realSize: number,
  mapBytes: number,
  fail: (detail: string) => Error,
): SparseMap {
  let end = 0;
  for (const [offset, length] of segments) {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < end) {
      throw fail("the sparse map is out of order");
    }
    end = offset + length;
  }
  if (!Number.isSafeInteger(realSize) || end > realSize) {
    throw fail(`the sparse map reaches byte ${end}, past the member's size ${realSize}`);
  }
  return new SparseMap(segments, realSize, mapBytes);
}
