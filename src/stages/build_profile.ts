/**
 * `hit build` of a whole profile (HASHDIST.md §6.3, §6.4): fetch what is missing, build each
 * missing package in dependency order, build the profile artifact, then point the user's link
 * at it and register the gc root. Reports progress as events; never prints.
 */
import { HitError } from "../errors.ts";
import { artifactDir, artifactState } from "../core/build_store.ts";
import { linkProfile } from "../core/gc_roots.ts";
import type { PackEntry } from "../spec/hit_pack.ts";
import type { PackageResult, ResolvedProfile } from "../spec/resolve.ts";
import { buildArtifact, type BuildContext } from "./build_artifact.ts";

/** The source cache as the build needs it. */
export interface SourceStore {
  /** Stores a build-script bundle; returns its key. */
  putHitPack(entries: PackEntry[]): Promise<string>;
  /** Makes `key` present in the cache, fetching it from mirrors or `url` if needed. */
  ensure(key: string, url: string | undefined, repoName: string): Promise<void>;
  /** Unpacks `key` into `target`. */
  unpack(key: string, target: string): Promise<void>;
}

/** Progress of a profile build. */
export type BuildEvent =
  | { type: "plan"; toBuild: string[]; cached: string[] }
  | { type: "fetch"; name: string; key: string }
  | { type: "start"; name: string; id: string }
  | { type: "output"; name: string; line: string }
  | { type: "done"; name: string; id: string; seconds: number; status: "built" | "cached" }
  | { type: "linked"; link: string; dir: string; upToDate: boolean };

/** Options of `buildProfile`. */
export interface BuildProfileOptions {
  /** The user's link to create (absolute or relative to the current folder); none to skip. */
  link?: string;
  /** Build only these packages (their build dependencies must be built), no profile. */
  only?: string[];
  onEvent?: (event: BuildEvent) => void;
}

/** What a profile build made. */
export interface BuildProfileResult {
  built: string[];
  cached: string[];
  profileDir?: string;
  link?: string;
}

/**
 * Builds every missing package of `resolved`, then the profile artifact and its link.
 * @throws {BuildFailure} for a failed build; {HitError} for a missing source.
 */
export async function buildProfile(
  resolved: ResolvedProfile,
  sources: SourceStore,
  context: BuildContext,
  options: BuildProfileOptions = {},
): Promise<BuildProfileResult> {
  const emit = options.onEvent ?? (() => {});
  const store = context.config.buildStore;
  const wanted = options.only ?? resolved.buildOrder;
  const toBuild: PackageResult[] = [];
  const cached: string[] = [];
  for (const name of resolved.buildOrder) {
    if (!wanted.includes(name)) continue;
    const pkg = resolved.packages.get(name)!;
    if (await artifactState(store, pkg.artifactId) === "built") cached.push(name);
    else toBuild.push(pkg);
  }
  emit({ type: "plan", toBuild: toBuild.map((pkg) => pkg.name), cached });

  // Every source first, so that a long build never waits on the network half-way.
  for (const pkg of toBuild) {
    await sources.putHitPack(pkg.bundle.entries);
    for (const source of pkg.sources) {
      emit({ type: "fetch", name: pkg.name, key: source.key });
      try {
        await sources.ensure(source.key, source.url, pkg.name);
      } catch (error) {
        if (error instanceof HitError) {
          error.location.package ??= pkg.name;
          error.addContext(`while fetching the sources of package "${pkg.name}"`);
        }
        throw error;
      }
    }
  }

  const built: string[] = [];
  for (const pkg of toBuild) {
    emit({ type: "start", name: pkg.name, id: pkg.artifactId });
    const started = performance.now();
    const outcome = await buildArtifact(pkg.buildSpec, pkg.artifactId, { isProfile: false }, {
      ...context,
      onOutput: (line) => emit({ type: "output", name: pkg.name, line }),
    });
    (outcome.status === "built" ? built : cached).push(pkg.name);
    emit({
      type: "done",
      name: pkg.name,
      id: pkg.artifactId,
      seconds: (performance.now() - started) / 1000,
      status: outcome.status,
    });
  }
  if (options.only) return { built, cached };

  const profileId = resolved.profileArtifactId;
  const profileDir = artifactDir(store, profileId);
  const upToDate = built.length === 0 && await artifactState(store, profileId) === "built";
  if (!upToDate) {
    emit({ type: "start", name: "profile", id: profileId });
    const started = performance.now();
    const outcome = await buildArtifact(resolved.profileBuildSpec, profileId, { isProfile: true }, {
      ...context,
      onOutput: (line) => emit({ type: "output", name: "profile", line }),
    });
    emit({
      type: "done",
      name: "profile",
      id: profileId,
      seconds: (performance.now() - started) / 1000,
      status: outcome.status,
    });
  }
  let link: string | undefined;
  if (options.link !== undefined) {
    link = await linkProfile(profileDir, options.link, context.config.gcRoots);
    emit({ type: "linked", link, dir: profileDir, upToDate });
  }
  return { built, cached, profileDir, link };
}
