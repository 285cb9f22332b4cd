/**
 * Build folders that failed builds left in `build_temp` (`<name>-<hash12>`, `-1`, `-2` …, kept
 * for debugging): listed by age and removed by `hit gc` once older than a day, or all of them.
 * Touches only such folders, never `hit bdir` folders (`…-bdir-…`) or anything else there.
 * The caller holds the gc lock, so no build is running.
 */
import { join } from "node:path";
import { removeTree } from "./build_store.ts";
import { diskUsage } from "./stored_artifacts.ts";

/** How old a failed build folder must be before `hit gc` removes it by default. */
export const FAILED_BUILD_AGE_MS = 24 * 60 * 60 * 1000;

const BUILD_FOLDER = /^.+-[a-z0-9]{12}(-\d+)?$/;

/** One failed build folder that went (or would go). */
export interface FailedBuild {
  dir: string;
  bytes: number;
}

/**
 * Removes the failed build folders of `buildTemp` last changed before `olderThan` (a time in
 * ms), or only lists them with `dryRun`.
 */
export async function removeFailedBuilds(
  buildTemp: string,
  options: { olderThan: number; dryRun: boolean },
): Promise<FailedBuild[]> {
  const removed: FailedBuild[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(buildTemp));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  for (const entry of entries.sort((a, b) => a.name < b.name ? -1 : 1)) {
    if (!entry.isDirectory || !BUILD_FOLDER.test(entry.name) || entry.name.includes("-bdir-")) {
      continue;
    }
    const dir = join(buildTemp, entry.name);
    const changed = (await Deno.stat(dir)).mtime?.getTime() ?? 0;
    if (changed >= options.olderThan) continue;
    const bytes = await diskUsage(dir);
    if (!options.dryRun) await removeTree(dir);
    removed.push({ dir, bytes });
  }
  return removed;
}
