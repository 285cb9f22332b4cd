/**
 * Mirror bundles (`hit mirror export|import`): a folder laid out as a source cache
 * (`packs/<type>/<hash>`, `files/<hash>`, bare repos in `git/<repo>`) plus `hit-mirror.json`,
 * the profile and spec files under `profiles/` and, from a compiled `hit`, `bin/hit`. The folder
 * serves as a read-only mirror in place; its tar form is `bundle_tar.ts`, its check
 * `bundle_verify.ts`. Export fills a temp folder beside its output and renames it; import checks
 * every entry before it copies anything into the source cache.
 */
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { HitError } from "../errors.ts";
import { b32 } from "../spec/hash_document.ts";
import { VERSION } from "../version.ts";
import { checkBundledProfiles, copySpecFiles } from "./bundle_profiles.ts";
import { isTarBundle, writeTar } from "./bundle_tar.ts";
import { damagedBundleError, verifyBundle } from "./bundle_verify.ts";
import { mirrorFolder } from "./download.ts";
import { fetchGit, type GitCache, listGitClosure } from "./git_source.ts";
import {
  hashFile,
  hashTree,
  MANIFEST_FILE,
  MANIFEST_VERSION,
  type MirrorEntry,
  type MirrorManifest,
} from "./mirror_manifest.ts";
import { openSourceCache, type SourceCache, type SourceCacheOptions } from "./source_cache.ts";
import { parseSourceKey } from "./source_key.ts";
import { exists } from "./exists.ts";

/** A source to export: its key, URL, and the package that needs it. */
export interface BundleSource {
  key: string;
  url?: string;
  package: string;
}

/** What `exportBundle` writes, and where. */
export interface ExportRequest {
  /** The bundle to write: a new folder, or a `.tar` file. */
  out: string;
  sources: readonly BundleSource[];
  /** Every profile and spec file the profiles were resolved from (absolute paths). */
  specFiles: readonly string[];
  profiles: readonly { file: string; parameters: Record<string, string>; artifactId: string }[];
  /** The compiled `hit` to carry as `bin/hit`, if any. */
  binary?: string;
  created: Date;
  /** The environment `git` may see; default: only a PATH. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** What `importBundle` did. */
export interface ImportResult {
  manifest: MirrorManifest;
  imported: number;
  alreadyCached: number;
}

/**
 * Writes a bundle of `request` at `request.out` (a folder, or a `.tar` file), which must not
 * exist. Sources come from `cache` or its folder mirrors.
 * @throws {HitError} when a source is missing or damaged, or a profile's copy does not resolve
 * on its own; nothing is left at `request.out`.
 */
export async function exportBundle(
  cache: SourceCache,
  request: ExportRequest,
): Promise<MirrorManifest> {
  const { out } = request;
  if (await exists(out)) {
    throw new HitError(`export bundle "${out}": it already exists`, {
      hint: "remove it, or name another output",
    });
  }
  await Deno.mkdir(dirname(out), { recursive: true });
  const temp = await Deno.realPath(
    await Deno.makeTempDir({ dir: dirname(out), prefix: ".hit-mirror-" }),
  );
  try {
    const manifest = await fillBundle(cache, request, temp);
    checkBundledProfiles(temp, manifest.profiles);
    if (isTarBundle(out)) await writeTar(temp, out);
    else await Deno.rename(temp, out);
    return manifest;
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
}

async function fillBundle(
  cache: SourceCache,
  request: ExportRequest,
  dir: string,
): Promise<MirrorManifest> {
  const entries: MirrorEntry[] = [];
  const missing: string[] = [];
  const git: GitCache = {
    gitDir: join(dir, "git"),
    lockDir: join(dir, ".locks"),
    env: request.env ?? {},
    mirrorGitDirs: [cache.root, ...cache.mirrors.flatMap((m) => mirrorFolder(m) ?? [])]
      .map((root) => join(root, "git")),
  };
  const gitEntries: MirrorEntry[] = [];
  for (const source of request.sources) {
    const found = await cache.locate(source.key);
    if (found === undefined) {
      missing.push(`"${source.package}": ${source.key}`);
      continue;
    }
    const { type, hash } = parseSourceKey(source.key);
    if (type === "git") {
      const url = source.url ?? "";
      const closure = { commit: hash, url, repoName: source.package, remote: false };
      await fetchGit(git, closure);
      for (const part of await listGitClosure(git, closure)) {
        const path = `git/${part.repoName}`;
        if (gitEntries.some((e) => e.key === `git:${part.commit}` && e.path === path)) continue;
        gitEntries.push({
          key: `git:${part.commit}`,
          package: source.package,
          url: part.url === "" ? null : part.url,
          size: 0,
          sha256: "",
          path,
        });
      }
      continue;
    }
    const path = type === "files" ? `files/${hash}` : `packs/${type}/${hash}`;
    const copied = await copyChecked(found.path, join(dir, path), hash);
    if (copied === undefined) {
      throw new HitError(`export "${source.key}": the copy at "${found.path}" is corrupted`, {
        location: { package: source.package },
        hint: `delete it and fetch it again ("hit fetch")`,
      });
    }
    entries.push({
      key: source.key,
      package: source.package,
      url: source.url ?? null,
      ...copied,
      path,
    });
  }
  if (missing.length > 0) {
    throw new HitError(`export bundle: ${missing.length} sources are not in the source cache`, {
      context: missing,
      hint: `fetch them first with "hit fetch PROFILE"`,
    });
  }
  await Deno.remove(git.lockDir, { recursive: true }).catch(() => {});
  // Hashed once every commit is in: two packages can share a repo name across profiles.
  for (const entry of gitEntries) {
    entries.push({ ...entry, ...await hashTree(join(dir, entry.path)) });
  }
  const { placed, files } = await copySpecFiles(request.specFiles, dir);
  if (request.binary !== undefined) {
    await Deno.mkdir(join(dir, "bin"));
    await Deno.copyFile(request.binary, join(dir, "bin", "hit"));
    await Deno.chmod(join(dir, "bin", "hit"), 0o755);
    files.push({ path: "bin/hit", ...await hashFile(join(dir, "bin", "hit")) });
  }
  const manifest: MirrorManifest = {
    version: MANIFEST_VERSION,
    created: request.created.toISOString(),
    hit: VERSION,
    profiles: request.profiles.map((profile) => ({
      path: placed.get(profile.file)!,
      parameters: profile.parameters,
      artifact_id: profile.artifactId,
    })),
    entries,
    files,
  };
  await Deno.writeTextFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/**
 * Verifies the bundle folder `dir`, then adds every source it holds to the source cache at
 * `cacheRoot` (archives and hit-packs checked again as they are copied, git commits fetched
 * from its repos). Nothing is copied when any entry is damaged.
 * @throws {HitError} naming every damaged entry, or when a copy fails.
 */
export async function importBundle(
  dir: string,
  cacheRoot: string,
  options: SourceCacheOptions & { label?: string } = {},
): Promise<ImportResult> {
  const { manifest, problems } = await verifyBundle(dir);
  if (problems.length > 0) throw damagedBundleError("import", options.label ?? dir, problems);
  const cache = openSourceCache({ sourceCache: cacheRoot, mirrors: [dir] }, options);
  let imported = 0;
  let alreadyCached = 0;
  for (const entry of manifest.entries) {
    if (await cache.has(entry.key)) {
      alreadyCached++;
      continue;
    }
    const repoName = entry.path.startsWith("git/") ? basename(entry.path) : entry.package;
    try {
      await cache.fetchSource(
        { key: entry.key, url: entry.url ?? undefined },
        { repoName, offline: true },
      );
    } catch (error) {
      if (error instanceof HitError) error.addContext(`while importing "${entry.path}"`);
      throw error;
    }
    imported++;
  }
  return { manifest, imported, alreadyCached };
}

// Copies `from` to `to` (mode 0444) while hashing; undefined when its hash is not `keyHash`.
async function copyChecked(
  from: string,
  to: string,
  keyHash: string,
): Promise<{ size: number; sha256: string } | undefined> {
  await Deno.mkdir(dirname(to), { recursive: true });
  using source = await Deno.open(from, { read: true });
  using target = await Deno.open(to, { write: true, createNew: true });
  const hash = createHash("sha256");
  const buffer = new Uint8Array(1 << 20);
  let size = 0;
  for (;;) {
    const count = await source.read(buffer);
    if (count === null) break;
    const chunk = buffer.subarray(0, count);
    hash.update(chunk);
    for (let done = 0; done < chunk.length;) done += await target.write(chunk.subarray(done));
    size += count;
  }
  const digest = hash.digest();
  if (b32(new Uint8Array(digest)) !== keyHash) return undefined;
  await Deno.chmod(to, 0o444);
  return { size, sha256: digest.toString("hex") };
}
