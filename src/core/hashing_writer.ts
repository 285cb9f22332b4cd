/**
 * The file end of a download: writes chunks to the temp file while hashing them and keeping
 * the first bytes (an archive's magic number). Touches only the file it is given.
 */
import { createHash, type Hash } from "node:crypto";
import { b32 } from "../spec/hash_document.ts";

/** What the bytes written so far amount to. */
export interface WrittenBytes {
  /** `b32(sha256)` of the bytes. */
  digest: string;
  bytes: number;
  /** The first bytes of the file (up to 8), to check an archive's magic number. */
  head: Uint8Array;
}

/** Hashes and writes chunks, keeping the first bytes; can start over from an empty file. */
export class HashingWriter {
  #file: Deno.FsFile;
  #hash: Hash = createHash("sha256");
  #head = new Uint8Array(8);
  #headLength = 0;
  /** Bytes written since the start (or the last `restart`). */
  bytes = 0;

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Appends `chunk` to the file and the hash. */
  async write(chunk: Uint8Array): Promise<void> {
    this.#hash.update(chunk);
    if (this.#headLength < this.#head.length) {
      const take = chunk.subarray(0, this.#head.length - this.#headLength);
      this.#head.set(take, this.#headLength);
      this.#headLength += take.length;
    }
    let rest = chunk;
    while (rest.length > 0) rest = rest.subarray(await this.#file.write(rest));
    this.bytes += chunk.length;
  }

  /** Empties the file and the hash, for a download that starts again from its first byte. */
  async restart(): Promise<void> {
    await this.#file.truncate(0);
    await this.#file.seek(0, Deno.SeekMode.Start);
    this.#hash = createHash("sha256");
    this.#headLength = 0;
    this.bytes = 0;
  }

  /** The digest, size and first bytes of what was written. */
  result(): WrittenBytes {
    const digest = b32(new Uint8Array(this.#hash.digest()));
    return { digest, bytes: this.bytes, head: this.#head.slice(0, this.#headLength) };
  }
}
