/**
 * Ant globs (HASHDIST.md §7.2): the `select` patterns of link rules, with `*` within one path
 * component and `**` for any number of directories. Reads directory listings and nothing else.
 */
import { resolve } from "node:path";
import { HitError } from "../errors.ts";

/** Options of `antGlob`. */
export interface AntGlobOptions {
  /** Whether real directories may match the final component (symlinks always may). */
  dirs: boolean;
}

/**
 * The paths matching `pattern`: absolute for a pattern starting with `/`, else relative to
 * `cwd` without a leading `./`. Paths come in walk order (listings sorted by name).
 * @throws {HitError} when `**` is the last component or mixed with other text, or when the
 * first directory to list cannot be read.
 */
export async function antGlob(
  pattern: string,
  cwd: string,
  options: AntGlobOptions,
): Promise<string[]> {
  let display = "";
  let text = pattern;
  if (text.startsWith("/")) {
    text = text.slice(1);
    display = "/";
  }
  const parts = text.split("/");
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === "**" && i === parts.length - 1) {
      throw new HitError(`glob "${pattern}": "**" cannot be the last component`, {
        hint: `end the pattern with a file pattern, for example "**/*"`,
      });
    }
    if (parts[i] !== "**" && parts[i].includes("**")) {
      throw new HitError(
        `glob "${pattern}": "**" must be a whole component, not part of "${parts[i]}"`,
      );
    }
  }
  const found: string[] = [];
  await globIn(parts, { display, cwd: resolve(cwd), dirs: options.dirs, pattern, found });
  return found;
}

interface GlobState {
  display: string;
  cwd: string;
  dirs: boolean;
  pattern: string;
  found: string[];
}

async function globIn(parts: string[], state: GlobState): Promise<void> {
  const [part, ...rest] = parts;
  if (part === "**") {
    for (const dir of await walkDirectories(state.display, state.cwd)) {
      await globIn(rest, { ...state, display: dir });
    }
    return;
  }
  const regex = componentRegex(part);
  // A literal component is looked up, not listed: the folders above an artifact need not be
  // listable (a Landlock sandbox shows `/` and the store only as paths to what it may read).
  const literal = !part.includes("*") && !["", ".", ".."].includes(part);
  const names = literal
    ? await literalName(part, onDisk(joinDisplay(state.display, part), state.cwd))
    : await listNames(onDisk(state.display, state.cwd));
  if (names === undefined) {
    throw new HitError(`glob "${state.pattern}": cannot list "${state.display || "."}"`);
  }
  for (const name of names) {
    if (!regex.test(name)) continue;
    const path = joinDisplay(state.display, name);
    const full = onDisk(path, state.cwd);
    if (rest.length > 0) {
      if (await isDirectory(full)) await globIn(rest, { ...state, display: path });
    } else if (state.dirs || await isFileOrSymlink(full)) {
      state.found.push(path);
    }
  }
}

async function literalName(name: string, full: string): Promise<string[]> {
  try {
    await Deno.lstat(full);
    return [name];
  } catch {
    return [];
  }
}

// `*` matches any run of characters (a leading dot included); everything else is literal,
// `?` and `[` too, as in the original's `re.escape` + `replace('\*', '.*')`.
function componentRegex(part: string): RegExp {
  const body = part.split("*").map((piece) => piece.replace(/[\\^$.|?+()[\]{}/-]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "s");
}

// Every directory below `display`, itself first, top-down. Symlinked directories met on the
// way are not entered (os.walk with followlinks=False); unreadable ones are skipped silently.
async function walkDirectories(display: string, cwd: string): Promise<string[]> {
  const result: string[] = [];
  async function visit(dir: string): Promise<void> {
    const entries = await listEntries(onDisk(dir, cwd));
    if (entries === undefined) return;
    result.push(dir);
    for (const entry of entries) {
      if (entry.isDirectory && !entry.isSymlink) await visit(joinDisplay(dir, entry.name));
    }
  }
  await visit(display);
  return result;
}

/** `display` joined with `name` as Python's `os.path.join` does for these paths. */
function joinDisplay(display: string, name: string): string {
  if (display === "") return name;
  return display.endsWith("/") ? display + name : `${display}/${name}`;
}

function onDisk(display: string, cwd: string): string {
  return display === "" ? cwd : resolve(cwd, display);
}

async function listNames(dir: string): Promise<string[] | undefined> {
  return (await listEntries(dir))?.map((entry) => entry.name);
}

async function listEntries(dir: string): Promise<Deno.DirEntry[] | undefined> {
  try {
    const entries: Deno.DirEntry[] = [];
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return entries;
  } catch (error) {
    if (
      error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory ||
      error instanceof Deno.errors.PermissionDenied
    ) return undefined;
    throw error;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

// A regular file, a symlink to one, or any symlink at all (to a directory, or dangling).
async function isFileOrSymlink(path: string): Promise<boolean> {
  try {
    const info = await Deno.lstat(path);
    if (info.isSymlink) return true;
    return info.isFile;
  } catch {
    return false;
  }
}
