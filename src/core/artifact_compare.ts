/**
 * Compares two folders holding the same artifact (the stored one and a second build of it):
 * the file list, types, modes, symlink targets and contents, except `hit`'s own metadata and
 * the build log. Reads both folders; writes nothing. Hints for differences are
 * `difference_hints.ts`.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { BUILD_INFO, BUILD_LOG } from "./build_info.ts";
import { type DifferenceHintContext, hintForContents } from "./difference_hints.ts";

/** Top-level files of an artifact that `hit` writes itself; two builds are compared without them. */
export const UNCOMPARED_FILES: readonly string[] = [
  BUILD_LOG,
  BUILD_INFO,
  "artifact.json",
  "build.json",
  "id",
];

/** One entry of an artifact folder. */
export interface TreeEntry {
  type: "file" | "dir" | "symlink" | "other";
  /** Permission bits (and setuid/setgid/sticky). */
  mode: number;
  size: number;
  /** A symlink's target. */
  target?: string;
}

/** How one path differs between the stored artifact and the second build. */
export interface Difference {
  /** Relative to the artifact's folder. */
  path: string;
  kind: "only-stored" | "only-rebuilt" | "type" | "mode" | "symlink-target" | "contents";
  /** What it is in the stored artifact and in the second build, in a few words. */
  stored?: string;
  rebuilt?: string;
  /** Why it probably differs, when that can be told. */
  hint?: string;
}

// Bigger files are compared by hash only; a hint needs their bytes.
const HINT_SIZE_LIMIT = 64 * 1024 * 1024;

/**
 * Every difference between the artifact folders `stored` and `rebuilt`, sorted by path; empty
 * when the second build reproduced the first. `exclude` are top-level names left out.
 */
export async function compareArtifacts(
  stored: string,
  rebuilt: string,
  options: { exclude?: readonly string[] } & DifferenceHintContext = {},
): Promise<Difference[]> {
  const exclude = new Set(options.exclude ?? UNCOMPARED_FILES);
  const [left, right] = await Promise.all([listTree(stored, exclude), listTree(rebuilt, exclude)]);
  const paths = [...new Set([...left.keys(), ...right.keys()])].sort();
  const differences: Difference[] = [];
  for (const path of paths) {
    const a = left.get(path);
    const b = right.get(path);
    if (a === undefined || b === undefined) {
      differences.push({
        path,
        kind: a === undefined ? "only-rebuilt" : "only-stored",
        hint: "made by one build only: a step that depends on the time, the order of " +
          "parallel jobs or what the machine has",
      });
    } else if (a.type !== b.type) {
      differences.push({ path, kind: "type", stored: a.type, rebuilt: b.type });
    } else if (a.type === "symlink" && a.target !== b.target) {
      differences.push({
        path,
        kind: "symlink-target",
        stored: a.target,
        rebuilt: b.target,
        hint: hintForContents(encode(a.target!), encode(b.target!), options),
      });
    } else if (a.mode !== b.mode) {
      differences.push({
        path,
        kind: "mode",
        stored: octal(a.mode),
        rebuilt: octal(b.mode),
        hint: "the build sets this mode from something that changes (the umask, a time?)",
      });
    } else if (
      a.type === "file" && !(await sameContents(join(stored, path), join(rebuilt, path)))
    ) {
      const small = a.size <= HINT_SIZE_LIMIT && b.size <= HINT_SIZE_LIMIT;
      differences.push({
        path,
        kind: "contents",
        stored: `${a.size} bytes`,
        rebuilt: `${b.size} bytes`,
        hint: small
          ? hintForContents(
            await Deno.readFile(join(stored, path)),
            await Deno.readFile(join(rebuilt, path)),
            options,
          )
          : undefined,
      });
    }
  }
  return differences;
}

/** Every entry below `root`, by path relative to it (folders included, `root` itself not). */
export async function listTree(
  root: string,
  exclude: ReadonlySet<string> = new Set(),
): Promise<Map<string, TreeEntry>> {
  const entries = new Map<string, TreeEntry>();
  const visit = async (relative: string): Promise<void> => {
    const names = (await Array.fromAsync(Deno.readDir(join(root, relative))))
      .map((entry) => entry.name).sort();
    for (const name of names) {
      if (relative === "" && exclude.has(name)) continue;
      const path = relative === "" ? name : `${relative}/${name}`;
      const info = await Deno.lstat(join(root, path));
      const entry: TreeEntry = {
        type: info.isSymlink
          ? "symlink"
          : info.isDirectory
          ? "dir"
          : info.isFile
          ? "file"
          : "other",
        mode: (info.mode ?? 0) & 0o7777,
        size: info.size,
      };
      if (info.isSymlink) entry.target = await Deno.readLink(join(root, path));
      entries.set(path, entry);
      if (info.isDirectory) await visit(path);
    }
  };
  await visit("");
  return entries;
}

/** The sha256 of a file, hex, read in chunks. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  // The stream closes the file when it ends or fails.
  const file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

async function sameContents(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([sha256File(a), sha256File(b)]);
  return left === right;
}

function encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function octal(mode: number): string {
  return "0" + mode.toString(8).padStart(3, "0");
}
