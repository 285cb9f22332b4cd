/**
 * Provenance of a profile's packages: what each artifact is built from (its sources with their
 * keys, URLs and the sha256 of the cached file, its dependencies with their artifact ids) and,
 * when it is in the store, how it was built (sandbox, `hit` version, host and times). The one
 * input of `hit show provenance` and `hit sbom`. Reads the store and the source cache only.
 */
import { basename } from "node:path";
import { artifactDir, artifactState, readArtifactJson } from "./build_store.ts";
import { readBuildInfo } from "./build_info.ts";
import { sha256File } from "./artifact_compare.ts";
import { parseSourceKey } from "./source_key.ts";
import type { SourcePlace } from "./source_cache.ts";
import type { ResolvedProfile } from "../spec/resolve.ts";

/** One source of a package. */
export interface SourceProvenance {
  key: string;
  /** Where it is fetched from; none for the bundled build files. */
  url?: string;
  kind: "archive" | "git" | "files";
  /** The full sha256 (hex) of the cached archive or file bundle; none when it is not cached. */
  sha256?: string;
  /** A git source's commit. */
  commit?: string;
}

/** A dependency: its package name and artifact id. */
export interface DependencyRef {
  name: string;
  artifactId: string;
}

/** Everything known about how one package's artifact is made. */
export interface PackageProvenance {
  name: string;
  /** From the spec, or else guessed from the first source URL's file name. */
  version?: string;
  artifactId: string;
  /** The SPDX licence expression the spec gives, if any. */
  license?: string;
  sources: SourceProvenance[];
  buildDependencies: DependencyRef[];
  runDependencies: DependencyRef[];
  /** Whether the artifact is in the store; the rest is only known then. */
  built: boolean;
  sandbox?: string;
  /** What the sandbox enforced (`artifact.json`'s `sandbox_details`): Landlock ABI, build uid. */
  sandboxDetails?: Record<string, unknown>;
  hitVersion?: string;
  host?: string;
  started?: string;
  finished?: string;
}

/** Where sources are, as `SourceCache.locate` answers. */
export type SourceLocator = (key: string) => Promise<SourcePlace | undefined>;

/**
 * The provenance of the packages `names` (default: every package, in build order) of `resolved`.
 * @throws {HitError} for a malformed source key.
 */
export async function collectProvenance(
  resolved: ResolvedProfile,
  options: { store: string; locate: SourceLocator; names?: readonly string[] },
): Promise<PackageProvenance[]> {
  const ref = (name: string): DependencyRef => ({
    name,
    artifactId: resolved.packages.get(name)!.artifactId,
  });
  const result: PackageProvenance[] = [];
  for (const name of options.names ?? resolved.buildOrder) {
    const pkg = resolved.packages.get(name)!;
    const sources: SourceProvenance[] = [];
    for (const source of pkg.sources) sources.push(await describeSource(source, options.locate));
    sources.push(await describeSource({ key: pkg.bundle.key }, options.locate));
    const entry: PackageProvenance = {
      name,
      version: pkg.version ?? versionFromUrl(pkg.sources.find((source) => source.url)?.url),
      artifactId: pkg.artifactId,
      license: pkg.license,
      sources,
      buildDependencies: [...pkg.buildDeps].sort().map(ref),
      runDependencies: [...pkg.runDeps].sort().map(ref),
      built: await artifactState(options.store, pkg.artifactId) === "built",
    };
    if (entry.built) {
      const artifactJson = await readArtifactJson(options.store, pkg.artifactId);
      entry.sandbox = artifactJson.sandbox;
      entry.sandboxDetails = artifactJson.sandbox_details;
      const info = await readBuildInfo(artifactDir(options.store, pkg.artifactId));
      entry.hitVersion = info?.hit_version;
      entry.host = info?.host;
      entry.started = info?.started;
      entry.finished = info?.finished;
    }
    result.push(entry);
  }
  return result;
}

async function describeSource(
  source: { key: string; url?: string },
  locate: SourceLocator,
): Promise<SourceProvenance> {
  const { type, hash } = parseSourceKey(source.key);
  const described: SourceProvenance = {
    key: source.key,
    url: source.url,
    kind: type === "git" ? "git" : type === "files" ? "files" : "archive",
  };
  if (type === "git") {
    described.commit = hash;
    return described;
  }
  const place = await locate(source.key);
  if (place !== undefined) described.sha256 = await sha256File(place.path);
  return described;
}

const ARCHIVE_SUFFIX = /(\.orig)?\.(tar\.gz|tar\.bz2|tar\.xz|tgz|tbz2|txz|zip|tar)$/;

/** A version guessed from an archive URL's file name: `zlib-1.2.13.tar.gz` gives `1.2.13`. */
export function versionFromUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let name: string;
  try {
    name = basename(new URL(url).pathname);
  } catch {
    name = basename(url);
  }
  const stem = name.replace(ARCHIVE_SUFFIX, "");
  if (stem === name) return undefined;
  return stem.match(/(?:^|[-_])v?(\d+(?:\.\d+)+[A-Za-z0-9.+~]*)$/)?.[1];
}
