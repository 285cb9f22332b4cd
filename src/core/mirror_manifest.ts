/**
 * The manifest of a mirror bundle, `hit-mirror.json`: which source keys the bundle holds (with
 * package, URL, path, size and SHA-256), which profile and spec files, and a copy of `hit`; and
 * the hashing that checks them. A git repo's `sha256` hashes its file list (see `hashTree`).
 * Reads only the files it is asked to hash.
 */
import { createHash } from "node:crypto";
import { join, posix } from "node:path";
import { HitError } from "../errors.ts";
import { describeValue } from "../spec/spec_error.ts";
import { isMap, type Value, type ValueMap } from "../spec/values.ts";

/** The manifest's file name at the root of a bundle. */
export const MANIFEST_FILE = "hit-mirror.json";

/** The manifest format this `hit` writes and reads. */
export const MANIFEST_VERSION = 1;

/** One source of a bundle. */
export interface MirrorEntry {
  key: string;
  /** The (first) package that needs it. */
  package: string;
  /** Where it was fetched from; null for a build-script bundle. */
  url: string | null;
  /** Bytes: of the file, or of every file of a git repo. */
  size: number;
  /** Hex SHA-256: of the file, or a git repo's `hashTree`. */
  sha256: string;
  /** Inside the bundle: `packs/<type>/<hash>`, `files/<hash>` or `git/<repo>`. */
  path: string;
}

/** A profile, spec file or program carried by a bundle. */
export interface MirrorFile {
  path: string;
  size: number;
  sha256: string;
}

/** A profile a bundle was exported for. */
export interface MirrorProfile {
  /** The profile file inside the bundle (under `profiles/`). */
  path: string;
  /** The `NAME=VALUE` overrides it was resolved with. */
  parameters: Record<string, string>;
  /** The artifact id of the profile, as resolved when exported. */
  artifact_id: string;
}

/** The whole manifest. */
export interface MirrorManifest {
  version: number;
  /** ISO 8601 time of the export. */
  created: string;
  /** The `hit` version that wrote it. */
  hit: string;
  profiles: MirrorProfile[];
  entries: MirrorEntry[];
  /** Profile and spec files, and `bin/hit` when the exporting `hit` was a compiled binary. */
  files: MirrorFile[];
}

/** Size and hex SHA-256 of a file, read in 1 MiB chunks. */
export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  using file = await Deno.open(path, { read: true });
  const hash = createHash("sha256");
  const buffer = new Uint8Array(1 << 20);
  let size = 0;
  for (;;) {
    const count = await file.read(buffer);
    if (count === null) break;
    hash.update(buffer.subarray(0, count));
    size += count;
  }
  return { size, sha256: hash.digest("hex") };
}

/**
 * Size and hash of a folder (a bare git repo): the total bytes, and the hex SHA-256 of its
 * lines `<sha256> <size> <path>\n` for every file, sorted by path. Symlinks are refused.
 * @throws {HitError} when the folder holds a symlink or something that is not a file.
 */
export async function hashTree(dir: string): Promise<{ size: number; sha256: string }> {
  const lines: string[] = [];
  let size = 0;
  const walk = async (relative: string) => {
    const names = (await Array.fromAsync(Deno.readDir(join(dir, relative)))).map((e) => e.name);
    for (const name of names.sort()) {
      const path = relative === "" ? name : `${relative}/${name}`;
      const info = await Deno.lstat(join(dir, path));
      if (info.isDirectory) await walk(path);
      else if (info.isFile) {
        const file = await hashFile(join(dir, path));
        size += file.size;
        lines.push(`${file.sha256} ${file.size} ${path}\n`);
      } else {
        throw new HitError(`hash "${dir}": "${path}" is not a file or a folder`);
      }
    }
  };
  await walk("");
  lines.sort();
  return { size, sha256: createHash("sha256").update(lines.join("")).digest("hex") };
}

/**
 * Whether `path` is a safe relative path inside a bundle: `/`-separated, no `..`, `.`, empty
 * or absolute parts.
 */
export function isBundlePath(path: string): boolean {
  if (path === "" || path.startsWith("/") || path.includes("\\")) return false;
  return path.split("/").every((part) => part !== "" && part !== "." && part !== "..") &&
    posix.normalize(path) === path;
}

/**
 * Parses and checks the text of `hit-mirror.json`.
 * @throws {HitError} naming `file` when it is not a manifest of a version this `hit` reads.
 */
export function parseManifest(text: string, file: string): MirrorManifest {
  const fail = (message: string): never => {
    throw new HitError(`read bundle manifest: ${message}`, {
      location: { file },
      hint: 'the bundle is damaged or was not written by "hit mirror export"',
    });
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isMap(doc)) fail(`expected an object, found ${describeValue(doc as Value)}`);
  const map = doc as ValueMap;
  if (map.version !== MANIFEST_VERSION) {
    fail(`unknown version ${JSON.stringify(map.version)} (this hit reads ${MANIFEST_VERSION})`);
  }
  const list = (name: string): ValueMap[] => {
    const value = map[name];
    if (!Array.isArray(value) || !value.every((item) => isMap(item))) {
      fail(`"${name}" must be a list of objects`);
    }
    return value as ValueMap[];
  };
  const text_ = (item: ValueMap, name: string, where: string): string => {
    const value = item[name];
    if (typeof value !== "string") fail(`${where}: "${name}" must be a string`);
    return value as string;
  };
  const checked = (item: ValueMap, where: string): MirrorFile => {
    const path = text_(item, "path", where);
    if (!isBundlePath(path)) fail(`${where}: unsafe path "${path}"`);
    const size = item.size;
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      fail(`${where}: "size" must be a whole number`);
    }
    const sha256 = text_(item, "sha256", where);
    if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${where}: "sha256" must be 64 hex digits`);
    return { path, size: size as number, sha256 };
  };
  const entries = list("entries").map((item, i) => {
    const where = `entry ${i + 1}`;
    const url = item.url;
    if (url !== null && typeof url !== "string") fail(`${where}: "url" must be a string or null`);
    return {
      key: text_(item, "key", where),
      package: text_(item, "package", where),
      url: url as string | null,
      ...checked(item, where),
    };
  });
  const files = list("files").map((item, i) => checked(item, `file ${i + 1}`));
  const profiles = list("profiles").map((item, i) => {
    const where = `profile ${i + 1}`;
    const parameters = item.parameters;
    if (!isMap(parameters) || !Object.values(parameters).every((v) => typeof v === "string")) {
      fail(`${where}: "parameters" must map names to strings`);
    }
    return {
      path: text_(item, "path", where),
      parameters: parameters as Record<string, string>,
      artifact_id: text_(item, "artifact_id", where),
    };
  });
  return {
    version: MANIFEST_VERSION,
    created: text_(map, "created", "manifest"),
    hit: text_(map, "hit", "manifest"),
    profiles,
    entries,
    files,
  };
}
