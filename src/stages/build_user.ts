/**
 * The unprivileged user a root `hit` builds as: the build folder and the artifact's folder are
 * given to it while the job runs and back to `hit`'s own user before the commit, so that the
 * build, even with root's view of the host, cannot touch a root-owned, mode-guarded file.
 * Where what a job needs cannot be reached by that user (Landlock has no mount namespace: a
 * 0700 home above the store; a 0700 `hit` runtime folder under either sandbox), the build runs
 * as root, with a warning and a record.
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
 * The sandbox setup for a build: without the build user when it cannot reach the folders it
 * will be `given` or the paths it is `shown` (`warn` says which and why).
 */
export async function setupForBuild(
  setup: SandboxSetup | undefined,
  paths: { given: string[]; shown: string[] },
  warn: (message: string) => void,
): Promise<BuildUserChoice> {
  const user = setup?.buildUser;
  if (setup === undefined || user === undefined || setup.kind === "none") return { setup };
  // Landlock shows host folders as they are; bwrap makes the folders above what it binds.
  const above = setup.kind === "landlock";
  const checks = [
    ...paths.given.map((path) => ({ path, self: false })),
    ...paths.shown.map((path) => ({ path, self: true })),
  ];
  for (const { path, self } of checks) {
    const blocked = await unreachable(path, user, { above, self });
    if (blocked === undefined) continue;
    warn(
      `the build runs as root: uid ${user.uid} cannot enter "${blocked}", which it needs for ` +
        `"${path}"; make it readable and searchable for others (chmod o+rx)` +
        (above ? ", or build with --sandbox=bwrap" : ""),
    );
    return { setup: { ...setup, buildUser: undefined }, buildUid: 0 };
  }
  return { setup, buildUid: user.uid };
}

/**
 * The first of `path` (with `self`) and the folders above it (with `above`) that `user` may not
 * enter or read, if any.
 */
async function unreachable(
  path: string,
  user: BuildUser,
  options: { above: boolean; self: boolean },
): Promise<string | undefined> {
  const chain = options.self ? [path] : [];
  if (options.above) {
    for (let dir = dirname(path); dir !== "/"; dir = dirname(dir)) chain.unshift(dir);
  }
  for (const entry of chain) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(entry);
    } catch {
      continue; // Not there: nothing to show.
    }
    const mode = info.mode ?? 0;
    const bits = info.uid === user.uid
      ? (mode >> 6) & 0o7
      : info.gid === user.gid
      ? (mode >> 3) & 0o7
      : mode & 0o7;
    const needed = info.isDirectory ? 0o1 : 0o4;
    if ((bits & needed) === 0) return entry;
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

/**
 * Gives `root` and everything below it back to `hit`'s own user, readable by everyone where its
 * owner may read it: the next build, as the build user, reads it as a dependency (a spec's
 * `files:` are unpacked 0600, and `cp` keeps that).
 */
export async function giveBack(root: string): Promise<void> {
  await lchown(root, Deno.uid() ?? 0, Deno.gid() ?? 0);
  const info = await Deno.lstat(root);
  if (info.isSymlink) return;
  const mode = info.mode! & 0o7777;
  const owner = mode & 0o500;
  const shared = mode | (owner >> 3) | (owner >> 6);
  if (shared !== mode) await Deno.chmod(root, shared);
  if (!info.isDirectory) return;
  for await (const entry of Deno.readDir(root)) await giveBack(join(root, entry.name));
}

/** `hit`'s own user: what its own files (the log) stay owned by. */
export function hitUser(): BuildUser {
  return { uid: Deno.uid() ?? 0, gid: Deno.gid() ?? 0 };
}
