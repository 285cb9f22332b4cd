/**
 * The file operations behind link actions (HASHDIST.md §7.3): directories, unlinks, symlinks
 * that lose quietly to an existing path, copies and launchers. Each touches only the paths it
 * is given.
 */
import { Buffer } from "node:buffer";
import { basename, dirname, posix } from "node:path";
import { HitError } from "../errors.ts";

/** Makes `path` and its parents; an existing folder, or a symlink to one, is fine. */
export async function makeDirectories(path: string): Promise<void> {
  try {
    await Deno.mkdir(path, { recursive: true });
  } catch (error) {
    if (!(await statOrNull(path))?.isDirectory) throw error;
  }
}

/** Removes the file or symlink at `path` if there is one; a folder is an error. */
export async function unlinkIfPresent(path: string): Promise<void> {
  const info = await lstatOrNull(path);
  if (info === null) return;
  if (info.isDirectory) throw new Error(`"${path}" is a directory`);
  await Deno.remove(path);
}

/**
 * Creates the symlink `dest` with `text`; a failure is ignored when `dest` exists (following
 * links), so the first rule to claim a path wins.
 */
export async function symlinkUnlessPresent(text: string, dest: string): Promise<void> {
  try {
    await Deno.symlink(text, dest);
  } catch (error) {
    // A dangling symlink at dest does not exist, so it stays an error.
    if ((await statOrNull(dest)) === null) throw error;
  }
}

/**
 * Copies `source` (a folder recursively, a file with its mode, following symlinks) to `dest`,
 * overwriting a regular file; a failure is ignored only when `dest` has the same contents.
 */
export async function copyUnlessEqual(source: string, dest: string): Promise<void> {
  try {
    if ((await statOrNull(source))?.isDirectory) {
      await copyTree(source, dest);
    } else {
      const into = (await statOrNull(dest))?.isDirectory ? `${dest}/${basename(source)}` : dest;
      await copyFileWithMode(source, into);
    }
  } catch (error) {
    if (!(await sameContents(source, dest))) throw error;
  }
}

async function copyTree(source: string, dest: string): Promise<void> {
  await Deno.mkdir(dest);
  const entries: string[] = [];
  for await (const entry of Deno.readDir(source)) entries.push(entry.name);
  for (const name of entries.sort()) {
    const from = `${source}/${name}`;
    const to = `${dest}/${name}`;
    if ((await Deno.stat(from)).isDirectory) await copyTree(from, to);
    else await copyFileWithMode(from, to);
  }
  await Deno.chmod(dest, (await Deno.stat(source)).mode! & 0o7777);
}

async function copyFileWithMode(source: string, dest: string): Promise<void> {
  const [from, to] = await Promise.all([Deno.stat(source), statOrNull(dest)]);
  // Copying a file onto itself (through a link) would truncate it: shutil.copy refuses too.
  if (to !== null && to.dev === from.dev && to.ino === from.ino) {
    throw new Error(`"${dest}" is the same file as "${source}"`);
  }
  await Deno.copyFile(source, dest);
  await Deno.chmod(dest, (await Deno.stat(source)).mode! & 0o7777);
}

async function sameContents(a: string, b: string): Promise<boolean> {
  try {
    const [left, right] = await Promise.all([Deno.readFile(a), Deno.readFile(b)]);
    return Buffer.from(left).equals(right);
  } catch {
    return false;
  }
}

// A symlink source is copied as a link with the same text; a binary (executable, no `#!`)
// goes through a copy of the launcher program; anything else gets a relative symlink.
/**
 * The `launcher` action.
 * @throws {HitError} for a binary when `launcher` is unset or missing.
 */
export async function makeLauncher(source: string, dest: string, launcher?: string): Promise<void> {
  const destDir = dirname(dest);
  const info = await Deno.lstat(source);
  if (info.isSymlink) {
    await Deno.symlink(await Deno.readLink(source), dest);
    return;
  }
  if ((info.mode! & 0o111) !== 0 && !(await startsWithShebang(source))) {
    if (launcher === undefined || (await statOrNull(launcher)) === null) {
      throw new HitError(
        launcher === undefined
          ? `create launcher for "${source}": LAUNCHER is not set`
          : `create launcher for "${source}": the launcher program "${launcher}" does not exist`,
        { hint: "add the launcher package as a build dependency; it sets LAUNCHER" },
      );
    }
    const copy = `${destDir}/launcher`;
    if ((await statOrNull(copy)) === null) await copyFileWithMode(launcher, copy);
    await Deno.writeTextFile(`${dest}.link`, relativePath(destDir, source));
    await Deno.symlink("launcher", dest);
    return;
  }
  await Deno.symlink(relativePath(destDir, source), dest);
}

async function startsWithShebang(path: string): Promise<boolean> {
  using file = await Deno.open(path);
  const head = new Uint8Array(2);
  const read = await file.read(head);
  return read === 2 && head[0] === 0x23 && head[1] === 0x21;
}

/** The relative path from directory `from` to `to`, both absolute, computed lexically. */
export function relativePath(from: string, to: string): string {
  return posix.relative(from, to) || ".";
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch {
    return null;
  }
}

async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch {
    return null;
  }
}
