/**
 * The build store (HASHDIST.md §6.2): one folder per artifact, `<root>/<name>/<hash[0:12]>/`,
 * whose `id` file is the commit marker. Artifacts are built in a staging folder beside it and
 * renamed into place whole, so a store never holds a half-written artifact.
 */
import { join } from "../posix_path.ts";
import { HitError } from "../errors.ts";
import { canonicalJson } from "../spec/canonical_json.ts";
import { compareCodePoints, isMap, type Value, type ValueMap } from "../spec/values.ts";

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
export async function commitArtifact(staging: string, root: string, id: string): Promise<void> {
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
