/**
 * A tiny tar and zip writer for tests: builds ordinary and hostile archives in memory (absolute
 * names, `..`, escaping links, devices, broken checksums) that no real archiver would make.
 */
import { crc32, deflateRawSync, gzipSync } from "node:zlib";

/** One tar member; `typeflag` overrides the flag derived from `type` (for devices, fifos). */
export interface TarMember {
  name: string;
  type?: "file" | "directory" | "symlink" | "hardlink";
  typeflag?: string;
  body?: string | Uint8Array;
  linkTarget?: string;
  mode?: number;
  mtime?: number;
}

/** Header layouts: POSIX ustar, GNU (long names as `L`/`K`), pax (`x` records), old v7. */
export type TarFormat = "ustar" | "gnu" | "pax" | "v7";

const encoder = new TextEncoder();
const FLAGS = { file: "0", directory: "5", symlink: "2", hardlink: "1" };

/** Builds an uncompressed tar archive of `members`, ending with two zero blocks. */
export function tar(members: TarMember[], format: TarFormat = "ustar"): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const member of members) {
    const body = typeof member.body === "string"
      ? encoder.encode(member.body)
      : member.body ?? new Uint8Array(0);
    let name = member.name;
    let prefix = "";
    const link = member.linkTarget ?? "";
    if (format === "gnu") {
      if (encoder.encode(name).length > 100) blocks.push(...longRecord("L", name));
      if (encoder.encode(link).length > 100) blocks.push(...longRecord("K", link));
    } else if (format === "pax") {
      const records: Record<string, string> = {};
      if (encoder.encode(name).length > 100) records.path = name;
      if (encoder.encode(link).length > 100) records.linkpath = link;
      if (Object.keys(records).length > 0) blocks.push(...paxRecord("x", records));
    } else if (format === "ustar" && name.length > 100) {
      const cut = name.lastIndexOf("/", name.length - 2);
      prefix = name.slice(0, cut);
      name = name.slice(cut + 1);
    }
    blocks.push(header({
      name,
      prefix,
      typeflag: member.typeflag ?? FLAGS[member.type ?? "file"],
      linkTarget: link,
      mode: member.mode ?? (member.type === "directory" ? 0o755 : 0o644),
      mtime: member.mtime ?? 1_600_000_000,
      size: body.length,
      format,
    }));
    blocks.push(...padded(body));
  }
  blocks.push(new Uint8Array(1024));
  return concat(blocks);
}

/** One raw header block; `format` picks the magic (none for v7). */
export function header(fields: {
  name: string;
  prefix?: string;
  typeflag: string;
  linkTarget?: string;
  mode?: number;
  mtime?: number;
  size?: number;
  format?: TarFormat;
}): Uint8Array {
  const block = new Uint8Array(512);
  put(block, 0, 100, fields.name);
  putOctal(block, 100, 8, fields.mode ?? 0o644);
  putOctal(block, 108, 8, 0);
  putOctal(block, 116, 8, 0);
  putOctal(block, 124, 12, fields.size ?? 0);
  putOctal(block, 136, 12, fields.mtime ?? 1_600_000_000);
  block[156] = fields.typeflag.charCodeAt(0);
  put(block, 157, 100, fields.linkTarget ?? "");
  const format = fields.format ?? "ustar";
  if (format === "gnu") put(block, 257, 8, "ustar  \0");
  else if (format !== "v7") put(block, 257, 8, "ustar\x0000");
  if (format === "ustar" || format === "pax") put(block, 345, 155, fields.prefix ?? "");
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  putOctal(block, 148, 7, sum);
  return block;
}

/** A pax header (`x` per member or `g` global) holding `records`. */
export function paxRecord(typeflag: "x" | "g", records: Record<string, string>): Uint8Array[] {
  let text = "";
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    const bytes = encoder.encode(body).length;
    let length = bytes + String(bytes).length;
    if (String(length).length !== String(bytes).length) length = bytes + String(length).length;
    text += `${length}${body}`;
  }
  const data = encoder.encode(text);
  return [header({ name: "PaxHeader", typeflag, size: data.length }), ...padded(data)];
}

/** Gzips `bytes`, as in a `.tar.gz`. */
export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

/** One zip entry; `mode` is a Unix `st_mode`, recorded with a Unix host when given. */
export interface ZipMember {
  name: string;
  body?: string | Uint8Array;
  mode?: number;
  deflate?: boolean;
}

/** Builds a zip archive of `members`, with a central directory. */
export function zip(members: ZipMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const member of members) {
    const data = typeof member.body === "string"
      ? encoder.encode(member.body)
      : member.body ?? new Uint8Array(0);
    const stored = member.deflate ? new Uint8Array(deflateRawSync(data)) : data;
    const name = encoder.encode(member.name);
    const crc = crc32(data) >>> 0;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, member.deflate ? 8 : 0, true);
    lv.setUint16(12, (2020 - 1980) << 9 | 1 << 5 | 1, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, stored.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const entry = new Uint8Array(46 + name.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, member.mode === undefined ? 20 : 3 << 8 | 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, member.deflate ? 8 : 0, true);
    cv.setUint16(14, (2020 - 1980) << 9 | 1 << 5 | 1, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, stored.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(
      38,
      member.mode === undefined ? (member.name.endsWith("/") ? 0x10 : 0) : member.mode << 16 >>> 0,
      true,
    );
    cv.setUint32(42, offset, true);
    entry.set(name, 46);
    parts.push(local, stored);
    central.push(entry);
    offset += local.length + stored.length;
  }
  const directory = concat(central);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, directory.length, true);
  ev.setUint32(16, offset, true);
  return concat([...parts, directory, end]);
}

function longRecord(typeflag: "L" | "K", text: string): Uint8Array[] {
  const data = encoder.encode(text + "\0");
  return [
    header({ name: "././@LongLink", typeflag, size: data.length, format: "gnu" }),
    ...padded(data),
  ];
}

function padded(data: Uint8Array): Uint8Array[] {
  if (data.length === 0) return [];
  const size = Math.ceil(data.length / 512) * 512;
  const out = new Uint8Array(size);
  out.set(data);
  return [out];
}

function put(block: Uint8Array, at: number, length: number, text: string): void {
  block.set(encoder.encode(text).subarray(0, length), at);
}

function putOctal(block: Uint8Array, at: number, length: number, value: number): void {
  put(block, at, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
