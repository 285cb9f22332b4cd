/**
 * Run-time references between artifacts: artifact A refers to artifact B when B's folder,
 * `NAME/SHORT` (§6.2), appears in one of A's files or symlink targets, as an rpath, a shebang,
 * a relative profile link or a path written into a script does. Reads only A's folder.
 */
import { join } from "node:path";

/**
 * Top-level files of a stored artifact that name its build imports but are not used at run
 * time (§6.2): `build.json` holds every import's id, which would make every build dependency a
 * reference.
 */
const METADATA_FILES = new Set(["id", "artifact.json", "build.json", "build.log.gz"]);

const CHUNK_BYTES = 1 << 20;
const SHORT_LENGTH = 12;
const SLASH = 0x2f;

interface Candidate {
  id: string;
  name: Uint8Array;
}

/**
 * The ids among `candidates` (full artifact ids) that the files under `dir` refer to. A file
 * or folder that cannot be read counts as referring to every candidate, so that doubt keeps an
 * artifact alive; a missing `dir` refers to nothing.
 */
export async function findReferences(
  dir: string,
  candidates: Iterable<string>,
): Promise<Set<string>> {
  const scanner = new ReferenceScanner(candidates);
  if (scanner.done) return scanner.found;
  try {
    await Deno.lstat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return scanner.found;
    throw error;
  }
  try {
    await scanTree(dir, true, scanner);
  } catch (error) {
    if (!(error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotFound)) {
      throw error;
    }
    scanner.findAll();
  }
  return scanner.found;
}

async function scanTree(dir: string, top: boolean, scanner: ReferenceScanner): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    if (scanner.done) return;
    if (top && METADATA_FILES.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isSymlink) {
      scanner.scan(new TextEncoder().encode(await Deno.readLink(path)));
    } else if (entry.isDirectory) {
      await scanTree(path, false, scanner);
    } else if (entry.isFile) {
      await scanFile(path, scanner);
    }
  }
}

async function scanFile(path: string, scanner: ReferenceScanner): Promise<void> {
  using file = await Deno.open(path, { read: true });
  // The tail of each chunk is scanned again with the next one, so that a reference split
  // across two reads is still seen whole.
  const overlap = scanner.windowBytes;
  const buffer = new Uint8Array(CHUNK_BYTES + overlap);
  let carry = 0;
  while (!scanner.done) {
    const read = await file.read(buffer.subarray(carry));
    if (read === null) break;
    const end = carry + read;
    scanner.scan(buffer.subarray(0, end));
    carry = Math.min(overlap, end);
    buffer.copyWithin(0, end - carry, end);
  }
}

/** Finds `NAME/SHORT` of candidates in byte chunks; remembers what it found. */
class ReferenceScanner {
  readonly found = new Set<string>();
  /** How many bytes a reference spans at most. */
  readonly windowBytes: number;
  #byShort = new Map<string, Candidate[]>();
  /** The first two bytes of each short hash, a cheap filter before building strings. */
  #starts = new Uint8Array(1 << 16);
  #total = 0;

  constructor(candidates: Iterable<string>) {
    const encoder = new TextEncoder();
    let longestName = 0;
    for (const id of new Set(candidates)) {
      const slash = id.indexOf("/");
      if (slash <= 0 || id.length < slash + 1 + SHORT_LENGTH) continue;
      const short = id.slice(slash + 1, slash + 1 + SHORT_LENGTH);
      const name = encoder.encode(id.slice(0, slash));
      longestName = Math.max(longestName, name.length);
      const list = this.#byShort.get(short) ?? [];
      list.push({ id, name });
      this.#starts[(short.charCodeAt(0) << 8) | short.charCodeAt(1)] = 1;
      this.#byShort.set(short, list);
      this.#total++;
    }
    this.windowBytes = longestName + 1 + SHORT_LENGTH;
  }

  /** Whether every candidate has been found. */
  get done(): boolean {
    return this.found.size >= this.#total;
  }

  /** Counts every candidate as found. */
  findAll(): void {
    for (const list of this.#byShort.values()) {
      for (const candidate of list) this.found.add(candidate.id);
    }
  }

  /** Looks for references in `bytes`. */
  scan(bytes: Uint8Array): void {
    const last = bytes.length - SHORT_LENGTH;
    for (let i = bytes.indexOf(SLASH); i >= 0 && i < last; i = bytes.indexOf(SLASH, i + 1)) {
      if (this.#starts[(bytes[i + 1] << 8) | bytes[i + 2]] === 0) continue;
      const short = String.fromCharCode(...bytes.subarray(i + 1, i + 1 + SHORT_LENGTH));
      const list = this.#byShort.get(short);
      if (list === undefined) continue;
      for (const candidate of list) {
        if (precededBy(bytes, i, candidate.name)) this.found.add(candidate.id);
      }
      if (this.done) return;
    }
  }
}

function precededBy(bytes: Uint8Array, end: number, name: Uint8Array): boolean {
  const start = end - name.length;
  if (start < 0) return false;
  for (let j = 0; j < name.length; j++) {
    if (bytes[start + j] !== name[j]) return false;
  }
  return true;
}
