/**
 * `hit fetch PROFILE` as a stage: makes every source a profile needs present in the source
 * cache, a few at once (archives from the mirrors, then their URL, in the fetch stage's
 * worker; git commits; build-script bundles written with `putHitPack`), skipping what is
 * cached and collecting failures instead of stopping at the first. Writes only through the
 * source cache; reports progress as events and never prints.
 */
import { join } from "node:path";
import type { DownloadProgress } from "../core/download.ts";
import { parseSourceKey } from "../core/source_key.ts";
import type { SourceCache } from "../core/source_cache.ts";
import { HitError } from "../errors.ts";
import type { NeededSource } from "./missing_sources.ts";
import { StageCapabilityError } from "./stage_worker.ts";

/** What happened to one source: already there, downloaded or copied, or (a bundle) written. */
export type PrefetchStatus = "cached" | "fetched" | "written";

/** Progress of a prefetch. */
export type PrefetchEvent =
  | { type: "start"; source: NeededSource }
  | { type: "progress"; source: NeededSource; bytes: number; total?: number }
  | {
    type: "done";
    source: NeededSource;
    status: PrefetchStatus;
    bytes: number;
    /** How long it took, by `PrefetchOptions.now`. */
    seconds?: number;
  }
  | { type: "failed"; source: NeededSource; error: HitError };

/** A source that could not be had, and why. */
export interface PrefetchFailure {
  source: NeededSource;
  error: HitError;
}

/** What a prefetch did. */
export interface PrefetchSummary {
  sources: number;
  cached: number;
  fetched: number;
  written: number;
  /** Bytes added to the cache by downloads and copies (archives, git objects). */
  bytes: number;
  failures: PrefetchFailure[];
}

/** Options of `prefetchSources`. */
export interface PrefetchOptions {
  /** Use no network: only folder mirrors and local URLs. */
  offline?: boolean;
  /** How many sources to fetch at once; default 4. */
  jobs?: number;
  onEvent?: (event: PrefetchEvent) => void;
  /** Stops taking new sources, and stops those under way (their temp files are removed). */
  signal?: AbortSignal;
  /** The clock, in milliseconds, for the time each source took; default `performance.now`. */
  now?: () => number;
}

/** What a prefetch would do with one source (`hit fetch --dry-run`). */
export interface PlannedSource {
  source: NeededSource;
  action: "cached" | "write" | "copy" | "download";
  /** The folder mirror a copy comes from. */
  from?: string;
  /** The size of a file copied from a folder mirror; a download's is not known beforehand. */
  bytes?: number;
}

/** The default number of sources fetched at once. */
export const DEFAULT_PREFETCH_JOBS = 4;

/** What `prefetchSources` would do with each of `needed`, touching nothing. */
export async function planPrefetch(
  needed: readonly NeededSource[],
  cache: SourceCache,
): Promise<PlannedSource[]> {
  const plan: PlannedSource[] = [];
  for (const source of needed) {
    const located = await cache.locate(source.key);
    const place = located?.place;
    if (place === "cache") plan.push({ source, action: "cached" });
    else if (source.bundle !== undefined) plan.push({ source, action: "write" });
    else if (place !== undefined) {
      const info = await Deno.stat(located!.path).catch(() => undefined);
      const bytes = info?.isFile ? { bytes: info.size } : {};
      plan.push({ source, action: "copy", from: place.mirror, ...bytes });
    } else plan.push({ source, action: "download" });
  }
  return plan;
}

/**
 * Makes every source of `needed` present in `cache`, `options.jobs` at once.
 * @returns the counts and every failure; a failure does not stop the others.
 */
export async function prefetchSources(
  needed: readonly NeededSource[],
  cache: SourceCache,
  options: PrefetchOptions = {},
): Promise<PrefetchSummary> {
  const emit = options.onEvent ?? (() => {});
  const summary: PrefetchSummary = {
    sources: needed.length,
    cached: 0,
    fetched: 0,
    written: 0,
    bytes: 0,
    failures: [],
  };
  const queue = [...needed];
  let stop = false;
  const now = options.now ?? (() => performance.now());
  const one = async (source: NeededSource) => {
    const started = now();
    emit({ type: "start", source });
    try {
      const { status, bytes } = await fetchOne(
        source,
        cache,
        options,
        (event) => emit({ type: "progress", source, bytes: event.bytes, total: event.total }),
      );
      summary[status]++;
      summary.bytes += bytes;
      emit({ type: "done", source, status, bytes, seconds: (now() - started) / 1000 });
    } catch (error) {
      const failure = asHitError(error);
      if (failure === undefined) {
        stop = true;
        throw error;
      }
      failure.location.package ??= source.packages[0];
      summary.failures.push({ source, error: failure });
      emit({ type: "failed", source, error: failure });
    }
  };
  const worker = async () => {
    while (!stop && !options.signal?.aborted) {
      const source = queue.shift();
      if (source === undefined) return;
      await one(source);
    }
  };
  const jobs = Math.max(1, options.jobs ?? DEFAULT_PREFETCH_JOBS);
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(jobs, needed.length) }, worker),
  );
  for (const result of results) if (result.status === "rejected") throw result.reason;
  // Failures in the order of `needed`, whatever order they finished in.
  summary.failures.sort((a, b) => needed.indexOf(a.source) - needed.indexOf(b.source));
  return summary;
}

async function fetchOne(
  source: NeededSource,
  cache: SourceCache,
  options: PrefetchOptions,
  onProgress: (event: DownloadProgress) => void,
): Promise<{ status: PrefetchStatus; bytes: number }> {
  if (await cache.has(source.key)) return { status: "cached", bytes: 0 };
  if (source.bundle !== undefined) {
    await cache.putHitPack(source.bundle);
    return { status: "written", bytes: 0 };
  }
  const { type } = parseSourceKey(source.key);
  const repoName = source.packages[0];
  const gitRepo = join(cache.root, "git", repoName);
  const before = type === "git" ? await folderSize(gitRepo) : 0;
  await cache.fetchSource(
    { key: source.key, url: source.url },
    { repoName, offline: options.offline, onProgress, signal: options.signal },
  );
  if (type === "git") return { status: "fetched", bytes: await folderSize(gitRepo) - before };
  return { status: "fetched", bytes: (await Deno.stat(cache.packPath(source.key))).size };
}

// A user's error, or a fetch stage denial (a redirect to another host) reported like one;
// undefined for anything else, which is a bug.
function asHitError(error: unknown): HitError | undefined {
  if (error instanceof HitError) return error;
  if (error instanceof StageCapabilityError) {
    return new HitError(error.message, {
      hint: error.permission === "net"
        ? "the URL redirects to another host; use the final URL, or a mirror"
        : undefined,
      cause: error,
    });
  }
  return undefined;
}

// The bytes of the files under `path`; 0 when it does not exist.
async function folderSize(path: string): Promise<number> {
  let total = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory) total += await folderSize(child);
    else if (entry.isFile) total += (await Deno.stat(child)).size;
  }
  return total;
}
