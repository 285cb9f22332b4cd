/**
 * The unprivileged user a root `hit` builds as: the build folder and the artifact's folder are
 * given to it while the job runs and back to `hit`'s own user before the commit, so that the
 * build, even with root's view of the host, cannot touch a root-owned, mode-guarded file.
 * Landlock has no mount namespace: where the folders a job needs cannot be reached by that
 * user (a 0700 home above the store), the build runs as root, with a warning and a record.
 * Changes the owners of files (never through a symlink).
 */
import { lchown } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { BuildUser, SandboxSetup } from "./sandbox.ts";

/** The setup of one build, and the uid it runs as for `artifact.json` (undefined: not root). */
export interface BuildUserChoice {
  setup: SandboxSetup | undefined;
  buildUid?: number;
}

/**
 * The sandbox setup for a build that needs `paths`: under Landlock, without the build user
 * when it cannot reach them (`warn` says which and why).
 */
export async function setupForBuild(
  setup: SandboxSetup | undefined,
  paths: string[],
  warn: (message: string) => void,
): Promise<BuildUserChoice> {
  const user = setup?.buildUser;
  if (setup === undefined || user === undefined || setup.kind === "none") return { setup };
  if (setup.kind === "landlock") {
    for (const path of paths) {
      const blocked = await unreachableFolder(path, user);
      if (blocked === undefined) continue;
      warn(
        `the build runs as root: uid ${user.uid} cannot enter "${blocked}", above "${path}" ` +
          `(Landlock shows host folders as they are); make it searchable (chmod o+x), or ` +
          `build with --sandbox=bwrap`,
      );
      return { setup: { ...setup, buildUser: undefined }, buildUid: 0 };
    }
  }
  return { setup, buildUid: user.uid };
}

/** The first folder above `path` that `user` may not search, if any. */
async function unreachableFolder(path: string, user: BuildUser): Promise<string | undefined> {
  const chain: string[] = [];
  for (let dir = dirname(path); dir !== "/"; dir = dirname(dir)) chain.unshift(dir);
  for (const dir of chain) {
    const info = await Deno.stat(dir);
    const mode = info.mode ?? 0;
    const search = info.uid === user.uid
      ? mode & 0o100
      : info.gid === user.gid
      ? mode & 0o010
      : mode & 0o001;
    if (search === 0) return dir;
  }
  return undefined;
}

/** Makes `user` the owner of `root` and everything below it, links themselves not followed. */
export async function giveTree(root: string, user: BuildUser): Promise<void> {
  await lchown(root, user.uid, user.gid);
  const info = await Deno.lstat(root);
  if (!info.isDirectory) return;
  for await (const entry of Deno.readDir(root)) await giveTree(join(root, entry.name), user);
}

/** `hit`'s own user: what a built artifact is given back to. */
export function hitUser(): BuildUser {
  return { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0 };
}
