/**
 * Emptying the source cache (`hit clearsources`; HASHDIST.md §6.1, Q17): archives, hit-packs
 * and git repositories, each removed under the lock its writers take. Keeps the cache folder,
 * its `locks/` (removing a lock file someone waits on would let two holders in) and temporary
 * files young enough to belong to a download still running. Writes only under the cache.
 */
import { join } from "node:path";
import { removeTree } from "./build_store.ts";
import { FileLock } from "./locks.ts";
import { diskUsage } from "./stored_artifacts.ts";

/** What an entry of the source cache is. */
export type CachedSourceKind = "archive" | "hit-pack" | "git" | "temporary";

/** One entry of the source cache. */
export interface CachedSource {
  kind: CachedSourceKind;
  /** Its source key (`tar.gz:…`, `files:…`), the repository name, or the temporary file. */
  name: string;
  path: string;
  /** The lock its writers hold, if any. */
  lock?: string;
}

/** Temporary files changed this recently may belong to a running download, and are kept. */
export const RECENT_TEMPORARY_MS = 60 * 60 * 1000;

/** Lists the entries of the source cache at `root` (§6.1): `packs/`, `files/`, `git/`, `tmp/`. */
export async function listCachedSources(root: string): Promise<CachedSource[]> {
  const locks = join(root, "locks");
  const found: CachedSource[] = [];
  for (const entry of await listEntries(join(root, "packs"))) {
    const path = join(root, "packs", entry.name);
    if (!entry.isDirectory) {
      // The original downloads into packs/downloading-XXXXXX.
      found.push({ kind: "temporary", name: `packs/${entry.name}`, path });
      continue;
    }
    for (const pack of await listEntries(path)) {
      found.push({
        kind: "archive",
        name: `${entry.name}:${pack.name}`,
        path: join(path, pack.name),
        // The per-key lock of SourceCache (source_cache.ts, `#lockPath`).
        lock: join(locks, `${entry.name}-${pack.name}.lock`),
      });
    }
  }
  for (const entry of await listEntries(join(root, "files"))) {
    const path = join(root, "files", entry.name);
    if (entry.name.startsWith("writing-")) {
      found.push({ kind: "temporary", name: `files/${entry.name}`, path });
    } else {
      // Hit-packs are written whole by rename and never locked.
      found.push({ kind: "hit-pack", name: `files:${entry.name}`, path });
    }
  }
  for (const entry of await listEntries(join(root, "git"))) {
    if (entry.name.startsWith(".")) {
      // git_source.ts initialises a new bare repo in git/.init-<repo>-XXXXXX, then renames it.
      found.push({
        kind: "temporary",
        name: `git/${entry.name}`,
        path: join(root, "git", entry.name),
      });
      continue;
    }
    found.push({
      kind: "git",
      name: entry.name,
      path: join(root, "git", entry.name),
      // The per-repository lock of git_source.ts.
      lock: join(locks, `git-${entry.name}.lock`),
    });
  }
  for (const entry of await listEntries(join(root, "tmp"))) {
    found.push({
      kind: "temporary",
      name: `tmp/${entry.name}`,
      path: join(root, "tmp", entry.name),
    });
  }
  return found;
}

async function listEntries(dir: string): Promise<Deno.DirEntry[]> {
  const entries: Deno.DirEntry[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory)) {
      throw error;
    }
  }
  return entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** One removed (or kept) entry with its size. */
export interface SizedSource {
  source: CachedSource;
  bytes: number;
}

/** What clearing the source cache did, or would do. */
export interface ClearResult {
  removed: SizedSource[];
  /** Temporary files kept because they changed recently. */
  kept: SizedSource[];
  /** Bytes of the removed entries. */
  bytes: number;
}

/** Options of `clearSources`. */
export interface ClearOptions {
  /** Measure what would be removed, and remove nothing. */
  dryRun?: boolean;
  /** The current time in ms, for the age of temporary files. */
  now: number;
  onRemoved?: (removed: SizedSource) => void;
}

/**
 * Removes every archive, hit-pack, git repository and old temporary file of the source cache
 * at `root`, each under its writers' lock. The caller holds the build store's gc lock, so no
 * build is between fetching a source and unpacking it.
 */
export async function clearSources(root: string, options: ClearOptions): Promise<ClearResult> {
  const result: ClearResult = { removed: [], kept: [], bytes: 0 };
  for (const source of await listCachedSources(root)) {
    const bytes = await diskUsage(source.path);
    if (source.kind === "temporary" && await changedSince(source.path, options.now)) {
      result.kept.push({ source, bytes });
      continue;
    }
    if (!options.dryRun) {
      using _lock = source.lock === undefined ? undefined : await FileLock.acquire(source.lock);
      await removeTree(source.path);
    }
    const removed = { source, bytes };
    result.removed.push(removed);
    result.bytes += bytes;
    options.onRemoved?.(removed);
  }
  return result;
}

async function changedSince(path: string, now: number): Promise<boolean> {
  try {
    const mtime = (await Deno.lstat(path)).mtime?.getTime() ?? 0;
    return now - mtime < RECENT_TEMPORARY_MS;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
