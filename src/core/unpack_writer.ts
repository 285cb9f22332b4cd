/**
 * The writing half of an unpack: puts planned members under one target, checking each parent
 * with `lstat` on the way, never following a link the archive made. Writes only inside the
 * target.
 */
import { join } from "node:path";
import { HitError } from "../errors.ts";
import { quoteName } from "./member_name.ts";
import type { Action, Member } from "./unpack_plan.ts";

/**
 * A symlink or hard link an unpack with `links: "defer"` checked but did not make. `path` is
 * below the target (prefix removed, `/`-separated); `target` is a symlink's text, or a hard
 * link's source below the target, always a regular file the unpack wrote.
 */
export interface DeferredLink {
  kind: "symlink" | "hardlink";
  path: string;
  target: string;
}

/** Permission bits restored from archives: no setuid or setgid. */
const MODE_MASK = 0o7777 & ~0o6000;

/** Writes planned members under one target, checking each parent with `lstat` on the way. */
export class TargetWriter {
  #target: string;
  #archive: string;
  /** Directories under the target already seen to be real directories. */
  #checked = new Set<string>();
  #directories = new Map<string, Member>();
  /** Deferred links by path; a later member at the same path drops the earlier link. */
  #deferred: Map<string, DeferredLink> | undefined;

  constructor(target: string, archive: string, options: { deferLinks?: boolean } = {}) {
    this.#target = target;
    this.#archive = archive;
    if (options.deferLinks) this.#deferred = new Map();
  }

  /** The links still to make, in archive order; undefined when links are made as they come. */
  deferredLinks(): DeferredLink[] | undefined {
    return this.#deferred === undefined ? undefined : [...this.#deferred.values()];
  }

  /** Creates the parent directories of `parts`, refusing any that is a symlink or a file. */
  ensureParents(parts: string[], name: string): void {
    let path = this.#target;
    for (let i = 0; i < parts.length - 1; i++) {
      path = join(path, parts[i]);
      if (this.#checked.has(path)) continue;
      const info = lstatOrNull(path);
      const shown = parts.slice(0, i + 1).join("/");
      if (info === null) {
        Deno.mkdirSync(path);
      } else if (info.isSymlink) {
        throw this.#refuse(name, `the path passes through the symlink ${quoteName(shown)}`);
      } else if (!info.isDirectory) {
        throw this.#refuse(name, `the path passes through the file ${quoteName(shown)}`);
      }
      this.#checked.add(path);
    }
  }

  /**
   * Writes one planned member; `body` holds a file's data.
   * @throws {HitError} when the member would pass through a symlink or replace a directory,
   * or when the file system refuses a write.
   */
  async write(
    action: Action,
    body: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | undefined,
  ): Promise<void> {
    try {
      await this.#write(action, body);
    } catch (error) {
      if (error instanceof HitError || error instanceof Deno.errors.NotCapable) throw error;
      throw new HitError(
        `unpack "${this.#archive}": write entry ${quoteName(action.member.path)}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
  }

  async #write(
    action: Action,
    body: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | undefined,
  ): Promise<void> {
    const { parts, member } = action;
    this.ensureParents(parts, member.path);
    const path = join(this.#target, ...parts);
    // Whatever comes later at a path replaces a deferred link there, as it would a made one.
    this.#deferred?.delete(parts.join("/"));
    if (member.type === "directory") {
      const info = lstatOrNull(path);
      if (info !== null && !info.isDirectory) Deno.removeSync(path);
      if (info === null || !info.isDirectory) Deno.mkdirSync(path);
      this.#checked.add(path);
      this.#directories.set(path, member);
      return;
    }
    if (member.type === "file") {
      // Without a recorded mode (zip entries from other hosts) the umask decides, as in the original.
      const file = this.#createFresh(path, member.path, member.mode === undefined ? 0o666 : 0o600);
      try {
        for await (const piece of body ?? []) writeAll(file, piece);
        if (member.mtime !== undefined) file.utimeSync(new Date(), member.mtime);
      } finally {
        file.close();
      }
      if (member.mode !== undefined) Deno.chmodSync(path, member.mode & MODE_MASK);
      return;
    }
    if (this.#deferred !== undefined) return this.#defer(action, path);
    this.#removeNonDirectory(path, member.path);
    if (member.type === "symlink") {
      Deno.symlinkSync(member.linkTarget!, path);
    } else {
      const source = join(this.#target, ...action.linkParts!);
      this.ensureParents(action.linkParts!, member.path);
      if (!lstatOrNull(source)?.isFile) {
        throw this.#refuse(
          member.path,
          `hard link to a missing member ${quoteName(member.linkTarget ?? "")}`,
        );
      }
      Deno.linkSync(source, path);
    }
  }

  /**
   * Records a link instead of making it, after the checks `#write` makes. A hard link to a
   * deferred hard link is recorded against that one's source: the same file, already written.
   * A member that later replaces that source changes what the link gets (made links keep the
   * old file); archives that do this were not seen, and the main thread refuses a non-file.
   */
  #defer(action: Action, path: string): void {
    const { parts, member } = action;
    if (lstatOrNull(path)?.isDirectory) {
      throw this.#refuse(member.path, "it would replace a directory");
    }
    const key = parts.join("/");
    if (member.type === "symlink") {
      this.#deferred!.set(key, { kind: "symlink", path: key, target: member.linkTarget! });
      return;
    }
    const named = action.linkParts!.join("/");
    const earlier = this.#deferred!.get(named);
    const source = earlier?.kind === "hardlink" ? earlier.target : named;
    const sourceParts = source.split("/");
    this.ensureParents(sourceParts, member.path);
    // A link to itself: made now, its path would be unlinked first, leaving no source.
    if (source === key || !lstatOrNull(join(this.#target, ...sourceParts))?.isFile) {
      throw this.#refuse(
        member.path,
        `hard link to a missing member ${quoteName(member.linkTarget ?? "")}`,
      );
    }
    this.#deferred!.set(key, { kind: "hardlink", path: key, target: source });
  }

  /** Sets directory modes and times last, deepest first, since writing inside changes them. */
  finishDirectories(): void {
    const paths = [...this.#directories.keys()].sort((a, b) => b.length - a.length);
    for (const path of paths) {
      const member = this.#directories.get(path)!;
      if (!lstatOrNull(path)?.isDirectory) continue;
      if (member.mode !== undefined) Deno.chmodSync(path, member.mode & MODE_MASK);
      if (member.mtime !== undefined) Deno.utimeSync(path, new Date(), member.mtime);
    }
  }

  /** Opens a new file at `path`; an existing file or symlink there is unlinked, never followed. */
  #createFresh(path: string, name: string, mode: number): Deno.FsFile {
    const options = { write: true, createNew: true, mode };
    try {
      return Deno.openSync(path, options);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    this.#removeNonDirectory(path, name);
    return Deno.openSync(path, options);
  }

  #removeNonDirectory(path: string, name: string): void {
    const info = lstatOrNull(path);
    if (info === null) return;
    if (info.isDirectory) throw this.#refuse(name, "it would replace a directory");
    Deno.removeSync(path);
  }

  #refuse(name: string, reason: string): HitError {
    return new HitError(`unpack "${this.#archive}": refusing entry ${quoteName(name)}: ${reason}`);
  }
}

export async function makeTarget(target: string): Promise<void> {
  try {
    await Deno.mkdir(target, { recursive: true });
  } catch (error) {
    // Outside a stage worker's grant: a bug in `hit`, reported as such by the stage.
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new HitError(`create folder "${target}": ${(error as Error).message}`, { cause: error });
  }
}

export function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** Writes all of `bytes` to `file`. */
export function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += file.writeSync(bytes.subarray(at));
}
