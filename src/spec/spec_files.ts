/**
 * Read access to spec files for the spec layer: the only effect `spec/` has. Reads are cached
 * for one resolve run, so a spec file shared by many packages is read once.
 */
import { HitError } from "../errors.ts";

/** What the spec layer may ask of the file system. */
export interface SpecFiles {
  /** The text of a file. @throws {HitError} when it cannot be read. */
  readText(path: string): string;
  /** The bytes of a file. @throws {HitError} when it cannot be read. */
  readBytes(path: string): Uint8Array;
  /** Whether `path` is a file (following symlinks). */
  isFile(path: string): boolean;
  /** Whether `path` is a directory (following symlinks). */
  isDir(path: string): boolean;
  /** Entry names of a directory, sorted; empty when it does not exist. */
  listDir(path: string): string[];
  /** The path with every symlink resolved; undefined when it does not exist. */
  realPath?(path: string): string | undefined;
}

/** The real file system, with per-instance caches. */
export function createSpecFiles(): SpecFiles {
  const texts = new Map<string, string>();
  const stats = new Map<string, Deno.FileInfo | null>();
  const listings = new Map<string, string[]>();
  const entrySets = new Map<string, Set<string> | null>();

  function stat(path: string): Deno.FileInfo | null {
    let info = stats.get(path);
    if (info === undefined) {
      info = absent(path) ? null : statOrNull(path);
      stats.set(path, info);
    }
    return info;
  }

  // Whether the listing of `path`'s folder shows it is not there. Most paths asked about are
  // candidates that do not exist (`U.yaml` beside `U/U.yaml`, each package directory in turn):
  // one listing per folder answers them all, where each failed stat would throw.
  function absent(path: string): boolean {
    const slash = path.lastIndexOf("/");
    const dir = slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
    const name = path.slice(slash + 1);
    if (name === "" || name === "." || name === "..") return false;
    let entries = entrySets.get(dir);
    if (entries === undefined) {
      entries = listOrNull(dir);
      entrySets.set(dir, entries);
    }
    // A folder that cannot be listed says nothing: the stat decides.
    return entries !== null && !entries.has(name);
  }

  return {
    readText(path) {
      let text = texts.get(path);
      if (text === undefined) {
        text = new TextDecoder().decode(readFile(path));
        texts.set(path, text);
      }
      return text;
    },
    readBytes: readFile,
    realPath(path) {
      try {
        return Deno.realPathSync(path);
      } catch {
        return undefined;
      }
    },
    isFile: (path) => stat(path)?.isFile ?? false,
    isDir: (path) => stat(path)?.isDirectory ?? false,
    listDir(path) {
      let names = listings.get(path);
      if (names === undefined) {
        names = [];
        try {
          for (const entry of Deno.readDirSync(path)) names.push(entry.name);
        } catch {
          // A missing package directory simply has no candidates.
        }
        names.sort();
        listings.set(path, names);
      }
      return names;
    },
  };
}

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch {
    return null;
  }
}

// The entry names of folder `dir`; an empty set when it does not exist, null when it cannot be
// listed for another reason.
function listOrNull(dir: string): Set<string> | null {
  const names = new Set<string>();
  try {
    for (const entry of Deno.readDirSync(dir)) names.add(entry.name);
  } catch (error) {
    return error instanceof Deno.errors.NotFound ? names : null;
  }
  return names;
}

function readFile(path: string): Uint8Array {
  try {
    // A FIFO or a device would block the read, or never end: only regular files are specs.
    const info = Deno.statSync(path);
    if (!info.isFile) {
      throw new HitError(
        `read "${path}": ${info.isDirectory ? "is a folder" : "is not a regular file"}`,
        { location: { file: path }, hint: "give the path of a YAML file" },
      );
    }
    return Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof HitError) throw error;
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.NotADirectory
      ? "a part of the path is a file, not a folder"
      : error instanceof Deno.errors.NotCapable
      ? "is a special system path"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new HitError(`read "${path}": ${reason}`, { location: { file: path }, cause: error });
  }
}
