/**
 * `hash_document` and the digest format every HashDist hash uses (HASHDIST.md §4.2):
 * SHA-256, cut to 20 bytes, written as 32 lower-case base32 characters. Pure.
 */
import { canonicalJson } from "./canonical_json.ts";
import { sha256 } from "./sha256.ts";
import type { Value } from "./values.ts";

const BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** Bytes of a HashDist digest that `b32` keeps: 160 bits, 32 base32 characters. */
const DIGEST_BYTES = 20;

export { sha256 };

/** Lower-case RFC 4648 base32 of the first 20 bytes of `digest`, without padding. */
export function b32(digest: Uint8Array): string {
  if (digest.length < DIGEST_BYTES) {
    throw new RangeError(`b32: digest has ${digest.length} bytes, needs ${DIGEST_BYTES}`);
  }
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < DIGEST_BYTES; i++) {
    buffer = (buffer << 8) | digest[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/**
 * `b32(SHA-256(type + "|" + canonicalJson(doc)))`, the hash of a typed JSON document.
 * @throws {HitError} when `doc` holds a float.
 */
export function hashDocument(type: string, doc: Value): string {
  return b32(sha256(type + "|" + canonicalJson(doc)));
}
