/**
 * Checking a mirror bundle folder against its manifest (`hit mirror verify`, and before every
 * import): each source and file present, inside the bundle, of the size and SHA-256 listed, and
 * each source's hash matching its key. Reads the bundle only.
 */
import { join } from "node:path";
import { HitError } from "../errors.ts";
import { fileError } from "./file_error.ts";
import { b32 } from "../spec/hash_document.ts";
import { type GitCache, hasCommit } from "./git_source.ts";
import {
  hashFile,
  hashTree,
  MANIFEST_FILE,
  type MirrorEntry,
  type MirrorManifest,
  parseManifest,
} from "./mirror_manifest.ts";
import { parseSourceKey } from "./source_key.ts";

/** One damaged or missing part of a bundle. */
export interface BundleProblem {
  path: string;
  key?: string;
  package?: string;
  reason: string;
}

/** What `verifyBundle` found. */
export interface VerifyResult {
  manifest: MirrorManifest;
  /** Entries and files checked. */
  checked: number;
  problems: BundleProblem[];
}

/**
 * Checks every entry and file of the bundle folder `dir` against its manifest: present, inside
 * the bundle, the size and SHA-256 it lists, and a hash that matches its key.
 * @throws {HitError} when the manifest is missing or unreadable.
 */
export async function verifyBundle(dir: string): Promise<VerifyResult> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(manifestPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotADirectory) {
      throw new HitError(`verify bundle "${dir}": not a bundle folder or a .tar bundle`, {
        hint: 'a bundle is written by "hit mirror export"',
      });
    }
    if (!(error instanceof Deno.errors.NotFound)) {
      throw fileError(`verify bundle "${dir}"`, error, manifestPath);
    }
    throw new HitError(`verify bundle "${dir}": no "${MANIFEST_FILE}" in it`, {
      hint: 'a bundle is written by "hit mirror export"',
    });
  }
  const manifest = parseManifest(text, manifestPath);
  const root = await Deno.realPath(dir);
  const problems: BundleProblem[] = [];
  for (const entry of manifest.entries) {
    const reason = await checkEntry(root, entry);
    if (reason !== undefined) {
      problems.push({ path: entry.path, key: entry.key, package: entry.package, reason });
    }
  }
  for (const file of manifest.files) {
    const reason = await checkFile(root, file.path, file, false);
    if (reason !== undefined) problems.push({ path: file.path, reason });
  }
  return { manifest, checked: manifest.entries.length + manifest.files.length, problems };
}

/** The problems of a bundle as one error naming each damaged entry. */
export function damagedBundleError(action: string, bundle: string, problems: BundleProblem[]) {
  return new HitError(
    `${action} bundle "${bundle}": ${problems.length} of its entries ${
      problems.length === 1 ? "is" : "are"
    } damaged or missing`,
    {
      context: problems.map((problem) =>
        `${problem.path}${problem.key === undefined ? "" : ` (${problem.key}`}${
          problem.package === undefined ? "" : `, package "${problem.package}"`
        }${problem.key === undefined ? "" : ")"}: ${problem.reason}`
      ),
      hint: "copy the bundle again, or export it again on the connected machine",
    },
  );
}

async function checkEntry(root: string, entry: MirrorEntry): Promise<string | undefined> {
  let type: string;
  let hash: string;
  try {
    ({ type, hash } = parseSourceKey(entry.key));
  } catch (error) {
    if (error instanceof HitError) return error.message;
    throw error;
  }
  const expected = type === "git"
    ? undefined
    : type === "files"
    ? `files/${hash}`
    : `packs/${type}/${hash}`;
  if (expected !== undefined && entry.path !== expected) return `the path should be "${expected}"`;
  if (type === "git" && !/^git\/[^/]+$/.test(entry.path)) return `not a path "git/<repo>"`;
  const reason = await checkFile(root, entry.path, entry, type === "git");
  if (reason !== undefined) return reason;
  if (type === "git") {
    const git: GitCache = { gitDir: join(root, "git"), lockDir: root, env: {} };
    if (!await hasCommit(git, join(root, entry.path), hash)) return "the commit is not in the repo";
  } else if (b32(Uint8Array.from(entry.sha256.match(/../g)!, (h) => parseInt(h, 16))) !== hash) {
    return "its sha256 does not match its key";
  }
  return undefined;
}

async function checkFile(
  root: string,
  path: string,
  expected: { size: number; sha256: string },
  folder: boolean,
): Promise<string | undefined> {
  const full = join(root, path);
  let info: Deno.FileInfo;
  let real: string;
  try {
    info = await Deno.lstat(full);
    real = await Deno.realPath(full);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
  if (real !== full || (folder ? !info.isDirectory : !info.isFile)) {
    return `not a ${folder ? "folder" : "file"} inside the bundle`;
  }
  const actual = folder ? await hashTree(full) : await hashFile(full);
  if (actual.size !== expected.size) {
    return `size ${actual.size}, the manifest says ${expected.size}`;
  }
  if (actual.sha256 !== expected.sha256) return "sha256 differs from the manifest";
  return undefined;
}
