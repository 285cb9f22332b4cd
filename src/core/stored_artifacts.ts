/**
 * The artifact folders of a build store as gc and purge see them (HASHDIST.md §6.2, §6.5):
 * every `<store>/<name>/<short>/` with its `id` (if committed), its disk usage, and removal
 * under the artifact's lock. Touches only artifact folders; never `.locks` or `.staging`.
 */
import { join } from "node:path";
import { artifactLockPath, removeTree } from "./build_store.ts";
import { FileLock } from "./locks.ts";

/** One folder `<store>/<name>/<short>/`. */
export interface StoredArtifact {
  name: string;
  short: string;
  dir: string;
  /** The content of its `id` file; undefined for a folder without one (Q16). */
  id?: string;
}

/** `name/short`, the folder of a stored artifact relative to the store. */
export function folderKey(artifact: StoredArtifact): string {
  return `${artifact.name}/${artifact.short}`;
}

/** Lists every artifact folder `<store>/<name>/<short>/` with its `id`, sorted by path. */
export async function listStoredArtifacts(store: string): Promise<StoredArtifact[]> {
  const found: StoredArtifact[] = [];
  for (const name of await listNames(store)) {
    // `.locks`, `.staging` and any other dot-folder are the store's own bookkeeping.
    if (name.startsWith(".")) continue;
    const nameDir = join(store, name);
    if (!(await Deno.lstat(nameDir)).isDirectory) continue;
    for (const short of await listNames(nameDir)) {
      const dir = join(nameDir, short);
      if (!(await Deno.lstat(dir)).isDirectory) continue;
      found.push({ name, short, dir, id: await readIdFile(dir) });
    }
  }
  return found;
}

/** The committed id of the artifact folder `dir`, or undefined when it has no `id` file. */
export async function readIdFile(dir: string): Promise<string | undefined> {
  try {
    return (await Deno.readTextFile(join(dir, "id"))).trim();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

/** The `id` and `dependencies` of `artifact.json` text, or undefined when it is not one. */
export function parseArtifactJson(
  text: string,
): { id: string; dependencies: string[] } | undefined {
  try {
    const json = JSON.parse(text);
    if (typeof json?.id !== "string" || !Array.isArray(json.dependencies)) return undefined;
    if (!json.dependencies.every((dep: unknown) => typeof dep === "string")) return undefined;
    return { id: json.id, dependencies: json.dependencies };
  } catch {
    return undefined;
  }
}

/**
 * Removes a stored artifact under its lock: re-checks that its `id` is still the one planned
 * (undefined for a folder without one), makes it writable, deletes `id` first so that a crash
 * half-way leaves an incomplete folder rather than a broken artifact, then the tree. Returns
 * false when the folder changed or vanished meanwhile.
 */
export async function removeArtifact(store: string, artifact: StoredArtifact): Promise<boolean> {
  using _lock = await FileLock.acquire(artifactLockPath(store, folderKey(artifact)));
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(artifact.dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  if (!info.isDirectory || await readIdFile(artifact.dir) !== artifact.id) return false;
  await Deno.chmod(artifact.dir, (info.mode ?? 0o755) | 0o700);
  if (artifact.id !== undefined) await Deno.remove(join(artifact.dir, "id"));
  await removeTree(artifact.dir);
  return true;
}

/** The disk space under `path` (allocated blocks; hard links counted once). */
export async function diskUsage(path: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const visit = async (current: string): Promise<void> => {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(current);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    if ((info.nlink ?? 1) > 1 && !info.isDirectory) {
      const key = `${info.dev}:${info.ino}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    total += info.blocks !== null && info.blocks !== undefined ? info.blocks * 512 : info.size;
    if (info.isDirectory) {
      for await (const entry of Deno.readDir(current)) await visit(join(current, entry.name));
    }
  };
  await visit(path);
  return total;
}
