/**
 * Profile symlinks and gc roots (HASHDIST.md §6.4): the user's link to a profile artifact, and
 * the entry in `gc_roots` that keeps it alive. Both are replaced atomically.
 */
import { basename, dirname, join, resolve } from "node:path";
import { Buffer } from "node:buffer";

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
  // The link's folder with its symlinks resolved, but not the link itself (§6.4).
  const absolute = join(await Deno.realPath(dirname(resolve(link))), basename(link));
  await replaceSymlink(artifact, absolute);
  await Deno.mkdir(gcRoots, { recursive: true });
  await replaceSymlink(absolute, join(gcRoots, gcRootName(absolute)));
  return absolute;
}
