/**
 * Garbage collection of the build store (HASHDIST.md §6.5): mark what the gc roots keep
 * alive, then sweep every other artifact folder. Touches the store's artifact folders, the
 * `gc_roots` folder and the store-wide gc lock; never `.locks`, `.staging`, sources or
 * `build_temp`.
 *
 * What a gc root keeps alive (the root is the profile artifact its link leads to):
 * - policy `build` (`hit gc --keep-build-deps`, the original's rule): the root and every id of
 *   its `artifact.json` `dependencies`, the transitive closure of build imports.
 * - policy `run` (the default): the root and what it needs at run time, found by reference
 *   (`artifact_references.ts`): an artifact is kept when a kept artifact's files or symlinks
 *   name its `NAME/SHORT` folder. An artifact can only name what its build could see, its
 *   `dependencies`, so only those are looked for. So a package's build dependency survives
 *   when it is linked into the profile, linked by rpath, named in a shebang or a script; a
 *   *build-only dependency* is one that no kept artifact names (a code generator, a compiler
 *   or a tool whose path ended up in no output), and the `run` policy removes it.
 *   The profile's own imports cannot tell them apart: a profile's closure holds the build
 *   dependencies of its packages, so it imports every one of them, and its imports equal its
 *   `dependencies`.
 *
 * Concurrency: `hit build` holds the gc lock shared for its whole run (`holdBuildLock`), and
 * `hit gc`/`hit purge` hold it exclusively (`holdGcLock`), so nothing built and not yet linked
 * is ever collected. Each artifact is removed under its own lock after a re-check.
 */
import { join } from "node:path";
import { artifactDir } from "./build_store.ts";
import { findReferences } from "./artifact_references.ts";
import { type GcRoot, readGcRoot, readGcRoots } from "./gc_roots.ts";
import { FileLock } from "./locks.ts";
import {
  diskUsage,
  listStoredArtifacts,
  parseArtifactJson,
  removeArtifact,
  type StoredArtifact,
} from "./stored_artifacts.ts";

/** What a gc root keeps alive besides the profile artifact: see the module header. */
export type GcPolicy = "run" | "build";

/** What marking needs to know about the store; `storeMarkSources` reads the real one. */
export interface MarkSources {
  /** The folder of artifact `id` (it may be missing). */
  dirOf(id: string): string;
  /** Its `artifact.json` `dependencies`, or undefined when that cannot be read. */
  dependencies(id: string): Promise<string[] | undefined>;
  /** Which of `candidates` the files under `dir` refer to. */
  references(dir: string, candidates: string[]): Promise<Set<string>>;
  /** Every id in the store: the candidates of an artifact whose dependencies are unknown. */
  allIds(): string[];
}

/** The gc lock of the store at `store`: shared by builds, exclusive for gc and purge. */
export function gcLockPath(store: string): string {
  return join(store, ".locks", "gc.lock");
}

/** How long taking a lock may last before `onWait` is called. */
const WAIT_NOTICE_MS = 300;

/** Options of `holdGcLock` and `holdBuildLock`. */
export interface HoldLockOptions {
  /** Called once when the lock is not had at once (someone else holds it). */
  onWait?: () => void;
}

/** Takes the gc lock exclusively: waits for running builds; new builds wait for it. */
export async function holdGcLock(store: string, options: HoldLockOptions = {}): Promise<FileLock> {
  return await acquireNoticing(gcLockPath(store), false, options.onWait);
}

/**
 * Takes the gc lock shared, to hold for a whole `hit build` (and `hit cp`/`mv`): builds run
 * side by side, but no gc or purge removes what they built before it is linked.
 */
export async function holdBuildLock(
  store: string,
  options: HoldLockOptions = {},
): Promise<FileLock> {
  return await acquireNoticing(gcLockPath(store), true, options.onWait);
}

async function acquireNoticing(
  path: string,
  shared: boolean,
  onWait?: () => void,
): Promise<FileLock> {
  const timer = onWait === undefined ? undefined : setTimeout(onWait, WAIT_NOTICE_MS);
  try {
    return await FileLock.acquire(path, { shared });
  } finally {
    clearTimeout(timer);
  }
}

/** The real `MarkSources` of the store at `store`, whose artifacts are `stored`. */
export function storeMarkSources(store: string, stored: readonly StoredArtifact[]): MarkSources {
  const ids = stored.flatMap((artifact) => artifact.id === undefined ? [] : [artifact.id]);
  const dirOf = (id: string) => artifactDir(store, id);
  return {
    dirOf,
    async dependencies(id) {
      try {
        return parseArtifactJson(await Deno.readTextFile(join(dirOf(id), "artifact.json")))
          ?.dependencies;
      } catch {
        return undefined;
      }
    },
    references: findReferences,
    allIds: () => ids,
  };
}

/**
 * The ids the live roots keep alive under `policy` (see the module header); stale roots keep
 * nothing.
 */
export async function markLive(
  roots: readonly GcRoot[],
  policy: GcPolicy,
  sources: MarkSources,
): Promise<Set<string>> {
  const live = new Set<string>();
  const queue: { dir: string; candidates: string[] }[] = [];
  for (const root of roots) {
    if (root.state !== "live") continue;
    live.add(root.artifact.id);
    if (policy === "build") {
      for (const dep of root.artifact.dependencies) live.add(dep);
    } else {
      queue.push({ dir: root.artifact.dir, candidates: root.artifact.dependencies });
    }
  }
  // Each newly kept artifact is searched once, and only for what is not kept yet.
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const open = next.candidates.filter((id) => !live.has(id));
    if (open.length === 0) continue;
    for (const id of await sources.references(next.dir, open)) {
      if (live.has(id)) continue;
      live.add(id);
      const candidates = await sources.dependencies(id) ?? sources.allIds();
      queue.push({ dir: sources.dirOf(id), candidates: candidates.filter((dep) => dep !== id) });
    }
  }
  return live;
}

/** The sweep of a store: what goes, what stays, and folders without `id`, left alone (Q16). */
export interface SweepPlan {
  remove: StoredArtifact[];
  keep: StoredArtifact[];
  incomplete: StoredArtifact[];
}

/** Splits the stored artifacts by whether `live` holds their id. */
export function planSweep(stored: readonly StoredArtifact[], live: ReadonlySet<string>): SweepPlan {
  const plan: SweepPlan = { remove: [], keep: [], incomplete: [] };
  for (const artifact of stored) {
    if (artifact.id === undefined) plan.incomplete.push(artifact);
    else if (live.has(artifact.id)) plan.keep.push(artifact);
    else plan.remove.push(artifact);
  }
  return plan;
}

/** Progress of a collection, in the order it happens. */
export type GcEvent =
  /** A gc root whose link no longer leads to an artifact: removed (or would be). */
  | { type: "stale-root"; entry: string; link: string }
  /** Something in `gc_roots` that is not a symlink: left alone. */
  | { type: "not-a-root"; entry: string }
  /** An artifact folder without `id`: left alone (Q16). */
  | { type: "incomplete"; dir: string; folder: string }
  /** An artifact removed (or that would be). */
  | { type: "removed"; id: string; dir: string; bytes: number }
  /** An artifact that changed or vanished while the collection ran: left alone. */
  | { type: "changed"; dir: string };

/** Options of `collectGarbage`. */
export interface CollectOptions {
  policy: GcPolicy;
  /** Find what would be removed, and remove nothing. */
  dryRun: boolean;
  onEvent?: (event: GcEvent) => void;
}

/** What a collection did (or would do, for a dry run). */
export interface GcResult {
  staleRoots: { entry: string; link: string }[];
  removed: { id: string; dir: string; bytes: number }[];
  /** Folders left alone: without `id`, or changed meanwhile. */
  skipped: string[];
  /** How many artifacts stay. */
  kept: number;
  /** Bytes freed by the removed artifacts. */
  bytes: number;
}

/**
 * Collects the garbage of the build store `store` with the roots in `gcRoots` (§6.5): removes
 * stale roots, marks, and removes every artifact not kept. The caller holds the gc lock
 * (`holdGcLock`).
 * @throws {HitError} when a gc root leads to an `artifact.json` that is not valid.
 */
export async function collectGarbage(
  store: string,
  gcRoots: string,
  options: CollectOptions,
): Promise<GcResult> {
  const emit = options.onEvent ?? (() => {});
  const result: GcResult = { staleRoots: [], removed: [], skipped: [], kept: 0, bytes: 0 };
  const roots = await readGcRoots(gcRoots);
  for (const root of roots) {
    if (root.state === "other") emit({ type: "not-a-root", entry: root.entry });
    if (root.state !== "stale") continue;
    if (!options.dryRun) {
      // Re-read: `hit cp` may have pointed the link at an artifact again meanwhile.
      if ((await readGcRoot(root.entry))?.state !== "stale") continue;
      await Deno.remove(root.entry).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    }
    result.staleRoots.push({ entry: root.entry, link: root.link });
    emit({ type: "stale-root", entry: root.entry, link: root.link });
  }
  const stored = await listStoredArtifacts(store);
  const live = await markLive(roots, options.policy, storeMarkSources(store, stored));
  const plan = planSweep(stored, live);
  result.kept = plan.keep.length;
  for (const artifact of plan.incomplete) {
    result.skipped.push(artifact.dir);
    emit({ type: "incomplete", dir: artifact.dir, folder: `${artifact.name}/${artifact.short}` });
  }
  for (const artifact of plan.remove) {
    const bytes = await diskUsage(artifact.dir);
    if (!options.dryRun && !await removeArtifact(store, artifact)) {
      result.skipped.push(artifact.dir);
      emit({ type: "changed", dir: artifact.dir });
      continue;
    }
    result.removed.push({ id: artifact.id!, dir: artifact.dir, bytes });
    result.bytes += bytes;
    emit({ type: "removed", id: artifact.id!, dir: artifact.dir, bytes });
  }
  return result;
}
