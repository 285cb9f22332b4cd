/**
 * Whether a path exists, itself (a dangling symlink exists), as std's `fs/exists.ts` answers it.
 */

/** Whether `path` exists; a symlink counts whatever it points at. Other errors are thrown. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
