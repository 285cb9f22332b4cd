/**
 * The build store (HASHDIST.md §6.2): one folder per artifact, `<root>/<name>/<hash[0:12]>/`,
 * whose `id` file is the commit marker. Artifacts are built in a staging folder beside it and
 * renamed into place whole, so a store never holds a half-written artifact.
 */
import { join } from "../posix_path.ts";
import { writeGzippedLog } from "./build_log.ts";
import { HitError } from "../errors.ts";
import { canonicalJson } from "../spec/canonical_json.ts";
import { compareCodePoints, isMap, type Value, type ValueMap } from "../spec/values.ts";
import { BUILD_INFO, BUILD_LOG } from "./build_info.ts";
import { FileLock } from "./locks.ts";

/** The folder of artifact `id` in the store at `root`. */
export function artifactDir(root: string, id: string): string {
  const [name, hash] = splitId(id);
  return join(root, name, hash.slice(0, 12));
}

/** The lock file that serialises builds of artifact `id`. */
export function artifactLockPath(root: string, id: string): string {
  const [name, hash] = splitId(id);
  return join(root, ".locks", `${name}-${hash.slice(0, 12)}.lock`);
}

/**
 * Waits for and takes the lock of artifact `id`, as a build of it holds it; `hit build --check`
 * holds it while it builds the artifact again and compares. Not while `ArtifactWrite.begin` runs
 * in the same process: a second lock of one file waits for the first.
 */
export function holdArtifactLock(root: string, id: string): Promise<FileLock> {
  return FileLock.acquire(artifactLockPath(root, id));
}

/**
 * Where `hit build --check --keep` moves second builds: a folder of the store that no leftover
 * reclaim and no `hit gc` touches; the user removes them.
 */
export function checkKeepDir(root: string): string {
  return join(root, ".check");
}

/**
 * An artifact being written into the store (built, or pulled from a cache): it holds the
 * artifact's lock and a folder to fill until `commit()` moves it into place or `discard()`
 * removes it. Disposing it discards an uncommitted artifact and releases the lock.
 */
export class ArtifactWrite implements AsyncDisposable {
  /** The artifact's id. */
  readonly id: string;
  /** The artifact's final folder in the store. */
  readonly dir: string;
  /** The folder to fill: a staging folder, or `dir` itself when not staged. */
  readonly outputDir: string;
  #root: string;
  #lock: FileLock | undefined;
  #staged: boolean;
  #check: boolean;
  #done = false;

  private constructor(
    root: string,
    id: string,
    outputDir: string,
    options: { lock?: FileLock; check: boolean },
  ) {
    this.id = id;
    this.dir = artifactDir(root, id);
    this.outputDir = outputDir;
    this.#root = root;
    this.#lock = options.lock;
    this.#staged = outputDir !== this.dir;
    this.#check = options.check;
  }

  /**
   * Takes the lock of artifact `id` and checks the store again: `undefined` when the artifact
   * is there already. `staged: false` fills the final folder directly (an unsandboxed build
   * must run at the final path); a killed one leaves a folder without `id`, removed here.
   * @throws {HitError} when another artifact holds the same 12-character folder.
   */
  static async begin(
    root: string,
    id: string,
    options: { staged: boolean; check?: boolean },
  ): Promise<ArtifactWrite | undefined> {
    // A check build (`hit build --check`) fills a staging folder that is never committed, and the
    // stored artifact stays as it is. Its caller holds the artifact's lock (`holdArtifactLock`)
    // from the build to the comparison: no leftover reclaim or `hit gc` touches either meanwhile.
    if (options.check) {
      return new ArtifactWrite(root, id, await makeStagingDir(root, id), { check: true });
    }
    const lock = await FileLock.acquire(artifactLockPath(root, id));
    try {
      const state = await artifactState(root, id);
      if (state === "built") {
        lock.release();
        return undefined;
      }
      const dir = artifactDir(root, id);
      if (state === "incomplete") await removeTree(dir);
      if (!options.staged) await Deno.mkdir(dir, { recursive: true });
      const outputDir = options.staged ? await makeStagingDir(root, id) : dir;
      return new ArtifactWrite(root, id, outputDir, { lock, check: false });
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /**
   * `artifact.json` of this artifact built from `spec` under `sandbox`.
   * @throws {HitError} when an import is not in the store.
   */
  describe(spec: ValueMap, sandbox: string): Promise<ArtifactJson> {
    return makeArtifactJson(this.#root, this.id, spec, sandbox);
  }

  /**
   * Writes the store's own files (`build.log.gz`, `build.json`, `artifact.json`,
   * `build-info.json`), then `id` by rename, and moves the folder into place (not for a check
   * build). Without `metadata` (a pulled artifact brings its own) only the move is done.
   */
  async commit(metadata?: StoreMetadata): Promise<void> {
    if (metadata) await writeStoreFiles(this.outputDir, this.id, metadata);
    // A check build's folder stays where it is, complete, for the comparison.
    if (this.#staged && !this.#check) await commitArtifact(this.outputDir, this.#root, this.id);
    this.#done = true;
  }

  /** Removes what was written; the store is as before `begin()`. */
  async discard(): Promise<void> {
    this.#done = true;
    await removeTree(this.outputDir);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      if (!this.#done) await this.discard();
    } finally {
      this.#lock?.release();
    }
  }
}

// The names `hit` writes into a built artifact. Whatever the build left there goes first: it ran
// sandboxed, but this runs outside as the user, and must not write through the build's symlinks.
const STORE_FILES = [BUILD_LOG, BUILD_INFO, "build.json", "artifact.json", "_id", "id"];

/** What a build writes into its artifact besides what the job made. */
export interface StoreMetadata {
  /** The build log, read through this handle (never by path). */
  log: Deno.FsFile;
  spec: ValueMap;
  artifactJson: ArtifactJson;
  /** `build-info.json`: who built it, where and when. */
  buildInfo?: ValueMap;
}

async function writeStoreFiles(dir: string, id: string, metadata: StoreMetadata): Promise<void> {
  // `build-postprocess --write-protect` may have made the folder read-only.
  const mode = (await Deno.stat(dir)).mode ?? 0o755;
  await Deno.chmod(dir, mode | 0o200);
  try {
    for (const name of STORE_FILES) await removeTree(join(dir, name));
    await writeGzippedLog(metadata.log, join(dir, BUILD_LOG));
    await writeReadOnly(join(dir, "build.json"), formatStoreJson(metadata.spec) + "\n");
    await writeReadOnly(
      join(dir, "artifact.json"),
      formatStoreJson(metadata.artifactJson as unknown as Value),
    );
    if (metadata.buildInfo) {
      await writeReadOnly(join(dir, BUILD_INFO), formatStoreJson(metadata.buildInfo) + "\n");
    }
    await Deno.writeTextFile(join(dir, "_id"), id + "\n", { createNew: true, mode: 0o644 });
    await Deno.rename(join(dir, "_id"), join(dir, "id"));
  } finally {
    await Deno.chmod(dir, mode);
  }
}

/** Writes a new read-only file; `createNew` (O_EXCL) never follows a symlink. */
export async function writeReadOnly(path: string, text: string | Uint8Array): Promise<void> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  await Deno.writeFile(path, bytes, { createNew: true, mode: 0o444 });
}

/** A fresh staging folder for artifact `id`, on the store's file system. */
export async function makeStagingDir(root: string, id: string): Promise<string> {
  const [name, hash] = splitId(id);
  const dir = join(root, ".staging");
  await Deno.mkdir(dir, { recursive: true });
  const staging = await Deno.makeTempDir({ dir, prefix: `${name}-${hash.slice(0, 12)}-` });
  // Temporary folders are private (0700); an artifact is readable by everyone, as `mkdir` makes.
  await Deno.chmod(staging, 0o755);
  return staging;
}

function splitId(id: string): [string, string] {
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1) {
    throw new HitError(`read artifact id "${id}": expected NAME/HASH`);
  }
  return [id.slice(0, slash), id.slice(slash + 1)];
}

/** Whether an artifact is in the store: committed, absent, or a folder without `id`. */
export type ArtifactState = "built" | "missing" | "incomplete";

/**
 * The state of artifact `id` in the store at `root`.
 * @throws {HitError} when another artifact holds the same 12-character folder.
 */
export async function artifactState(root: string, id: string): Promise<ArtifactState> {
  const dir = artifactDir(root, id);
  let stored: string;
  try {
    stored = (await Deno.readTextFile(join(dir, "id"))).trim();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    try {
      await Deno.lstat(dir);
      return "incomplete";
    } catch {
      return "missing";
    }
  }
  if (stored !== id) {
    throw new HitError(
      `look up "${id}": ${dir} holds "${stored}"; hashes collide in first 12 chars`,
      {
        hint: `remove the other artifact with "hit purge ${stored}"`,
      },
    );
  }
  return "built";
}

/** The `artifact.json` document (§6.2). */
export interface ArtifactJson {
  name: string;
  id: string;
  version?: string;
  dependencies: string[];
  /** Which sandbox the artifact was built under (hit's addition). */
  sandbox?: string;
  /** What that sandbox enforced: for Landlock its ABI (hit's addition). */
  sandbox_details?: Record<string, unknown>;
}

/**
 * `artifact.json` for build spec `spec` with id `id`: its imports and their dependencies.
 * @throws {HitError} when an import is not in the store.
 */
export async function makeArtifactJson(
  root: string,
  id: string,
  spec: ValueMap,
  sandbox: string,
): Promise<ArtifactJson> {
  const deps = new Set<string>();
  const build = isMap(spec.build) ? spec.build : {};
  for (const entry of Array.isArray(build.import) ? build.import : []) {
    const importId = String((entry as ValueMap).id);
    const imported = await readArtifactJson(root, importId).catch(() => {
      throw new HitError(
        `write artifact.json of "${id}": import "${importId}" is not in the store`,
      );
    });
    deps.add(importId);
    for (const dep of imported.dependencies) deps.add(dep);
  }
  const json: ArtifactJson = {
    name: String(spec.name),
    id,
    dependencies: [...deps].sort(compareCodePoints),
    sandbox,
  };
  if (typeof spec.version === "string") json.version = spec.version;
  return json;
}

/** Reads the `artifact.json` of a stored artifact. */
export async function readArtifactJson(root: string, id: string): Promise<ArtifactJson> {
  const text = await Deno.readTextFile(join(artifactDir(root, id), "artifact.json"));
  return JSON.parse(text) as ArtifactJson;
}

/**
 * Python 2's `json.dumps(indent=2, sort_keys=True)` layout (§6.2): `"key" : value`, and a
 * comma followed by a space before each newline.
 */
export function formatStoreJson(value: Value, indent = ""): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = indent + "  ";
    return `[\n${
      value.map((item) => inner + formatStoreJson(item, inner)).join(", \n")
    }\n${indent}]`;
  }
  if (isMap(value)) {
    const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort(
      compareCodePoints,
    );
    if (keys.length === 0) return "{}";
    const inner = indent + "  ";
    const members = keys.map((key) =>
      `${inner}${canonicalJson(key)} : ${formatStoreJson(value[key], inner)}`
    );
    return `{\n${members.join(", \n")}\n${indent}}`;
  }
  return canonicalJson(value);
}

/**
 * Moves a finished staging folder into its place. When another process committed the same
 * artifact first, the staging folder is removed and theirs is kept.
 */
async function commitArtifact(staging: string, root: string, id: string): Promise<void> {
  const dir = artifactDir(root, id);
  await Deno.mkdir(join(dir, ".."), { recursive: true });
  // Moving a folder to another parent rewrites its `..`, which needs write permission on it;
  // `build-postprocess --write-protect` took that away.
  const mode = (await Deno.stat(staging)).mode ?? 0o555;
  await Deno.chmod(staging, mode | 0o200);
  try {
    await Deno.rename(staging, dir);
    await Deno.chmod(dir, mode);
  } catch (error) {
    if (await artifactState(root, id) === "built") {
      await removeTree(staging);
      return;
    }
    throw error;
  }
}

/** Removes a folder tree, first making write-protected parts writable. */
export async function removeTree(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
    return;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
  }
  await makeWritable(path);
  await Deno.remove(path, { recursive: true });
}

async function makeWritable(path: string): Promise<void> {
  const info = await Deno.lstat(path);
  if (info.isSymlink) return;
  await Deno.chmod(path, (info.mode ?? 0o700) | 0o700);
  if (info.isDirectory) {
    for await (const entry of Deno.readDir(path)) await makeWritable(join(path, entry.name));
  }
}
