/**
 * Fixed modification times for unpacked sources: every file and folder of a build folder gets
 * the same mtime, so that what a build copies or archives does not carry the time it was
 * unpacked (git checkouts and bundled files would otherwise). Touches only the given folder.
 */
import { join } from "node:path";

/**
 * Sets the mtime (and atime) of everything below `dir`, and `dir` itself, to `seconds` since
 * the epoch. Symbolic links are left alone: setting their time would set their target's, which
 * may lie outside the folder.
 */
export async function fixMtimes(dir: string, seconds: number): Promise<void> {
  const time = new Date(seconds * 1000);
  const visit = async (path: string): Promise<void> => {
    const info = await Deno.lstat(path);
    if (info.isSymlink) return;
    if (info.isDirectory) {
      for (const name of await listNames(path)) await visit(join(path, name));
    }
    // A folder's own time last: creating nothing more in it, it keeps this one.
    await Deno.utime(path, time, time);
  };
  await visit(dir);
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name);
  } catch (error) {
    // A source folder without read permission: its contents keep their times.
    if (error instanceof Deno.errors.PermissionDenied) return [];
    throw error;
  }
}
