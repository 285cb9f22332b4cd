/**
 * Source keys (HASHDIST.md §4.4): `type:hash`, the content address of a source in the source
 * cache, and the archive type of a file name. Pure.
 */
import { HitError } from "../errors.ts";

/** The archive types a key may name; each names its unpacker (§8.3). */
export const ARCHIVE_TYPES = ["tar.gz", "tar.bz2", "tar.xz", "zip"] as const;

/** An archive type: `tar.gz`, `tar.bz2`, `tar.xz` or `zip`. */
export type ArchiveType = typeof ARCHIVE_TYPES[number];

/** Every source key type. */
export type SourceType = ArchiveType | "git" | "files";

/** A source key split at its colon. */
export interface SourceKey {
  type: SourceType;
  /** The b32 hash (archives, files) or the 40-hex commit (git). */
  hash: string;
}

const B32_HASH = /^[a-z2-7]{32}$/;
const COMMIT = /^[0-9a-f]{40}$/;

/** Whether `type` is one of the archive types. */
export function isArchiveType(type: string): type is ArchiveType {
  return (ARCHIVE_TYPES as readonly string[]).includes(type);
}

/**
 * Splits a source key into its type and hash.
 * @throws {HitError} when the key has not exactly one `:`, an unknown type, or a malformed hash.
 */
export function parseSourceKey(key: string): SourceKey {
  const parts = key.split(":");
  if (parts.length !== 2) {
    throw new HitError(`parse source key "${key}": expected exactly one ":" (TYPE:HASH)`, {
      hint: 'a source key looks like "tar.gz:7acx7lq4px4lteiwpa7ph2kknjcfddkj"',
    });
  }
  const [type, hash] = parts;
  if (type === "git") {
    if (!COMMIT.test(hash)) {
      throw new HitError(`parse source key "${key}": a git key needs a full 40-hex commit`);
    }
    return { type, hash };
  }
  if (type !== "files" && !isArchiveType(type)) {
    throw new HitError(`parse source key "${key}": unknown type "${type}"`, {
      hint: `use one of ${[...ARCHIVE_TYPES, "git", "files"].map((t) => `"${t}"`).join(", ")}`,
    });
  }
  if (!B32_HASH.test(hash)) {
    throw new HitError(
      `parse source key "${key}": the hash must be 32 characters of [a-z2-7]`,
    );
  }
  return { type, hash };
}

/** `type:digest`, the key of an archive. */
export function archiveKey(type: ArchiveType, digest: string): string {
  return `${type}:${digest}`;
}

const SUFFIXES: readonly [string, ArchiveType][] = [
  [".tar.gz", "tar.gz"],
  [".tgz", "tar.gz"],
  [".tar.bz2", "tar.bz2"],
  [".tb2", "tar.bz2"],
  [".tbz2", "tar.bz2"],
  [".tar.xz", "tar.xz"],
  [".zip", "zip"],
];

/**
 * The archive type of a URL or file name: `explicitType` when given, else from the extension
 * (`tar.gz`/`tgz`, `tar.bz2`/`tb2`/`tbz2`, `tar.xz`, `zip`), ignoring a URL's query.
 * @throws {HitError} for an unknown explicit type or extension.
 */
export function archiveTypeOf(urlOrName: string, explicitType?: string): ArchiveType {
  if (explicitType !== undefined) {
    if (isArchiveType(explicitType)) return explicitType;
    throw new HitError(`unknown archive type "${explicitType}"`, {
      hint: `use one of ${ARCHIVE_TYPES.map((t) => `"${t}"`).join(", ")}`,
    });
  }
  // Only a URL has a query or fragment; a local file name may hold "?" or "#".
  const path = urlOrName.includes("://") ? urlOrName.replace(/[?#].*$/, "") : urlOrName;
  const name = path.toLowerCase();
  for (const [suffix, type] of SUFFIXES) {
    if (name.endsWith(suffix)) return type;
  }
  throw new HitError(`guess the archive type of "${urlOrName}": unknown extension`, {
    hint: `give the type with "--type", one of ${ARCHIVE_TYPES.map((t) => `"${t}"`).join(", ")}`,
  });
}
