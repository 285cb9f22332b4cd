/**
 * `build-postprocess` (HASHDIST.md §7.4): walks an artifact bottom-up and runs the selected
 * passes, in their fixed order, on every file and then on each folder. Changes only paths below
 * the one it is given; runs `$PATCHELF` for `--relative-rpath`.
 */
import { dirname, join, posix } from "node:path";
import { HitError } from "../errors.ts";
import {
  checkRelocatablePass,
  relativePkgconfigPass,
  relativeSymlinksPass,
  removePkgconfigPass,
  writeProtectPass,
} from "./postprocess_passes.ts";
import { relativeRpathPass } from "./postprocess_rpath.ts";
import { multilineShebangPass } from "./postprocess_shebang.ts";
import { relativeShScriptPass } from "./postprocess_sh_script.ts";

/** How `--shebang` rewrites scripts. */
export type ShebangMode = "none" | "multiline" | "launcher";

/** The passes asked for on the command line (§7.4). */
export interface PostprocessFlags {
  shebang: ShebangMode;
  relativeRpath: boolean;
  /** `--relative-sh-script` patterns (Python regexes, matched at the start). */
  relativeShScript: string[];
  relativeSymlinks: boolean;
  removePkgconfig: boolean;
  relativePkgconfig: boolean;
  checkRelocatable: boolean;
  /** `--check-ignore` patterns for `--check-relocatable`. */
  checkIgnore: string[];
  writeProtect: boolean;
  /** `--pyc`: accepted, does nothing (as in the original). */
  pyc: boolean;
}

/** Flags with every pass off. */
export const NO_POSTPROCESS_FLAGS: Readonly<PostprocessFlags> = {
  shebang: "none",
  relativeRpath: false,
  relativeShScript: [],
  relativeSymlinks: false,
  removePkgconfig: false,
  relativePkgconfig: false,
  checkRelocatable: false,
  checkIgnore: [],
  writeProtect: false,
  pyc: false,
};

/** The job's side of a `build-postprocess` run. */
export interface PostprocessOptions {
  /** The job's environment: `ARTIFACT`, and `PATCHELF` for `--relative-rpath`. */
  env: Readonly<Record<string, string>>;
  /** The folder holding all artifacts; defaults to the parent of `$ARTIFACT`'s parent. */
  storeRoot?: string;
}

type Pass = (path: string) => Promise<void>;

/**
 * Runs the passes of `flags` over `path` (absolute): a file alone, or a folder tree bottom-up.
 * Symlinks to folders are neither entered nor processed. Returns warnings (absolute symlinks
 * left pointing outside the artifact) for the caller to show.
 * @throws {HitError} on a flag that is not supported, a missing `ARTIFACT`, a bad pattern, a
 * missing path, or the first pass that fails.
 */
export async function buildPostprocess(
  path: string,
  flags: PostprocessFlags,
  options: PostprocessOptions,
): Promise<string[]> {
  const warnings: string[] = [];
  const passes = selectPasses(flags, options, warnings);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new HitError(`post-process "${path}": no such file or folder`, { cause: error });
  }
  if (info.isFile) await applyPasses(path, passes);
  else if (info.isDirectory) await walkBottomUp(path, passes);
  return warnings;
}

function selectPasses(
  flags: PostprocessFlags,
  options: PostprocessOptions,
  warnings: string[],
): Pass[] {
  if (flags.shebang === "launcher") {
    throw new HitError(`post-process: "--shebang=launcher" is not supported`, {
      hint: `use "--shebang=multiline"; no package of the corpus uses the launcher technique`,
    });
  }
  const needsArtifact = flags.shebang === "multiline" || flags.relativeRpath ||
    flags.relativeShScript.length > 0 || flags.relativeSymlinks || flags.relativePkgconfig ||
    flags.checkRelocatable;
  const rawArtifact = options.env.ARTIFACT;
  if (needsArtifact && (rawArtifact === undefined || !rawArtifact.startsWith("/"))) {
    throw new HitError(
      rawArtifact === undefined
        ? "post-process: ARTIFACT is not set"
        : `post-process: ARTIFACT "${rawArtifact}" is not an absolute path`,
      { hint: "run build-postprocess inside a build job, which sets ARTIFACT" },
    );
  }
  const artifact = rawArtifact === undefined ? "" : trimSlashes(posix.normalize(rawArtifact));
  const storeRoot = options.storeRoot ?? dirname(dirname(artifact));
  const shPatterns = compilePatterns(flags.relativeShScript, "--relative-sh-script");
  const ignores = compilePatterns(flags.checkIgnore, "--check-ignore");
  const passes: Pass[] = [];
  if (flags.shebang === "multiline") passes.push((p) => multilineShebangPass(p, storeRoot));
  if (flags.relativeRpath) {
    passes.push((p) => relativeRpathPass(p, { storeRoot, env: options.env }));
  }
  if (shPatterns.length > 0) {
    passes.push((p) => relativeShScriptPass(p, { artifact, patterns: shPatterns }));
  }
  if (flags.relativeSymlinks) passes.push((p) => relativeSymlinksPass(p, { artifact, warnings }));
  if (flags.removePkgconfig) passes.push(removePkgconfigPass);
  if (flags.relativePkgconfig) passes.push((p) => relativePkgconfigPass(p, artifact));
  if (flags.checkRelocatable) passes.push((p) => checkRelocatablePass(p, { artifact, ignores }));
  if (flags.writeProtect) passes.push(writeProtectPass);
  return passes;
}

function compilePatterns(patterns: readonly string[], flag: string): RegExp[] {
  return patterns.map((pattern) => {
    try {
      return new RegExp(pattern);
    } catch (error) {
      throw new HitError(`post-process: bad ${flag} pattern "${pattern}"`, {
        hint: error instanceof Error ? error.message : undefined,
      });
    }
  });
}

// The order of Python's os.walk(topdown=False): a folder is listed, its real subfolders are
// walked, then its other entries are processed, then the folder itself.
async function walkBottomUp(dir: string, passes: readonly Pass[]): Promise<void> {
  const entries: Deno.DirEntry[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
  } catch (error) {
    throw new HitError(`post-process: cannot list "${dir}"`, {
      hint: error instanceof Error ? error.message : undefined,
    });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) await walkBottomUp(path, passes);
    else if (!entry.isSymlink || !(await isDirectory(path))) files.push(path);
  }
  for (const file of files) await applyPasses(file, passes);
  await applyPasses(dir, passes);
}

// A pass that removes the path (or leaves a dangling symlink) ends the passes for it.
async function applyPasses(path: string, passes: readonly Pass[]): Promise<void> {
  for (const pass of passes) {
    try {
      await pass(path);
    } catch (error) {
      // Every pass names the path in its own errors.
      if (error instanceof HitError) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new HitError(`post-process "${path}": ${detail}`, { cause: error });
    }
    if (!(await exists(path))) return;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function trimSlashes(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}
