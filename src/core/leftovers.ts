/**
 * Leftovers of interrupted runs (a `kill -9`, a crash, a power cut), reclaimed by the next
 * `hit build`, `hit fetch` and `hit gc`: staging folders in `<store>/.staging`, build folders in
 * `build_temp`, and artifact folders without `id`. Each belongs to one artifact, whose lock
 * (`.locks/NAME-SHORT.lock`) every process that uses it holds; a folder is removed only while
 * this process holds that lock itself, so nothing a running `hit` uses is ever touched, however
 * old. Touches only those folders and their locks.
 *
 * A build folder kept on purpose (`--keep-build`, a failed build) carries `KEPT_MARKER`; only
 * `hit gc` removes it (`keptBuilds: true`).
 */
import { join } from "node:path";
import { artifactLockPath, removeTree } from "./build_store.ts";
import { exists } from "./exists.ts";
import { FileLock } from "./locks.ts";
import { diskUsage, listStoredArtifacts, readIdFile } from "./stored_artifacts.ts";

/** The file, in a build folder, that marks it as kept on purpose. */
export const KEPT_MARKER = ".hit-kept";

/** What a leftover is. */
export type LeftoverKind = "staging" | "build" | "kept-build" | "incomplete";

/** One leftover folder, removed (or that would be). */
export interface Leftover {
  kind: LeftoverKind;
  path: string;
  bytes: number;
}

/** Options of `reclaimLeftovers`. */
export interface ReclaimOptions {
  /** The build store. */
  store: string;
  /** The folder builds run in (`build_temp`). */
  buildTemp: string;
  /** Also remove build folders kept on purpose (`hit gc`). */
  keptBuilds?: boolean;
  /** Find what would be removed, and remove nothing. */
  dryRun?: boolean;
}

/** A candidate folder and the artifact folder key (`NAME/SHORT`) whose lock guards it. */
interface Candidate {
  kind: LeftoverKind;
  path: string;
  folder: string;
}

// `NAME-SHORT`, the 12 characters of the hash that name an artifact folder.
const FOLDER = /^(.+)-([a-z0-9]{12})$/;

/**
 * Removes the leftovers no live process holds, each under its artifact's lock, and returns
 * them in the order removed.
 */
export async function reclaimLeftovers(options: ReclaimOptions): Promise<Leftover[]> {
  const reclaimed: Leftover[] = [];
  for (const candidate of await findCandidates(options)) {
    using lock = await FileLock.tryAcquire(artifactLockPath(options.store, candidate.folder));
    // Held: a live process builds (or removes) that artifact; what it uses is not a leftover.
    if (lock === null || !await stillLeftover(candidate)) continue;
    const bytes = await diskUsage(candidate.path);
    if (!options.dryRun) await removeTree(candidate.path);
    reclaimed.push({ kind: candidate.kind, path: candidate.path, bytes });
  }
  return reclaimed;
}

async function findCandidates(options: ReclaimOptions): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  // `makeStagingDir`: NAME-SHORT-RANDOM.
  for (const entry of await listFolders(join(options.store, ".staging"))) {
    const cut = entry.lastIndexOf("-");
    const folder = cut > 0 ? folderOf(entry.slice(0, cut)) : undefined;
    if (folder !== undefined) {
      candidates.push({ kind: "staging", path: join(options.store, ".staging", entry), folder });
    }
  }
  // `makeBuildDir`: NAME-SHORT, or NAME-SHORT-N beside one in use. `hit bdir` folders
  // (NAME-SHORT-bdir-RANDOM) and anything else in build_temp match neither.
  for (const entry of await listFolders(options.buildTemp)) {
    const numbered = /^(.+)-\d+$/.exec(entry);
    const folder = folderOf(entry) ?? (numbered ? folderOf(numbered[1]) : undefined);
    if (folder === undefined) continue;
    const path = join(options.buildTemp, entry);
    if (!await looksLikeBuildFolder(path)) continue;
    const kept = await exists(join(path, KEPT_MARKER));
    if (kept && !options.keptBuilds) continue;
    candidates.push({ kind: kept ? "kept-build" : "build", path, folder });
  }
  for (const artifact of await listStoredArtifacts(options.store)) {
    if (artifact.id !== undefined) continue;
    candidates.push({
      kind: "incomplete",
      path: artifact.dir,
      folder: `${artifact.name}/${artifact.short}`,
    });
  }
  return candidates;
}

/** `NAME/SHORT` from `NAME-SHORT`, or undefined when `text` has no such form. */
function folderOf(text: string): string | undefined {
  const match = FOLDER.exec(text);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * A build folder as `buildArtifact` makes it: empty (killed right after `mkdir`), or with its
 * `job` or `_hashdist` folder. Guards against a `build_temp` shared with other programs.
 */
async function looksLikeBuildFolder(path: string): Promise<boolean> {
  const names = await listFolders(path, { all: true });
  return names.length === 0 || names.includes("job") || names.includes("_hashdist");
}

/** Re-checked under the lock: an artifact folder may have been committed meanwhile. */
async function stillLeftover(candidate: Candidate): Promise<boolean> {
  if (!await exists(candidate.path)) return false;
  return candidate.kind !== "incomplete" || await readIdFile(candidate.path) === undefined;
}

async function listFolders(dir: string, options: { all?: boolean } = {}): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (options.all || entry.isDirectory) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return [];
    }
    throw error;
  }
  return names.sort();
}
