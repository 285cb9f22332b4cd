/**
 * The small passes of `build-postprocess` (HASHDIST.md §7.5): relative symlinks, pkg-config
 * files, the relocatability check and write protection. Each pass looks at, and may change,
 * only the one path it is given.
 */
import { Buffer } from "node:buffer";
import { basename, dirname, join, posix, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { relativePath } from "./link_actions.ts";

const PKG_CONFIG_FILE = /^.*\/lib\/pkgconfig\/.*\.pc$/;

/**
 * `--relative-symlinks`: an absolute symlink into the artifact becomes relative. An absolute
 * symlink elsewhere is left as it is and reported in `warnings` (Q22 fixed: the original made
 * those relative too).
 */
export async function relativeSymlinksPass(
  path: string,
  options: { artifact: string; warnings: string[] },
): Promise<void> {
  if (!(await Deno.lstat(path)).isSymlink) return;
  const target = await Deno.readLink(path);
  if (!target.startsWith("/")) return;
  const normal = posix.normalize(target);
  let text: string;
  if (isUnder(normal, options.artifact)) {
    text = relativePath(dirname(path), normal);
  } else if (isUnder(normal, await realPathLoose(options.artifact))) {
    text = relativePath(await realPathLoose(dirname(path)), normal);
  } else {
    options.warnings.push(
      `left symlink "${path}" absolute: its target "${target}" is outside the artifact ` +
        `"${options.artifact}"`,
    );
    return;
  }
  await Deno.remove(path);
  await Deno.symlink(text, path);
}

/** `--remove-pkgconfig`: deletes a file whose real path is a `…/lib/pkgconfig/….pc`. */
export async function removePkgconfigPass(path: string): Promise<void> {
  if (!PKG_CONFIG_FILE.test(await realPathLoose(path))) return;
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * `--relative-pkgconfig`: in a `.pc` file (not a symlink), replaces the artifact path by
 * `${NAME_DIR}`, NAME being the package folder upper-cased with `-` kept (Q23, copied: the
 * corpus's pkg-config wrapper defines exactly these names).
 */
export async function relativePkgconfigPass(path: string, artifact: string): Promise<void> {
  if (!PKG_CONFIG_FILE.test(await realPathLoose(path))) return;
  if ((await Deno.lstat(path)).isSymlink) return;
  const name = basename(dirname(artifact)).replace(/[a-z]/g, (c) => c.toUpperCase());
  const text = Buffer.from(await Deno.readFile(path)).toString("latin1");
  const from = Buffer.from(artifact, "utf8").toString("latin1");
  const to = Buffer.from(`\${${name}_DIR}`, "utf8").toString("latin1");
  const result = text.split(from).join(to);
  if (result !== text) await Deno.writeFile(path, Buffer.from(result, "latin1"));
}

/**
 * `--check-relocatable`: a regular file whose bytes, or a symlink whose text, contain the
 * artifact path is an error, unless its path inside the artifact matches an ignore pattern
 * at its start.
 * @throws {HitError} naming the file that holds the artifact path.
 */
export async function checkRelocatablePass(
  path: string,
  options: { artifact: string; ignores: readonly RegExp[] },
): Promise<void> {
  if (!path.startsWith(options.artifact)) {
    throw new HitError(
      `check relocatability of "${path}": the path is not inside the artifact ` +
        `"${options.artifact}"`,
    );
  }
  const inside = path.slice(options.artifact.length);
  if (options.ignores.some((pattern) => matchesAtStart(pattern, inside))) return;
  const info = await Deno.lstat(path);
  const needle = Buffer.from(options.artifact, "utf8");
  let kind: string | undefined;
  if (info.isSymlink) {
    if (Buffer.from(await Deno.readLink(path), "utf8").includes(needle)) kind = "symlink";
  } else if (info.isFile) {
    if (Buffer.from(await Deno.readFile(path)).includes(needle)) kind = "file";
  }
  if (kind !== undefined) {
    throw new HitError(
      `check relocatability of "${path}": the ${kind} contains the artifact path ` +
        `"${options.artifact}"`,
      {
        hint: `make the package relocatable, or skip the file with ` +
          `--check-ignore=REGEX (matched against "${inside}")`,
      },
    );
  }
}

/** `--write-protect`: clears every `w` bit of anything but a symlink. */
export async function writeProtectPass(path: string): Promise<void> {
  const info = await Deno.lstat(path);
  if (info.isSymlink) return;
  await Deno.chmod(path, info.mode! & 0o7777 & ~0o222);
}

/** Whether `pattern` matches `text` at its start, as Python's `re.match`. */
export function matchesAtStart(pattern: RegExp, text: string): boolean {
  const sticky = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, "") + "y");
  return sticky.test(text);
}

/** Whether `path` is `root` or lies below it, comparing path strings. */
export function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
}

/**
 * The path with every symlink resolved, as Python's `os.path.realpath`: parts that do not
 * exist (or dangle) are kept as written.
 */
export async function realPathLoose(path: string, depth = 0): Promise<string> {
  const absolute = resolve(path);
  try {
    return await Deno.realPath(absolute);
  } catch {
    const parent = dirname(absolute);
    if (parent === absolute) return absolute;
    const candidate = join(await realPathLoose(parent, depth), basename(absolute));
    if (depth < 40) {
      try {
        const text = await Deno.readLink(candidate);
        return await realPathLoose(resolve(dirname(candidate), text), depth + 1);
      } catch {
        // Not a symlink: keep the name as written.
      }
    }
    return candidate;
  }
}
