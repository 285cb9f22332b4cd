/**
 * The sources a profile needs, and which of them are nowhere on this machine (neither in the
 * source cache nor in a folder mirror): what `hit fetch PROFILE` fetches, what a bundle
 * exports, and the pre-check of `hit build --offline`. Reads the cache, the mirrors and the
 * build store; fetches and writes nothing.
 */
import { artifactState } from "../core/build_store.ts";
import type { Config } from "../core/config.ts";
import { openSourceCache, type SourcePlace } from "../core/source_cache.ts";
import { HitError } from "../errors.ts";
import type { PackEntry } from "../spec/hit_pack.ts";
import type { ResolvedProfile } from "../spec/resolve.ts";

/** One source a profile needs, once per key. */
export interface NeededSource {
  key: string;
  /** Where to download it; none for a build-script bundle (and for some `files:` keys). */
  url?: string;
  /** The packages that need it, in build order. */
  packages: string[];
  /** The entries of a package's build-script bundle: computed, written, never downloaded. */
  bundle?: PackEntry[];
}

/**
 * Every source of the packages of `profiles` (all of each closure, or those `include` keeps),
 * in build order, each package's bundle first; one entry per key.
 */
export function listNeededSources(
  profiles: readonly ResolvedProfile[],
  include: (name: string, profile: ResolvedProfile) => boolean = () => true,
): NeededSource[] {
  const byKey = new Map<string, NeededSource>();
  const add = (name: string, source: Omit<NeededSource, "packages">) => {
    const known = byKey.get(source.key);
    if (known === undefined) byKey.set(source.key, { ...source, packages: [name] });
    else {
      if (!known.packages.includes(name)) known.packages.push(name);
      known.url ??= source.url;
    }
  };
  for (const profile of profiles) {
    for (const name of profile.buildOrder) {
      if (!include(name, profile)) continue;
      const pkg = profile.packages.get(name)!;
      add(name, { key: pkg.bundle.key, bundle: pkg.bundle.entries });
      for (const source of pkg.sources) add(name, { key: source.key, url: source.url });
    }
  }
  return [...byKey.values()];
}

/**
 * The packages of `resolved` a build would build: `only` (default: the whole closure) less
 * those already in the build store.
 */
export async function packagesToBuild(
  resolved: ResolvedProfile,
  buildStore: string,
  only?: readonly string[],
): Promise<Set<string>> {
  const wanted = new Set<string>();
  for (const name of resolved.buildOrder) {
    if (only !== undefined && only.length > 0 && !only.includes(name)) continue;
    const pkg = resolved.packages.get(name)!;
    if (await artifactState(buildStore, pkg.artifactId) !== "built") wanted.add(name);
  }
  return wanted;
}

/**
 * The sources of `needed` that are neither in the cache nor in a folder mirror. Bundles are
 * never missing: they are computed from the spec files.
 */
export async function findMissingSources(
  needed: readonly NeededSource[],
  cache: { locate(key: string): Promise<SourcePlace | undefined> },
): Promise<NeededSource[]> {
  const missing: NeededSource[] = [];
  for (const source of needed) {
    if (source.bundle !== undefined) continue;
    if (await cache.locate(source.key) === undefined) missing.push(source);
  }
  return missing;
}

/** One line naming a source: its packages, key and URL. */
export function describeSource(source: NeededSource): string {
  const packages = source.packages.map((name) => `"${name}"`).join(", ");
  return `${packages}: ${source.key}${source.url === undefined ? "" : ` from "${source.url}"`}`;
}

/** Sources an offline run needs but cannot have; lists them all. */
export class MissingSourcesError extends HitError {
  missing: NeededSource[];

  constructor(action: string, missing: NeededSource[], fetchCommand: string) {
    const count = missing.length === 1 ? "1 source is" : `${missing.length} sources are`;
    super(`${action}: ${count} missing from the source cache and its mirrors`, {
      context: missing.map(describeSource),
      hint: `on a machine with network, run "${fetchCommand}" and carry the source cache, or ` +
        `"hit mirror export" a bundle and "hit mirror import" it here (or use its folder with ` +
        `"--mirror DIR")`,
    });
    this.name = "MissingSourcesError";
    this.missing = missing;
  }
}

/**
 * The pre-check of `hit build --offline`: every source of the packages the build would build
 * (`only`, or the whole closure, less what is built) is in the cache or a folder mirror.
 * @throws {MissingSourcesError} listing every missing source, with `fetchCommand` as the way out.
 */
export async function checkOfflineSources(
  resolved: ResolvedProfile,
  config: Config,
  options: { only?: readonly string[]; fetchCommand: string },
): Promise<void> {
  const toBuild = await packagesToBuild(resolved, config.buildStore, options.only);
  const needed = listNeededSources([resolved], (name) => toBuild.has(name));
  const missing = await findMissingSources(needed, openSourceCache(config));
  if (missing.length > 0) {
    throw new MissingSourcesError("build offline", missing, options.fetchCommand);
  }
}

/** Quotes a command-line word for a POSIX shell when it needs it. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The `hit fetch` command line that prefetches the sources of `profile` with `overrides`. */
export function prefetchCommand(profile: string, overrides: Record<string, string> = {}): string {
  const words = ["hit", "fetch", profile];
  for (const [name, value] of Object.entries(overrides)) words.push(`${name}=${value}`);
  return words.map(shellWord).join(" ");
}
