/**
 * The `--relative-rpath` pass of `build-postprocess` (HASHDIST.md §7.5), Linux only: the
 * RPATH entries of an ELF file that point into the build store become `${ORIGIN}`-relative.
 * Runs `$PATCHELF` on the one file it is given; does nothing on other systems.
 */
import { dirname } from "node:path";
import { HitError } from "../errors.ts";
import { relativePath } from "./link_actions.ts";
import { runProgram } from "./run_program.ts";
import { isUnder, realPathLoose } from "./postprocess_passes.ts";

/** What the pass needs besides the file: the build store and the job's environment. */
export interface RpathOptions {
  /** The folder holding every artifact (`<store>/<name>/<hash>`). */
  storeRoot: string;
  /** The job's environment: `PATCHELF` names the program, and it runs with exactly this. */
  env: Readonly<Record<string, string>>;
}

/**
 * `--relative-rpath`: shrinks the RPATH of an executable ELF file, then rewrites each absolute
 * entry inside the store to `${ORIGIN}/` + its path relative to the file's real folder. Other
 * entries (`/usr/lib`, `$ORIGIN/…`) are kept (Q21 fixed: the original rewrote them all).
 * @throws {HitError} when PATCHELF is not set or a patchelf run fails.
 */
export async function relativeRpathPass(path: string, options: RpathOptions): Promise<void> {
  if (Deno.build.os !== "linux") return;
  const info = await Deno.lstat(path);
  if (!info.isFile || (info.mode! & 0o111) === 0 || !(await isElf(path))) return;
  const patchelf = options.env.PATCHELF;
  if (patchelf === undefined || patchelf === "") {
    throw new HitError(`make the RPATH of "${path}" relative: PATCHELF is not set`, {
      hint: "relocatable Linux packages need patchelf as a build dependency, which sets PATCHELF",
    });
  }
  await runTool(patchelf, ["--shrink-rpath", path], options.env);
  const rpath = (await runTool(patchelf, ["--print-rpath", path], options.env)).trim();
  if (rpath === "") return;
  const fileDir = dirname(await realPathLoose(path));
  const realRoot = await realPathLoose(options.storeRoot);
  let changed = false;
  const entries: string[] = [];
  for (const entry of rpath.split(":")) {
    const real = entry.startsWith("/") ? await realPathLoose(entry) : "";
    if (real !== "" && isUnder(real, realRoot) && real !== realRoot) {
      entries.push("${ORIGIN}/" + relativePath(fileDir, real));
      changed = true;
    } else {
      entries.push(entry);
    }
  }
  if (changed) await runTool(patchelf, ["--set-rpath", entries.join(":"), path], options.env);
}

async function isElf(path: string): Promise<boolean> {
  using file = await Deno.open(path);
  const head = new Uint8Array(4);
  const read = await file.read(head);
  return read === 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c &&
    head[3] === 0x46;
}

async function runTool(
  program: string,
  args: string[],
  env: Readonly<Record<string, string>>,
): Promise<string> {
  return (await runProgram(program, { args, env })).stdout;
}
