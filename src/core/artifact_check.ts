/**
 * The check of a built artifact before it enters the store: no device files (refused: a build
 * has no business making them, and one in the store would open a device to whoever can read
 * it), and no setuid or setgid bits on files (taken off, each file named in a warning: a
 * setuid-root program in the store would be a way to root for every user). Reads the folder
 * without following symlinks; changes only the mode of files that carried those bits.
 */
import { join } from "node:path";
import { HitError } from "../errors.ts";

const SETUID_SETGID = 0o6000;

/**
 * Checks the built folder `dir`; `onStripped` hears of each file whose setuid/setgid bits were
 * taken off (its path relative to `dir`).
 * @throws {HitError} naming the device files, FIFOs and sockets, when there are any.
 */
export async function checkArtifactFiles(
  dir: string,
  options: { onStripped?: (message: string) => void } = {},
): Promise<void> {
  const special: string[] = [];
  async function walk(folder: string, prefix: string): Promise<void> {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      const rel = prefix + entry.name;
      const info = await Deno.lstat(path);
      if (info.isSymlink) continue;
      if (info.isDirectory) {
        await walk(path, rel + "/");
      } else if (info.isFile) {
        const mode = info.mode ?? 0;
        if ((mode & SETUID_SETGID) === 0) continue;
        await Deno.chmod(path, mode & 0o1777);
        const bits = (mode & 0o4000 ? ["setuid"] : []).concat(mode & 0o2000 ? ["setgid"] : []);
        options.onStripped?.(`"${rel}": took off its ${bits.join(" and ")} bit`);
      } else {
        special.push(rel);
      }
    }
  }
  await walk(dir, "");
  if (special.length > 0) {
    throw new HitError(
      `check the built artifact: device files, FIFOs or sockets are not allowed in the store: ${
        special.map((path) => `"${path}"`).join(", ")
      }`,
      { hint: "change the build to not leave them in $ARTIFACT" },
    );
  }
}
