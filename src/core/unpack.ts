/**
 * Unpacking of source archives and hit-packs into a target directory (HASHDIST.md §8.3): hash
 * check, common-prefix stripping, and refusal of any member that could write outside the
 * target. Reads the archive; writes only inside the target; runs `bzip2` or `xz` for those
 * formats.
 *
 * Tarballs are read twice: pass 1 hashes the file and lists its members, from which the
 * prefix and a checked plan are made before anything is written (`unpack_plan.ts`); pass 2
 * writes the plan (`unpack_writer.ts`).
 * With `links: "defer"` (the unpack stage's worker, whose scoped grants cannot make symlinks)
 * links are checked and returned instead of made; `core/deferred_links.ts` makes them.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { HitError } from "../errors.ts";
import { decodeHitPack } from "../spec/hit_pack.ts";
import { b32, sha256 } from "../spec/hash_document.ts";
import { decompressStream, type TarballType } from "./decompress.ts";
import { readTar } from "./tar_reader.ts";
import { type Action, commonPrefix, type Member, planMembers } from "./unpack_plan.ts";
import { type DeferredLink, makeTarget, TargetWriter, writeAll } from "./unpack_writer.ts";
import { ZipFile } from "./zip_reader.ts";

export { checkSymlinkTarget, commonPrefix } from "./unpack_plan.ts";
export type { DeferredLink } from "./unpack_writer.ts";

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

/** What an unpack reports besides the files: members skipped, with the reason. */
export interface UnpackResult {
  warnings: string[];
  /** With `links: "defer"` only: the links still to make, in archive order. */
  links?: DeferredLink[];
}

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
      const { path, type, typeflag, linkTarget, mode, mtime, badName } = entry;
      members.push({
        path,
        type,
        typeflag,
        linkTarget,
        mode,
        mtime,
        ...(badName ? { badName } : {}),
      });
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
      ...(entry.badName ? { badName: entry.badName } : {}),
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
    await writer.write(action, action.member.type === "file" ? zip.stream(entry) : undefined);
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
