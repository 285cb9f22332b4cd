/**
 * `hit status`'s cache of a resolved profile: its build order and artifact ids, with a
 * fingerprint (kind, size, mtime, inode; or absence) of every file and folder the spec layer
 * looked at, which it does only through `SpecFiles`. A later run with the same profile, overrides
 * and working folder checks those fingerprints (one stat each) instead of parsing and hashing
 * every spec again; any difference, or an unreadable cache, resolves from scratch. Inputs changed
 * in the last two seconds are not cached, so an edit within the same mtime tick cannot hide.
 * Written whole (a temp file renamed into place) into `<cache>/status/`; a cache that cannot be
 * written is skipped.
 */
import { dirname, join, resolve } from "../posix_path.ts";
import { b32, sha256 } from "../spec/hash_document.ts";
import type { SpecFiles } from "../spec/spec_files.ts";
import { VERSION } from "../version.ts";

/** What `hit status` shows of a profile, besides what is built. */
export interface StatusProfile {
  buildOrder: string[];
  artifactIds: Record<string, string>;
  /** The profile's warnings (unknown keys, no packages), shown on every run. */
  warnings: string[];
}

/** What a cache file holds. */
interface CacheFile {
  key: string;
  inputs: Record<string, string>;
  profile: StatusProfile;
}

/** Inputs changed more recently than this before the cache is written keep it from being written. */
const SETTLED_MS = 2000;

/**
 * The build order and artifact ids of `profile`, from the cache in `cacheDir` when every input
 * is as it was, else resolved (and cached).
 * @throws {HitError} on any bad input, as `resolveProfile` does.
 */
export async function cachedStatusProfile(
  profile: string,
  options: { overrides: Record<string, string>; cwd: string; cacheDir: string },
): Promise<StatusProfile> {
  const key = b32(sha256(JSON.stringify([
    VERSION,
    resolve(options.cwd, profile),
    Object.entries(options.overrides).sort(),
    options.cwd,
  ])));
  const file = join(options.cacheDir, "status", `${key}.json`);
  const cached = await readCache(file, key);
  if (cached !== undefined) return cached;
  // Loaded only now: with the cache, `hit status` starts without the spec layer.
  const [{ resolveProfile }, { createSpecFiles }, { profileWarnings }] = await Promise.all([
    import("../spec/resolve.ts"),
    import("../spec/spec_files.ts"),
    import("./profile_arg.ts"),
  ]);
  const inputs = new Set<string>();
  const resolved = resolveProfile(profile, {
    overrides: options.overrides,
    cwd: options.cwd,
    files: recording(createSpecFiles(), inputs),
  });
  const result: StatusProfile = {
    buildOrder: resolved.buildOrder,
    artifactIds: Object.fromEntries(
      resolved.buildOrder.map((name) => [name, resolved.packages.get(name)!.artifactId]),
    ),
    warnings: profileWarnings(resolved),
  };
  await writeCache(file, { key, inputs: fingerprints(inputs), profile: result });
  return result;
}

/** `files`, noting in `inputs` every path asked about. */
export function recording(files: SpecFiles, inputs: Set<string>): SpecFiles {
  const note = <T>(path: string, answer: T): T => {
    inputs.add(path);
    return answer;
  };
  return {
    readText: (path) => note(path, files.readText(path)),
    readBytes: (path) => note(path, files.readBytes(path)),
    isFile: (path) => note(path, files.isFile(path)),
    isDir: (path) => note(path, files.isDir(path)),
    listDir: (path) => note(path, files.listDir(path)),
    // Where a path really is decides whether a `files:` entry stays in its package folder.
    realPath: files.realPath && ((path) => note(path, files.realPath!(path))),
  };
}

/** What a path is now: kind, size, mtime and inode, or `-` when there is nothing. */
export function fingerprint(path: string): string {
  try {
    const info = Deno.statSync(path);
    const kind = info.isFile ? "f" : info.isDirectory ? "d" : "o";
    return `${kind}:${info.size}:${info.mtime?.getTime() ?? "?"}:${info.ino ?? "?"}`;
  } catch {
    return "-";
  }
}

/**
 * The fingerprint of each of `paths`, and of the folder of each that is absent: while a folder
 * is unchanged (its mtime moves with every entry added, removed or renamed), what was absent
 * from it still is, and most paths asked about are absent candidates.
 */
function fingerprints(paths: Set<string>): Record<string, string> {
  const prints: Record<string, string> = {};
  for (const path of [...paths].sort()) {
    prints[path] = fingerprint(path);
    if (prints[path] === "-") prints[dirname(path)] ??= fingerprint(dirname(path));
  }
  return prints;
}

async function readCache(file: string, key: string): Promise<StatusProfile | undefined> {
  let cache: CacheFile;
  try {
    cache = JSON.parse(await Deno.readTextFile(file));
  } catch {
    return undefined;
  }
  if (cache?.key !== key || typeof cache.inputs !== "object" || !cache.profile) return undefined;
  // A cache file of an older layout: resolve again.
  if (!Array.isArray(cache.profile.warnings)) return undefined;
  const now = new Map<string, string>();
  const current = (path: string) => {
    let print = now.get(path);
    if (print === undefined) now.set(path, print = fingerprint(path));
    return print;
  };
  for (const [path, print] of Object.entries(cache.inputs)) {
    const folder = dirname(path);
    const settled = print === "-" && cache.inputs[folder] !== undefined &&
      cache.inputs[folder] !== "-" && current(folder) === cache.inputs[folder];
    if (!settled && current(path) !== print) return undefined;
  }
  return cache.profile;
}

async function writeCache(file: string, cache: CacheFile): Promise<void> {
  const newest = Math.max(
    0,
    ...Object.values(cache.inputs).map((print) => Number(print.split(":")[2]) || 0),
  );
  if (Date.now() - newest < SETTLED_MS) return;
  const temp = `${file}.tmp-${Deno.pid}`;
  try {
    await Deno.mkdir(join(file, ".."), { recursive: true });
    await Deno.writeTextFile(temp, JSON.stringify(cache));
    await Deno.rename(temp, file);
  } catch {
    // Only a speed-up: a read-only or full cache folder leaves the next run to resolve again.
    await Deno.remove(temp).catch(() => {});
  }
}
