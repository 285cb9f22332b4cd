/**
 * One download of a URL at a time: `hit fetch URL` takes a lock per URL in the source
 * cache's `locks/` folder, and the fetch holding it notes, in the lock file, the key it
 * stored and when. A fetch of the same URL that waited for the lock finds that note written
 * after it started waiting, and takes the cached file instead of downloading it again; a
 * later fetch (a note older than its start) downloads anew, since a keyless URL's bytes may
 * change. The kernel drops the lock when its process dies, even on `kill -9`.
 */
import { join } from "node:path";
import { b32, sha256 } from "../spec/hash_document.ts";
import { FileLock } from "./locks.ts";

/** What a fetch of a URL stored: its key and the URL the bytes came from. */
export interface UrlFetchNote {
  key: string;
  finalUrl: string;
}

/** The lock file of `url` in the cache's `lockDir`. */
export function urlLockPath(lockDir: string, url: string): string {
  return join(lockDir, `url-${b32(sha256(url))}.lock`);
}

/**
 * Runs `fetch` for `url` while holding its lock, unless a fetch of `url` that held the lock
 * while this one waited stored something `reuse` accepts (given its note); `fetch`'s result is
 * noted for the fetches waiting now.
 */
export async function fetchUrlOnce<T extends UrlFetchNote>(
  lockDir: string,
  url: string,
  reuse: (note: UrlFetchNote) => Promise<T | undefined>,
  fetch: () => Promise<T>,
): Promise<T> {
  const since = Date.now();
  const path = urlLockPath(lockDir, url);
  using _lock = await FileLock.acquire(path);
  const note = await readNote(path);
  if (note !== undefined && note.at >= since) {
    const reused = await reuse({ key: note.key, finalUrl: note.finalUrl });
    if (reused !== undefined) return reused;
  }
  const result = await fetch();
  const written: Note = { at: Date.now(), key: result.key, finalUrl: result.finalUrl };
  await Deno.writeTextFile(path, JSON.stringify(written));
  return result;
}

interface Note extends UrlFetchNote {
  /** When the fetch ended (ms since the epoch). */
  at: number;
}

async function readNote(path: string): Promise<Note | undefined> {
  const text = await Deno.readTextFile(path);
  if (text === "") return undefined;
  try {
    const note = JSON.parse(text);
    const valid = typeof note?.at === "number" && typeof note.key === "string" &&
      typeof note.finalUrl === "string";
    return valid ? note : undefined;
  } catch {
    // A note cut short by a kill between truncate and write: as if there were none.
    return undefined;
  }
}
