/**
 * The hit-pack stream (HASHDIST.md §4.4): the byte format behind `files:` source keys, both
 * hashed for the key and stored as is in the source cache. Pure.
 */
import { HitError } from "../errors.ts";
import { b32, sha256 } from "./hash_document.ts";

/** One file of a pack: its `/`-separated path and its bytes. */
export interface PackEntry {
  name: string;
  content: Uint8Array;
}

const MAGIC = new TextEncoder().encode("HDSTPCK1");
const HEADER_BYTES = 8;

/**
 * Encodes `entries` as a hit-pack stream, sorted byte-wise by UTF-8 name.
 * @throws {HitError} when two entries have the same name.
 */
export function encodeHitPack(entries: PackEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const named = entries.map((entry) => ({ name: encoder.encode(entry.name), entry }));
  named.sort((a, b) => compareBytes(a.name, b.name));
  let size = MAGIC.length;
  for (let i = 0; i < named.length; i++) {
    if (i > 0 && compareBytes(named[i - 1].name, named[i].name) === 0) {
      throw new HitError(`pack files: duplicate name "${named[i].entry.name}"`);
    }
    size += HEADER_BYTES + named[i].name.length + named[i].entry.content.length;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  let offset = MAGIC.length;
  for (const { name, entry } of named) {
    view.setUint32(offset, name.length, true);
    view.setUint32(offset + 4, entry.content.length, true);
    offset += HEADER_BYTES;
    out.set(name, offset);
    offset += name.length;
    out.set(entry.content, offset);
    offset += entry.content.length;
  }
  return out;
}

/**
 * The source key of a pack of `entries`: `files:` plus the b32 hash of its stream.
 * @throws {HitError} when two entries have the same name.
 */
export function hitPackKey(entries: PackEntry[]): string {
  return "files:" + b32(sha256(encodeHitPack(entries)));
}

/**
 * Decodes a hit-pack stream into its entries, in stream order.
 * @throws {HitError} when the magic is wrong, the stream is cut short or a name is not UTF-8.
 */
export function decodeHitPack(bytes: Uint8Array): PackEntry[] {
  if (bytes.length < MAGIC.length || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new HitError('read hit-pack: the stream does not start with "HDSTPCK1"');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const entries: PackEntry[] = [];
  let offset = MAGIC.length;
  while (offset < bytes.length) {
    if (offset + HEADER_BYTES > bytes.length) {
      throw new HitError(`read hit-pack: the stream is truncated at byte ${offset}`);
    }
    const nameLength = view.getUint32(offset, true);
    const contentLength = view.getUint32(offset + 4, true);
    const nameStart = offset + HEADER_BYTES;
    const contentStart = nameStart + nameLength;
    const end = contentStart + contentLength;
    if (end > bytes.length) {
      throw new HitError(`read hit-pack: the stream is truncated in the entry at byte ${offset}`);
    }
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(nameStart, contentStart));
    } catch (error) {
      throw new HitError(`read hit-pack: the name at byte ${offset} is not UTF-8`, {
        cause: error,
      });
    }
    entries.push({ name, content: bytes.slice(contentStart, end) });
    offset = end;
  }
  return entries;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}
