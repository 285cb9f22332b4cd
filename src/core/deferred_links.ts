/**
 * Making the links an unpack deferred (`unpackArchive` with `links: "defer"`): the symlinks
 * and hard links the unpack stage's worker checked but could not make under scoped grants.
 * Each is checked again here, trusting nothing the worker said, and made in archive order.
 * Touches only paths below the target.
 */
import { join, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { quoteName } from "./member_name.ts";
import { checkSymlinkTarget } from "./unpack_plan.ts";
import type { DeferredLink } from "./unpack_writer.ts";

/** Options of `createDeferredLinks`. */
export interface DeferredLinkOptions {
  /** The archive the links come from, for errors. */
  archive: string;
}

/**
 * Makes `links` below `target`. Every folder on the way to a link, and to a hard link's
 * source, must be a real folder, not a symlink; a link replaces a file or symlink but never a
 * folder; a symlink stays inside `target` lexically (`checkSymlinkTarget`); a hard link's
 * source is a regular file. The modes and times of the folders written into are kept.
 * @throws {HitError} naming the archive and the link when a check fails or a link cannot be made.
 */
export function createDeferredLinks(
  target: string,
  links: readonly DeferredLink[],
  options: DeferredLinkOptions,
): void {
  const writer = new LinkWriter(resolve(target), options.archive);
  for (const link of links) writer.create(link);
  writer.restoreFolders();
}

/** Makes links below one target, remembering the folders it writes into. */
class LinkWriter {
  #target: string;
  #archive: string;
  /** The folders written into, with their state before the first write. */
  #folders = new Map<string, Deno.FileInfo>();

  constructor(target: string, archive: string) {
    this.#target = target;
    this.#archive = archive;
  }

  create(link: DeferredLink): void {
    const refuse = (reason: string) =>
      new HitError(`unpack "${this.#archive}": refusing link ${quoteName(link.path)}: ${reason}`);
    const parts = this.#parts(link.path, refuse);
    const parent = this.#walkFolders(parts, refuse);
    const path = join(parent, parts.at(-1)!);
    let source: string | undefined;
    if (link.kind === "symlink") {
      checkSymlinkTarget(link.target, parts.length - 1, refuse);
    } else if (link.kind === "hardlink") {
      const sourceParts = this.#parts(link.target, refuse);
      source = join(this.#walkFolders(sourceParts, refuse), sourceParts.at(-1)!);
      if (source === path || lstatOrNull(source)?.isFile !== true) {
        throw refuse(`hard link source ${quoteName(link.target)} is not a regular file`);
      }
    } else {
      throw refuse(`unknown link kind "${(link as { kind: unknown }).kind}"`);
    }
    const existing = lstatOrNull(path);
    if (existing?.isDirectory) throw refuse("it would replace a directory");
    try {
      this.#openFolder(parent);
      if (existing !== null) Deno.removeSync(path);
      if (source === undefined) Deno.symlinkSync(link.target, path);
      else Deno.linkSync(source, path);
    } catch (error) {
      throw new HitError(
        `unpack "${this.#archive}": create link ${quoteName(link.path)}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
  }

  /** Gives the folders written into their modes and times back, deepest first. */
  restoreFolders(): void {
    const folders = [...this.#folders.entries()].sort(([a], [b]) => b.length - a.length);
    for (const [folder, before] of folders) {
      if (before.mode !== null) Deno.chmodSync(folder, before.mode & 0o7777);
      if (before.mtime !== null) Deno.utimeSync(folder, before.atime ?? new Date(), before.mtime);
    }
  }

  /** Splits a `/`-separated path below the target, refusing anything but plain names. */
  #parts(path: string, refuse: (reason: string) => HitError): string[] {
    const parts = path.split("/");
    if (parts.some((part) => part === "" || part === "." || part === "..")) {
      throw refuse(`path "${path}" is not a plain path below the target`);
    }
    return parts;
  }

  /**
   * The folder holding `parts`, after `lstat`ing each folder from the target down: each must
   * be a real folder, so nothing on the way leads out of the target.
   */
  #walkFolders(parts: string[], refuse: (reason: string) => HitError): string {
    let folder = this.#target;
    for (const [i, part] of parts.slice(0, -1).entries()) {
      folder = join(folder, part);
      const info = lstatOrNull(folder);
      const shown = parts.slice(0, i + 1).join("/");
      if (info === null) throw refuse(`the folder ${quoteName(shown)} is missing`);
      if (info.isSymlink) throw refuse(`the path passes through the symlink ${quoteName(shown)}`);
      if (!info.isDirectory) throw refuse(`the path passes through the file ${quoteName(shown)}`);
    }
    return folder;
  }

  /**
   * Remembers `folder`'s state before its first change, and makes it writable for its owner:
   * the worker has already given archived folders their modes, read-only ones included.
   */
  #openFolder(folder: string): void {
    if (this.#folders.has(folder)) return;
    const info = Deno.statSync(folder);
    this.#folders.set(folder, info);
    if (info.mode !== null && (info.mode & 0o200) === 0) Deno.chmodSync(folder, info.mode | 0o200);
  }
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
