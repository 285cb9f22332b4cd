/**
 * Profile symlinks and gc roots (HASHDIST.md §6.4, §6.5): the user's link to a profile
 * artifact, and the entry in `gc_roots` that keeps it alive. Both are replaced atomically;
 * `hit rm`, `cp` and `mv` keep them in step. Touches only links and the `gc_roots` folder.
 */
import { basename, dirname, join, resolve } from "node:path";
import { Buffer } from "node:buffer";
import { HitError } from "../errors.ts";
import { parseArtifactJson } from "./stored_artifacts.ts";

/**
 * The gc-root name of a link at absolute path `path`: `_` and the URL-safe base64 of the path,
 * without padding (D-5; the original's standard alphabet could put `/` in a name).
 */
export function gcRootName(path: string): string {
  return "_" + Buffer.from(path, "utf8").toString("base64url");
}

/** Creates or replaces the symlink `link` → `target` atomically (temp link, then rename). */
export async function replaceSymlink(target: string, link: string): Promise<void> {
  for (let i = 0;; i++) {
    const temp = `${link}-${i}`;
    try {
      await Deno.symlink(target, temp);
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) continue;
      throw error;
    }
    try {
      await Deno.rename(temp, link);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
    return;
  }
}

/**
 * Points the profile link `link` at `artifact` and registers the link as a gc root.
 * Returns the absolute path of the link.
 */
export async function linkProfile(
  artifact: string,
  link: string,
  gcRoots: string,
): Promise<string> {
  const absolute = await absoluteLinkPath(link);
  let existing: Deno.FileInfo | undefined;
  try {
    existing = await Deno.lstat(absolute);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  // Only a symlink is replaced: a folder or file of the user's at that name is never touched.
  if (existing !== undefined && !existing.isSymlink) {
    throw new HitError(`link profile: "${absolute}" exists and is not a symlink`, {
      hint: 'remove it, or name the link another way with "-o NAME"',
    });
  }
  await replaceSymlink(artifact, absolute);
  await Deno.mkdir(gcRoots, { recursive: true });
  await replaceSymlink(absolute, join(gcRoots, gcRootName(absolute)));
  return absolute;
}

/**
 * The absolute path of `link` as gc roots name it: its folder with symlinks resolved, but not
 * the link itself (§6.4).
 */
export async function absoluteLinkPath(link: string): Promise<string> {
  return join(await Deno.realPath(dirname(resolve(link))), basename(link));
}

/**
 * The names a gc root of the link at absolute path `path` may have: hit's (D-5), then the
 * original's standard base64 with `=` turned into `-`, so that `hit rm` also removes roots the
 * original made.
 */
function gcRootNames(path: string): string[] {
  const original = "_" + Buffer.from(path, "utf8").toString("base64").replaceAll("=", "-");
  return original.includes("/") ? [gcRootName(path)] : [gcRootName(path), original];
}

/** One entry of `gc_roots`: a live root, a stale one, or a file that is no root at all. */
export type GcRoot =
  | { entry: string; state: "live"; link: string; artifact: RootArtifact }
  | { entry: string; state: "stale"; link: string }
  | { entry: string; state: "other" };

/** The artifact a live gc root leads to. */
export interface RootArtifact {
  id: string;
  /** Its folder, symlinks resolved. */
  dir: string;
  /** Its `artifact.json` `dependencies`. */
  dependencies: string[];
}

/**
 * Reads every entry of `gc_roots`, sorted by name.
 * @throws {HitError} when a root leads to an `artifact.json` that is not valid.
 */
export async function readGcRoots(gcRoots: string): Promise<GcRoot[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(gcRoots)) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const roots: GcRoot[] = [];
  for (const name of names.sort()) {
    const root = await readGcRoot(join(gcRoots, name));
    if (root !== undefined) roots.push(root);
  }
  return roots;
}

/**
 * Reads the gc root `entry`: the link it points to and, following symlinks through that link,
 * `<entry>/artifact.json` (§6.5). A root whose `artifact.json` cannot be reached is stale.
 * Returns undefined when `entry` is gone.
 * @throws {HitError} when the root leads to an `artifact.json` that is not valid.
 */
export async function readGcRoot(entry: string): Promise<GcRoot | undefined> {
  let link: string;
  try {
    link = await Deno.readLink(entry);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    // readlink(2) gives EINVAL for anything but a symlink.
    if ((error as { code?: string }).code === "EINVAL") return { entry, state: "other" };
    throw error;
  }
  let text: string;
  let dir: string;
  try {
    text = await Deno.readTextFile(join(entry, "artifact.json"));
    dir = await Deno.realPath(entry);
  } catch (error) {
    if (isBrokenPath(error)) return { entry, state: "stale", link };
    throw error;
  }
  const json = parseArtifactJson(text);
  if (json === undefined) {
    throw new HitError(
      `read gc root "${entry}": "${join(dir, "artifact.json")}" is not an artifact's`,
      { hint: `point the link "${link}" at a profile artifact, or remove it with "hit rm"` },
    );
  }
  return { entry, state: "live", link, artifact: { ...json, dir } };
}

/** Whether `error` means a path leads nowhere: missing, through a file, or a symlink loop. */
function isBrokenPath(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory ||
    error instanceof Deno.errors.FilesystemLoop;
}

/**
 * Creates the profile link `link` → the artifact that `source` leads to, and its gc root
 * (`hit cp`). Returns the absolute paths of the new link and its artifact.
 * @throws {HitError} when `link` exists or `source` does not lead to an artifact (no `id`).
 */
export async function copyProfileLink(
  source: string,
  link: string,
  gcRoots: string,
): Promise<{ link: string; artifact: string }> {
  const artifact = await artifactOfLink(source, `copy profile link "${source}"`);
  const absolute = await absoluteLinkPath(link).catch((error) => {
    if (!isBrokenPath(error)) throw error;
    throw new HitError(`copy profile link "${source}" to "${link}": no folder "${dirname(link)}"`);
  });
  try {
    // symlink(2) refuses an existing path, so two copies racing for one name cannot both win.
    await Deno.symlink(artifact, absolute);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    throw new HitError(`copy profile link "${source}" to "${link}": "${link}" already exists`, {
      hint: `remove it first ("hit rm ${link}" for a profile link), or choose another name`,
    });
  }
  await Deno.mkdir(gcRoots, { recursive: true });
  await replaceSymlink(absolute, join(gcRoots, gcRootName(absolute)));
  return { link: absolute, artifact };
}

/**
 * Removes the profile link `link` and its gc root (`hit rm`); the link goes first, so a crash
 * in between leaves a stale root for `hit gc`, not a link whose artifact may be collected.
 * Returns the removed gc-root entries.
 * @throws {HitError} when `link` is missing, not a symlink, or not a profile link (no gc root
 * and not leading to an artifact).
 */
export async function removeProfileLink(link: string, gcRoots: string): Promise<string[]> {
  const action = `remove profile link "${link}"`;
  const absolute = await checkSymlink(link, action);
  const entries = await gcRootsOf(absolute, gcRoots);
  if (entries.length === 0) {
    await artifactOfLink(link, action).catch((error) => {
      if (!(error instanceof HitError)) throw error;
      throw new HitError(`${action}: not a profile link: no gc root leads to it`, {
        hint: "hit rm removes links made by hit build; remove other links with rm(1)",
      });
    });
  }
  await Deno.remove(absolute);
  for (const entry of entries) await Deno.remove(entry).catch(ignoreNotFound);
  return entries;
}

/**
 * Moves the profile link `source` to `link` (`hit mv`): a copy with its gc root first, then
 * the removal of `source`, so that the artifact has a root at every moment.
 * @throws {HitError} as `copyProfileLink`, and when `source` is not a symlink.
 */
export async function moveProfileLink(
  source: string,
  link: string,
  gcRoots: string,
): Promise<{ link: string; artifact: string }> {
  await checkSymlink(source, `move profile link "${source}"`);
  const copied = await copyProfileLink(source, link, gcRoots);
  await removeProfileLink(source, gcRoots);
  return copied;
}

/** The absolute path of `link`, which must be a symlink. */
async function checkSymlink(link: string, action: string): Promise<string> {
  const absolute = await absoluteLinkPath(link).catch((error) => {
    if (!isBrokenPath(error)) throw error;
    throw new HitError(`${action}: no such link`);
  });
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(absolute);
  } catch (error) {
    if (!isBrokenPath(error)) throw error;
    throw new HitError(`${action}: no such link`);
  }
  if (!info.isSymlink) {
    throw new HitError(`${action}: not a symlink`, {
      hint: "profile links are the symlinks hit build makes, such as ./default",
    });
  }
  return absolute;
}

/** The existing gc-root entries of the link at absolute path `absolute`. */
async function gcRootsOf(absolute: string, gcRoots: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of gcRootNames(absolute)) {
    const entry = join(gcRoots, name);
    try {
      if (await Deno.readLink(entry) === absolute) found.push(entry);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return found;
}

/** The artifact folder `link` leads to: it must hold an `id` file with an artifact id (§6.5). */
async function artifactOfLink(link: string, action: string): Promise<string> {
  const idFile = join(link, "id");
  try {
    // `/usr/bin` has an `id` too: the file must also hold an artifact id.
    const info = await Deno.stat(idFile);
    if (info.isFile && info.size < 1024) {
      if (ARTIFACT_ID.test((await Deno.readTextFile(idFile)).trim())) {
        return await Deno.realPath(link);
      }
    }
  } catch (error) {
    if (!isBrokenPath(error)) throw error;
  }
  throw new HitError(`${action}: it does not lead to an artifact: no artifact id in "${idFile}"`, {
    hint: "give a profile link made by hit build, such as ./default",
  });
}

const ARTIFACT_ID = /^[A-Za-z0-9_+.-]+\/[a-z2-7]+$/;

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}
