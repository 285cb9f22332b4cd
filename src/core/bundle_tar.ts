/**
 * The tar form of a mirror bundle: written with GNU `tar` from a bundle folder, and read by
 * extracting it into a temp folder first (then handled as a folder). Runs `tar`; writes only the
 * output file (through a temp file beside it) and the temp folder.
 */
import { basename, dirname, join } from "node:path";
import { runProgram } from "./run_program.ts";

/** Whether a bundle path names a tar file rather than a folder. */
export function isTarBundle(path: string): boolean {
  return path.endsWith(".tar");
}

/**
 * Runs `use` on the folder of the bundle at `path`: the folder itself, or a tar file extracted
 * into a temp folder of `options.tempParent` (default: the system's; removed afterwards).
 * @throws {HitError} when the tar file cannot be read.
 */
export async function withBundleFolder<T>(
  path: string,
  use: (dir: string) => Promise<T>,
  options: { tempParent?: string } = {},
): Promise<T> {
  const { tempParent } = options;
  if (!isTarBundle(path)) return await use(path);
  if (tempParent !== undefined) await Deno.mkdir(tempParent, { recursive: true });
  const temp = await Deno.makeTempDir({ dir: tempParent, prefix: "hit-bundle-" });
  try {
    await runTar(["-xf", path, "-C", temp, "--no-same-owner"], `read bundle "${path}"`);
    return await use(temp);
  } finally {
    await Deno.chmod(temp, 0o700).catch(() => {});
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
}

/** Writes `out`, a tar of the bundle folder `dir` (top-level names, no "./"), atomically. */
export async function writeTar(dir: string, out: string): Promise<void> {
  const names = (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort();
  const temp = join(dirname(out), `.${basename(out)}.tmp-${Deno.pid}`);
  try {
    await runTar(
      [
        "-cf",
        temp,
        "-C",
        dir,
        "--sort=name",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        ...names,
      ],
      `write bundle "${out}"`,
    );
    await Deno.rename(temp, out);
  } finally {
    await Deno.remove(temp).catch(() => {});
  }
}

async function runTar(args: string[], action: string): Promise<void> {
  await runProgram("tar", {
    args,
    action,
    env: { PATH: "/usr/local/bin:/usr/bin:/bin", LC_ALL: "C" },
    stdout: "null",
  });
}
