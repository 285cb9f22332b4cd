/**
 * Unpacking of source archives and hit-packs into a target directory (HASHDIST.md §8.3): hash
 * check, common-prefix stripping, and refusal of any member that could write outside the
 * target. Reads the archive; writes only inside the target; runs `bzip2` or `xz` for those
 * formats.
 *
 * Tarballs are read twice: pass 1 hashes the file and lists its members, from which the
 * prefix and a checked plan are made before anything is written; pass 2 writes the plan.
 * With `links: "defer"` (the unpack stage's worker, whose scoped grants cannot make symlinks)
 * links are checked and returned instead of made; `core/deferred_links.ts` makes them.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { HitError } from "../errors.ts";
import { decodeHitPack } from "../spec/hit_pack.ts";
import { b32, sha256 } from "../spec/hash_document.ts";
import { decompressStream, type TarballType } from "./decompress.ts";
import { readTar, type TarEntryType } from "./tar_reader.ts";
import { type ZipEntry, ZipFile } from "./zip_reader.ts";

/** The archive types of source keys. */
export type ArchiveType = TarballType | "zip";

/** Options of `unpackArchive`. */
export interface UnpackOptions {
  /** The b32 SHA-256 the archive file must have (the hash part of its source key). */
  expectedHash?: string;
  /** `defer`: create files and folders only, and return the symlinks and hard links. */
  links?: "create" | "defer";
  /**
   * How many folders above the target a symlink may point (0 by default): a profile artifact
   * links to its siblings in the store, two levels up.
   */
  symlinkRoom?: number;
  /**
   * An absolute folder symlinks may point into with absolute targets (no `..`): a store
   * artifact pulled to its builder's store path links into that store.
   */
  absoluteLinksUnder?: string;
}

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

/** What an unpack reports besides the files: members skipped, with the reason. */
export interface UnpackResult {
  warnings: string[];
  /** With `links: "defer"` only: the links still to make, in archive order. */
  links?: DeferredLink[];
}

/** Permission bits restored from archives: no setuid or setgid. */
const MODE_MASK = 0o7777 & ~0o6000;

/**
 * Unpacks `archive` of `type` into `target` (created if missing), with the common prefix of
 * its members removed.
 * @throws {HitError} "corrupted file" on a hash mismatch, on an unreadable archive, and on any
 * member that could write outside `target` (absolute, `..`, escaping links, devices).
 */
export async function unpackArchive(
  archive: string,
  type: ArchiveType,
  target: string,
  options: UnpackOptions = {},
): Promise<UnpackResult> {
  const members = type === "zip"
    ? await listZip(archive, options.expectedHash)
    : await listTar(archive, type, options.expectedHash);
  const names = type === "zip"
    ? members.map((member) => member.path)
    : members.filter((member) => member.type !== "directory").map((member) => member.path);
  const warnings: string[] = [];
  let plan = planMembers(members, commonPrefix(names), {
    archive,
    warnings,
    symlinkRoom: options.symlinkRoom ?? 0,
    absoluteLinksUnder: options.absoluteLinksUnder,
  });
  // A tarball of only directories has no prefix: it unpacks to nothing (Q28).
  if (names.length === 0) plan = plan.map(() => null);
  await makeTarget(target);
  const writer = new TargetWriter(target, archive, { deferLinks: options.links === "defer" });
  if (type === "zip") await extractZip(archive, plan, writer);
  else await extractTar(archive, type, plan, writer);
  writer.finishDirectories();
  const links = writer.deferredLinks();
  return links === undefined ? { warnings } : { warnings, links };
}

/**
 * The common prefix of `names` (§8.3): the leading path components all share, excluding
 * each name's last component, plus `/`; empty when they share none.
 */
export function commonPrefix(names: string[]): string {
  if (names.length === 0) return "";
  let shared = names[0].split("/").slice(0, -1);
  for (const name of names.slice(1)) {
    const parts = name.split("/").slice(0, -1);
    let n = 0;
    while (n < shared.length && n < parts.length && shared[n] === parts[n]) n++;
    shared = shared.slice(0, n);
  }
  return shared.length === 0 ? "" : shared.join("/") + "/";
}

/**
 * Writes the files of a hit-pack stream under `target`, each with mode 0600.
 * @throws {HitError} on a bad stream or hash, an unsafe name, or a file that already exists.
 */
export async function unpackHitPack(
  bytes: Uint8Array,
  target: string,
  options: UnpackOptions = {},
): Promise<void> {
  if (options.expectedHash !== undefined) {
    checkHash(b32(sha256(bytes)), "pack", options.expectedHash);
  }
  const entries = decodeHitPack(bytes);
  await makeTarget(target);
  const writer = new TargetWriter(target, "pack");
  for (const { name } of entries) {
    if (name.split("/").some((part) => part === "" || part === "." || part === "..")) {
      throw new HitError(`unpack pack: refusing file "${name}": unsafe path`);
    }
  }
  for (const entry of entries) {
    const parts = entry.name.split("/");
    writer.ensureParents(parts, entry.name);
    const path = join(target, ...parts);
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      throw new HitError(`unpack pack: file "${entry.name}" already exists in "${target}"`);
    }
    try {
      writeAll(file, entry.content);
    } finally {
      file.close();
    }
    Deno.chmodSync(path, 0o600);
  }
}

/** A member as listed in pass 1. */
interface Member {
  path: string;
  type: TarEntryType;
  typeflag?: string;
  linkTarget?: string;
  mode?: number;
  mtime?: number;
  zip?: ZipEntry;
}

/** What pass 2 writes for one member: `parts` is its path below the target, prefix removed. */
interface Action {
  parts: string[];
  member: Member;
  /** Hard links: the target's parts. */
  linkParts?: string[];
}

async function listTar(
  archive: string,
  type: TarballType,
  expectedHash: string | undefined,
): Promise<Member[]> {
  const hash = createHash("sha256");
  const members: Member[] = [];
  try {
    using file = await openArchive(archive);
    const raw = file.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          hash.update(chunk);
          controller.enqueue(chunk);
        },
      }),
    );
    for await (const entry of readTar(decompressStream(raw, type, archive), { name: archive })) {
      const { path, type, typeflag, linkTarget, mode, mtime } = entry;
      members.push({ path, type, typeflag, linkTarget, mode, mtime });
    }
  } catch (error) {
    // A damaged file is reported as a hash mismatch when a hash was expected (step 1).
    if (expectedHash !== undefined) checkHash(await hashFile(archive), archive, expectedHash);
    throw error;
  }
  if (expectedHash !== undefined) checkHash(b32(hash.digest()), archive, expectedHash);
  return members;
}

async function listZip(archive: string, expectedHash: string | undefined): Promise<Member[]> {
  if (expectedHash !== undefined) checkHash(await hashFile(archive), archive, expectedHash);
  using zip = await ZipFile.open(archive);
  const members: Member[] = [];
  for (const entry of zip.entries) {
    const member: Member = {
      path: entry.name,
      type: entry.type,
      mode: entry.mode,
      mtime: entry.mtime,
      zip: entry,
    };
    if (entry.type === "symlink") {
      member.linkTarget = new TextDecoder().decode(await zip.read(entry));
    }
    members.push(member);
  }
  return members;
}

async function extractTar(
  archive: string,
  type: TarballType,
  plan: (Action | null)[],
  writer: TargetWriter,
): Promise<void> {
  using file = await openArchive(archive);
  const changed = () =>
    new HitError(`unpack "${archive}": the archive changed while it was unpacked`);
  let index = 0;
  const stream = decompressStream(file.readable, type, archive);
  for await (const entry of readTar(stream, { name: archive })) {
    if (index >= plan.length) throw changed();
    const action = plan[index++];
    if (action === null) continue;
    if (action.member.path !== entry.path || action.member.type !== entry.type) throw changed();
    await writer.write(action, action.member.type === "file" ? entry.body : undefined);
  }
  if (index !== plan.length) throw changed();
}

async function extractZip(
  archive: string,
  plan: (Action | null)[],
  writer: TargetWriter,
): Promise<void> {
  using zip = await ZipFile.open(archive);
  for (const action of plan) {
    if (action === null) continue;
    const entry = action.member.zip!;
    await writer.write(action, action.member.type === "file" ? [await zip.read(entry)] : undefined);
  }
}

interface PlanContext {
  archive: string;
  warnings: string[];
  symlinkRoom: number;
  absoluteLinksUnder?: string;
}

/**
 * Checks every member and decides where each one goes, before anything is written.
 * Entries no longer than the prefix, or outside it (D-7), map to null.
 */
function planMembers(members: Member[], prefix: string, context: PlanContext): (Action | null)[] {
  const kinds = new Map<string, "file" | "directory" | "symlink">();
  const refuse = (member: Member, reason: string) =>
    new HitError(`unpack "${context.archive}": refusing entry "${member.path}": ${reason}`);
  return members.map((member) => {
    checkRawPath(member.path, (reason) => refuse(member, reason));
    if (member.type === "other") {
      throw refuse(
        member,
        `devices, fifos and sockets are not unpacked (type "${member.typeflag ?? "?"}")`,
      );
    }
    if (!isAscii(member.path)) {
      context.warnings.push(
        `skipped entry "${member.path}" of "${context.archive}": the name is not ASCII`,
      );
      return null;
    }
    const parts = stripPrefix(member.path, prefix);
    if (parts === null) return null;
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const kind = kinds.get(parent);
      if (kind === "symlink") {
        throw refuse(member, `the path passes through the symlink "${parent}"`);
      }
      if (kind === "file") throw refuse(member, `the path passes through the file "${parent}"`);
      kinds.set(parent, "directory");
    }
    const key = parts.join("/");
    if (member.type !== "directory" && kinds.get(key) === "directory") {
      throw refuse(member, "it would replace a directory");
    }
    const action: Action = { parts, member };
    if (member.type === "symlink" && isUnder(member.linkTarget, context.absoluteLinksUnder)) {
      // An absolute link into the allowed folder: nothing to check against the target.
    } else if (member.type === "symlink") {
      checkSymlinkTarget(
        member.linkTarget ?? "",
        parts.length - 1 + context.symlinkRoom,
        (reason) => refuse(member, reason),
      );
    } else if (member.type === "hardlink") {
      const link = member.linkTarget ?? "";
      checkRawPath(link, (reason) => refuse(member, `hard link target "${link}": ${reason}`));
      const linkParts = stripPrefix(link, prefix);
      if (linkParts === null || kinds.get(linkParts.join("/")) !== "file") {
        throw refuse(member, `hard link to a missing member "${link}"`);
      }
      action.linkParts = linkParts;
    }
    kinds.set(
      key,
      member.type === "hardlink" ? "file" : member.type as "file" | "directory" | "symlink",
    );
    return action;
  });
}

/** Whether `link` is an absolute path inside the folder `root`, with no `..`. */
function isUnder(link: string | undefined, root: string | undefined): boolean {
  if (link === undefined || root === undefined || !root.startsWith("/")) return false;
  const prefix = root.endsWith("/") ? root : root + "/";
  return link.startsWith(prefix) && !link.split("/").includes("..");
}

/** Refuses absolute paths and any `..` component: the original's "attempted to break out". */
function checkRawPath(path: string, refuse: (reason: string) => HitError): void {
  if (path.startsWith("/")) throw refuse("attempted to break out of the target: absolute path");
  if (path.split("/").includes("..")) {
    throw refuse('attempted to break out of the target: ".." in the path');
  }
}

/**
 * Checks the text `link` of a symlink `depth` folders below the target. It must be relative,
 * may only go up (`..`) at its start and no higher than the link's own folder. `..` after a
 * name is refused: lexically harmless, it escapes when that name is itself a symlink
 * (`x -> l/..`, `l -> ..`).
 * @throws {HitError} made by `refuse` with the reason.
 */
export function checkSymlinkTarget(
  link: string,
  depth: number,
  refuse: (reason: string) => HitError,
): void {
  if (link === "") throw refuse("empty symlink target");
  if (link.startsWith("/")) throw refuse(`symlink target "${link}" is absolute`);
  const parts = link.split("/").filter((part) => part !== "" && part !== ".");
  let up = 0;
  while (up < parts.length && parts[up] === "..") up++;
  if (parts.slice(up).includes("..")) throw refuse(`symlink target "${link}" goes up after a name`);
  if (up > depth) throw refuse(`symlink target "${link}" leaves the target directory`);
}

/** The parts of `path` after `prefix`, or null when it is no longer than or outside it. */
function stripPrefix(path: string, prefix: string): string[] | null {
  if (path.length <= prefix.length || !path.startsWith(prefix)) return null;
  const parts = path.slice(prefix.length).split("/").filter((part) => part !== "" && part !== ".");
  return parts.length === 0 ? null : parts;
}

/** Writes planned members under one target, checking each parent with `lstat` on the way. */
class TargetWriter {
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
        throw this.#refuse(name, `the path passes through the symlink "${shown}"`);
      } else if (!info.isDirectory) {
        throw this.#refuse(name, `the path passes through the file "${shown}"`);
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
        `unpack "${this.#archive}": write entry "${action.member.path}": ${
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
        throw this.#refuse(member.path, `hard link to a missing member "${member.linkTarget}"`);
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
      throw this.#refuse(member.path, `hard link to a missing member "${member.linkTarget}"`);
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
    return new HitError(`unpack "${this.#archive}": refusing entry "${name}": ${reason}`);
  }
}

async function makeTarget(target: string): Promise<void> {
  try {
    await Deno.mkdir(target, { recursive: true });
  } catch (error) {
    // Outside a stage worker's grant: a bug in `hit`, reported as such by the stage.
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new HitError(`create folder "${target}": ${(error as Error).message}`, { cause: error });
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

function checkHash(actual: string, archive: string, expected: string): void {
  if (actual !== expected) {
    throw new HitError(
      `unpack "${archive}": corrupted file: its hash is "${actual}", expected "${expected}"`,
    );
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await openArchive(path);
  const buffer = new Uint8Array(1 << 20);
  while (true) {
    const read = await file.read(buffer);
    if (read === null) break;
    hash.update(buffer.subarray(0, read));
  }
  return b32(hash.digest());
}

async function openArchive(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new HitError(`open archive "${path}": ${(error as Error).message}`, { cause: error });
  }
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += file.writeSync(bytes.subarray(at));
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
