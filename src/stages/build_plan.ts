/**
 * What `hit build` would do, touching nothing (`--dry-run`): the packages it would build, those
 * already in the store, and for the packages to build, the sources it would download from
 * their URLs, copy from a folder mirror, or find in the source cache. Reads the store and the
 * source cache.
 */
import type { Config } from "../core/config.ts";
import { openSourceCache } from "../core/source_cache.ts";
import type { OpenRemote } from "../core/remotes.ts";
import type { ResolvedProfile } from "../spec/resolve.ts";
import { listNeededSources, packagesToBuild } from "./missing_sources.ts";
import { type PlannedSource, planPrefetch } from "./prefetch.ts";
import { remoteHolding } from "./pull_remotes.ts";

/** The plan of a build. */
export interface BuildPlan {
  /** Packages to build, in build order; the profile artifact comes after them. */
  build: string[];
  /** Packages a remote holds (pulled instead of built), with the remote's name. */
  pull: { name: string; remote: string }[];
  /** Packages already in the build store. */
  present: string[];
  /** Whether the profile artifact itself is built already. */
  profilePresent: boolean;
  /** Each source of the packages to build (bundles excluded) and what would happen to it. */
  sources: PlannedSource[];
}

/**
 * The plan of building `only` (default: all) of `resolved` with `config`. A package is pulled
 * when one of `remotes` has it and its build dependencies are present or pulled too (as a
 * build asks), so its sources are not needed.
 */
export async function planBuild(
  resolved: ResolvedProfile,
  config: Config,
  options: { only?: readonly string[]; profileBuilt: boolean; remotes?: readonly OpenRemote[] },
): Promise<BuildPlan> {
  const toBuild = await packagesToBuild(resolved, config.buildStore, options.only);
  const pull: BuildPlan["pull"] = [];
  const pulled = new Set<string>();
  for (const name of resolved.buildOrder) {
    const pkg = resolved.packages.get(name)!;
    if (!toBuild.has(name) || (options.remotes ?? []).length === 0) continue;
    if (!pkg.buildDeps.every((dep) => !toBuild.has(dep) || pulled.has(dep))) continue;
    const remote = await remoteHolding(options.remotes!, pkg.artifactId);
    if (remote === undefined) continue;
    pull.push({ name, remote });
    pulled.add(name);
  }
  const build = resolved.buildOrder.filter((name) => toBuild.has(name) && !pulled.has(name));
  const present = resolved.buildOrder.filter((name) =>
    !toBuild.has(name) &&
    (options.only === undefined || options.only.length === 0 || options.only.includes(name))
  );
  const needed = listNeededSources([resolved], (name) => toBuild.has(name) && !pulled.has(name))
    .filter((source) => source.bundle === undefined);
  const sources = await planPrefetch(needed, openSourceCache(config));
  return { build, pull, present, profilePresent: options.profileBuilt, sources };
}
