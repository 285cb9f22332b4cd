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

  function stat(path: string): Deno.FileInfo | null {
    let info = stats.get(path);
    if (info === undefined) {
      try {
        info = Deno.statSync(path);
      } catch {
        info = null;
      }
      stats.set(path, info);
    }
    return info;
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
