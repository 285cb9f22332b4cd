/**
 * The plan of an unpack (HASHDIST.md §8.3), made from the member list before anything is
 * written: the common prefix, and where each member goes, with every member that could write
 * outside the target refused. Pure: it touches no files.
 */
import { HitError } from "../errors.ts";
import { quoteName } from "./member_name.ts";
import type { TarEntryType } from "./tar_reader.ts";
import type { ZipEntry } from "./zip_reader.ts";

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

/** A member as listed in pass 1. */
export interface Member {
  path: string;
  type: TarEntryType;
  typeflag?: string;
  /** The name or link target is not UTF-8 (see `TarEntry.badName`). */
  badName?: true;
  linkTarget?: string;
  mode?: number;
  mtime?: number;
  zip?: ZipEntry;
}

/** What pass 2 writes for one member: `parts` is its path below the target, prefix removed. */
export interface Action {
  parts: string[];
  member: Member;
  /** Hard links: the target's parts. */
  linkParts?: string[];
}

export interface PlanContext {
  archive: string;
  warnings: string[];
  /** How many folders above the target a symlink may point. */
  symlinkRoom: number;
  /** An absolute folder symlinks may point into with absolute targets. */
  absoluteLinksUnder?: string;
}

/**
 * Checks every member and decides where each one goes, before anything is written.
 * Entries no longer than the prefix, or outside it (D-7), map to null.
 */
export function planMembers(
  members: Member[],
  prefix: string,
  context: PlanContext,
): (Action | null)[] {
  const kinds = new Map<string, "file" | "directory" | "symlink">();
  const refuse = (member: Member, reason: string) =>
    new HitError(
      `unpack "${context.archive}": refusing entry ${quoteName(member.path)}: ${reason}`,
    );
  return members.map((member) => {
    checkRawPath(member.path, (reason) => refuse(member, reason));
    if (member.type === "other") {
      throw refuse(
        member,
        `devices, fifos and sockets are not unpacked (type ${quoteName(member.typeflag ?? "?")})`,
      );
    }
    // A Deno path is a string: bytes that are not UTF-8 cannot name the file GNU tar would make.
    if (member.badName) {
      context.warnings.push(
        `skipped entry ${quoteName(member.path)} of "${context.archive}": its name or link ` +
          "target is not valid UTF-8",
      );
      return null;
    }
    const parts = stripPrefix(member.path, prefix);
    if (parts === null) return null;
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const kind = kinds.get(parent);
      if (kind === "symlink") {
        throw refuse(member, `the path passes through the symlink ${quoteName(parent)}`);
      }
      if (kind === "file") {
        throw refuse(member, `the path passes through the file ${quoteName(parent)}`);
      }
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
      checkRawPath(
        link,
        (reason) => refuse(member, `hard link target ${quoteName(link)}: ${reason}`),
      );
      const linkParts = stripPrefix(link, prefix);
      if (linkParts === null || kinds.get(linkParts.join("/")) !== "file") {
        throw refuse(member, `hard link to a missing member ${quoteName(link)}`);
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
  if (link.startsWith("/")) throw refuse(`symlink target ${quoteName(link)} is absolute`);
  const parts = link.split("/").filter((part) => part !== "" && part !== ".");
  let up = 0;
  while (up < parts.length && parts[up] === "..") up++;
  if (parts.slice(up).includes("..")) {
    throw refuse(`symlink target ${quoteName(link)} goes up after a name`);
  }
  if (up > depth) throw refuse(`symlink target ${quoteName(link)} leaves the target directory`);
}

/** The parts of `path` after `prefix`, or null when it is no longer than or outside it. */
function stripPrefix(path: string, prefix: string): string[] | null {
  if (path.length <= prefix.length || !path.startsWith(prefix)) return null;
  const parts = path.slice(prefix.length).split("/").filter((part) => part !== "" && part !== ".");
  return parts.length === 0 ? null : parts;
}
