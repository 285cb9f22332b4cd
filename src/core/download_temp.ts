/**
 * The temp files of downloads in the source cache's `tmp/` folder: each one is created as
 * `downloading-*` and locked (flock) by the process that writes it, so that a later `hit`
 * can tell a dead download's leftover (unlocked, old) from a live one and reclaim it. The
 * kernel drops the lock when its process dies, even on `kill -9`. Touches only `tmp/`.
 */
import { join } from "node:path";

/** The name prefix of a download's temp file. */
export const DOWNLOAD_PREFIX = "downloading-";

/** The name prefix of the scratch folder a keyless download's archive is read into. */
export const CHECK_PREFIX = "checking-";

/** How old an unlocked temp file must be before `reclaimDownloads` removes it: one hour. */
export const RECLAIM_AGE_MS = 60 * 60 * 1000;

/**
 * Runs `work` on a new, locked `downloading-*` file of `tempDir`; the file is removed when
 * `work` fails (or is abandoned through `signal`), and unlocked when it returns.
 */
export async function withDownloadTemp<T>(
  tempDir: string,
  work: (temp: string) => Promise<T>,
): Promise<T> {
  const temp = await Deno.makeTempFile({ dir: tempDir, prefix: DOWNLOAD_PREFIX });
  const file = await Deno.open(temp, { read: true, write: true });
  try {
    await file.lock(true);
    return await work(temp);
  } catch (error) {
    await removeQuietly(temp);
    throw error;
  } finally {
    file.close();
  }
}

/** What `reclaimDownloads` removed. */
export interface ReclaimedDownloads {
  /** The removed files' paths. */
  files: string[];
  bytes: number;
}

/**
 * Removes the temp files of dead downloads from `cache.tempDir`: `downloading-*` files not
 * modified for `maxAgeMs` (default an hour) whose lock no process holds, and `checking-*`
 * scratch folders as old.
 */
export async function reclaimDownloads(
  cache: { tempDir: string },
  options: { now?: number; maxAgeMs?: number } = {},
): Promise<ReclaimedDownloads> {
  const now = options.now ?? Date.now();
  const maxAge = options.maxAgeMs ?? RECLAIM_AGE_MS;
  const reclaimed: ReclaimedDownloads = { files: [], bytes: 0 };
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(cache.tempDir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return reclaimed;
    throw error;
  }
  for (const entry of entries) {
    const path = join(cache.tempDir, entry.name);
    if (entry.isDirectory && entry.name.startsWith(CHECK_PREFIX)) {
      // A check lasts seconds; one this old belongs to a `hit` that was killed.
      const info = await Deno.stat(path);
      if (now - (info.mtime?.getTime() ?? now) < maxAge) continue;
      await Deno.remove(path, { recursive: true });
      reclaimed.files.push(path);
      continue;
    }
    if (!entry.isFile || !entry.name.startsWith(DOWNLOAD_PREFIX)) continue;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true, write: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    try {
      const info = await file.stat();
      if (now - (info.mtime?.getTime() ?? now) < maxAge) continue;
      // A live download holds the lock; a dead one's lock went with its process.
      if (!(await file.tryLock(true))) continue;
      await removeQuietly(path);
      reclaimed.files.push(path);
      reclaimed.bytes += info.size;
    } finally {
      file.close();
    }
  }
  return reclaimed;
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
