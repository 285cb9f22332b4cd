/**
 * What `hit build` would do, touching nothing (`--dry-run`): the packages it would build, those
 * already in the store, and for the packages to build, the sources it would download from
 * their URLs, copy from a folder mirror, or find in the source cache. Reads the store and the
 * source cache.
 */
import type { Config } from "../core/config.ts";
import { openSourceCache } from "../core/source_cache.ts";
import type { ResolvedProfile } from "../spec/resolve.ts";
import { listNeededSources, packagesToBuild } from "./missing_sources.ts";
import { type PlannedSource, planPrefetch } from "./prefetch.ts";

/** The plan of a build. */
export interface BuildPlan {
  /** Packages to build, in build order; the profile artifact comes after them. */
  build: string[];
  /** Packages already in the build store. */
  present: string[];
  /** Whether the profile artifact itself is built already. */
  profilePresent: boolean;
  /** Each source of the packages to build (bundles excluded) and what would happen to it. */
  sources: PlannedSource[];
}

/** The plan of building `only` (default: all) of `resolved` with `config`. */
export async function planBuild(
  resolved: ResolvedProfile,
  config: Config,
  options: { only?: readonly string[]; profileBuilt: boolean },
): Promise<BuildPlan> {
  const toBuild = await packagesToBuild(resolved, config.buildStore, options.only);
  const build = resolved.buildOrder.filter((name) => toBuild.has(name));
  const present = resolved.buildOrder.filter((name) =>
    !toBuild.has(name) &&
    (options.only === undefined || options.only.length === 0 || options.only.includes(name))
  );
  const needed = listNeededSources([resolved], (name) => toBuild.has(name))
    .filter((source) => source.bundle === undefined);
  const sources = await planPrefetch(needed, openSourceCache(config));
  return { build, present, profilePresent: options.profileBuilt, sources };
}
