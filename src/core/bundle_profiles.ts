/**
 * The profile and spec files a mirror bundle carries: which files resolving a profile used (a
 * recording `SpecFiles`), their copy under the bundle's `profiles/` keeping their layout
 * relative to one another, and the check that the copy alone resolves to the same artifact
 * ids. Reads spec files; writes only under the bundle folder it is given.
 */
import { dirname, join, relative, resolve, sep } from "node:path";
import { HitError } from "../errors.ts";
import { resolveProfile } from "../spec/resolve.ts";
import { createSpecFiles, type SpecFiles } from "../spec/spec_files.ts";
import { hashFile, type MirrorFile, type MirrorProfile } from "./mirror_manifest.ts";

/** The folder of a bundle that holds its profile and spec files. */
export const PROFILES_DIR = "profiles";

/** A `SpecFiles` that remembers every file it read or found. */
export interface RecordingSpecFiles {
  files: SpecFiles;
  /** Absolute paths of every file read, and of every path found to be a file, sorted. */
  used(): string[];
}

/** Wraps `base` (default: the real file system) to record the files a resolve uses. */
export function recordSpecFiles(base: SpecFiles = createSpecFiles()): RecordingSpecFiles {
  const used = new Set<string>();
  const files: SpecFiles = {
    readText(path) {
      const text = base.readText(path);
      used.add(resolve(path));
      return text;
    },
    readBytes(path) {
      const bytes = base.readBytes(path);
      used.add(resolve(path));
      return bytes;
    },
    // A candidate file that was found but not read can still decide a lookup: keep it too.
    isFile(path) {
      const found = base.isFile(path);
      if (found) used.add(resolve(path));
      return found;
    },
    isDir: (path) => base.isDir(path),
    listDir: (path) => base.listDir(path),
    realPath: (path) => base.realPath?.(path),
  };
  return { files, used: () => [...used].sort() };
}

/** The longest folder that holds every one of `paths` (absolute). */
export function commonFolder(paths: readonly string[]): string {
  if (paths.length === 0) return sep;
  let common = dirname(paths[0]).split(sep);
  for (const path of paths.slice(1)) {
    const parts = dirname(path).split(sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(sep) || sep;
}

/**
 * Copies `files` (absolute) into `bundleDir/profiles/`, each at its path relative to their
 * common folder, and returns where each went (bundle paths) with its size and hash.
 */
export async function copySpecFiles(
  files: readonly string[],
  bundleDir: string,
): Promise<{ placed: Map<string, string>; files: MirrorFile[] }> {
  const root = commonFolder(files);
  const placed = new Map<string, string>();
  const copied: MirrorFile[] = [];
  for (const file of files) {
    const inside = [PROFILES_DIR, ...relative(root, file).split(sep)].join("/");
    const target = join(bundleDir, inside);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.copyFile(file, target);
    placed.set(file, inside);
    copied.push({ path: inside, ...await hashFile(target) });
  }
  return { placed, files: copied };
}

/**
 * Resolves each profile of a bundle from its copy, seeing nothing outside `profiles/`, and
 * checks that it has the artifact id it had when exported.
 * @throws {HitError} naming the profile and the outside files it wanted, when it does not.
 */
export function checkBundledProfiles(bundleDir: string, profiles: readonly MirrorProfile[]) {
  const root = join(bundleDir, PROFILES_DIR);
  const outside = new Set<string>();
  const base = createSpecFiles();
  const isInside = (path: string) => resolve(path).startsWith(root + sep);
  const guard = <T>(path: string, read: () => T, none: () => T): T => {
    if (isInside(path)) return read();
    outside.add(resolve(path));
    return none();
  };
  const files: SpecFiles = {
    readText: (path) => guard(path, () => base.readText(path), () => unreadable(path)),
    readBytes: (path) => guard(path, () => base.readBytes(path), () => unreadable(path)),
    isFile: (path) => guard(path, () => base.isFile(path), () => false),
    isDir: (path) => guard(path, () => base.isDir(path), () => false),
    listDir: (path) => guard(path, () => base.listDir(path), () => []),
    realPath: (path) => guard(path, () => base.realPath?.(path), () => undefined),
  };
  for (const profile of profiles) {
    outside.clear();
    let id: string | undefined;
    let failure: string | undefined;
    try {
      id = resolveProfile(join(bundleDir, profile.path), {
        files,
        overrides: profile.parameters,
        cwd: dirname(join(bundleDir, profile.path)),
      }).profileArtifactId;
    } catch (error) {
      if (!(error instanceof HitError)) throw error;
      failure = error.message;
    }
    if (id === profile.artifact_id && outside.size === 0) continue;
    throw new HitError(
      `export "${profile.path}": the bundle's copy of the profile does not stand on its own`,
      {
        context: [
          ...(failure === undefined ? [] : [`resolving the copy failed: ${failure}`]),
          ...(id !== undefined && id !== profile.artifact_id
            ? [`the copy resolves to "${id}", the original to "${profile.artifact_id}"`]
            : []),
          ...[...outside].sort().map((path) => `it refers to "${path}", outside the bundle`),
        ],
        hint: "refer to parent profiles and package folders by relative paths " +
          '("extends: [{file: ../base.yaml}]"), not absolute ones',
      },
    );
  }
}

function unreadable(path: string): never {
  throw new HitError(`read "${path}": outside the bundle`, { location: { file: path } });
}
