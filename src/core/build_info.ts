/**
 * `build-info.json`: when, where and by which `hit` an artifact was built. It is the one file of
 * an artifact that differs between two builds of the same inputs (with the build log), so it is
 * kept apart from `artifact.json`, and `hit build --check` ignores both. Reads the store only.
 */
import { join } from "node:path";

/** The build log in an artifact, gzip'd. */
export const BUILD_LOG = "build.log.gz";

/** The file this module describes. */
export const BUILD_INFO = "build-info.json";

/** The contents of `build-info.json`. */
export interface BuildInfo {
  hit_version: string;
  host: string;
  /** ISO 8601 times, UTC. */
  started: string;
  finished: string;
}

/** The `build-info.json` of the artifact in `dir`; undefined when it has none (older builds). */
export async function readBuildInfo(dir: string): Promise<BuildInfo | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, BUILD_INFO))) as BuildInfo;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
