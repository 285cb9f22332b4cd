/**
 * Advisory file locks (flock) that serialise work on one artifact or one source key across
 * `hit` processes. The kernel drops a lock when its process dies, even on `kill -9`.
 */
import { dirname } from "node:path";

/** Options of `FileLock.acquire`. */
export interface FileLockOptions {
  /** Take a shared (read) lock: any number of holders, but none while an exclusive one holds. */
  shared?: boolean;
}

/** An exclusive or shared lock on a lock file, held until released or disposed. */
export class FileLock {
  #file: Deno.FsFile | undefined;

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Waits for and takes the lock on `path` (exclusive by default), creating the file if needed. */
  static async acquire(path: string, options: FileLockOptions = {}): Promise<FileLock> {
    await Deno.mkdir(dirname(path), { recursive: true });
    const file = await Deno.open(path, { read: true, write: true, create: true });
    try {
      await file.lock(!options.shared);
    } catch (error) {
      file.close();
      throw error;
    }
    return new FileLock(file);
  }

  /**
   * Takes the lock on `path` (exclusive by default) if no other process holds it; null when
   * one does. Creates the file if needed.
   */
  static async tryAcquire(path: string, options: FileLockOptions = {}): Promise<FileLock | null> {
    await Deno.mkdir(dirname(path), { recursive: true });
    const file = await Deno.open(path, { read: true, write: true, create: true });
    try {
      if (await file.tryLock(!options.shared)) return new FileLock(file);
    } catch (error) {
      file.close();
      throw error;
    }
    file.close();
    return null;
  }

  /** Releases the lock; safe to call twice. */
  release(): void {
    const file = this.#file;
    this.#file = undefined;
    if (file) {
      try {
        file.unlockSync();
      } finally {
        file.close();
      }
    }
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

/** Runs `work` while holding the lock on `path`. */
export async function withLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  using _lock = await FileLock.acquire(path);
  return await work();
}
