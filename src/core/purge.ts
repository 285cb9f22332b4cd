/**
 * What `hit purge` removes (HASHDIST.md §6.8): artifact folders named by full id, by
 * `name/short`, or by a unique prefix of either, and the live gc roots that still use them.
 * Works on listings made by `stored_artifacts.ts` and `gc_roots.ts`; reads nothing itself.
 */
import { HitError } from "../errors.ts";
import { markLive, type MarkSources } from "./gc.ts";
import type { GcRoot } from "./gc_roots.ts";
import { folderKey, type StoredArtifact } from "./stored_artifacts.ts";

/**
 * The one stored artifact that `pattern` names: its id or `name/short` starts with `pattern`,
 * or `pattern` is the full id of a folder without `id` (the original names such folders by
 * their first 12 hash characters).
 * @throws {HitError} when nothing or more than one artifact matches.
 */
export function matchArtifact(stored: readonly StoredArtifact[], pattern: string): StoredArtifact {
  const matches = stored.filter((artifact) =>
    (artifact.id ?? folderKey(artifact)).startsWith(pattern) ||
    (artifact.id === undefined && pattern.startsWith(folderKey(artifact)))
  );
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    throw new HitError(`purge "${pattern}": no artifact in the store matches`, {
      hint: closestHint(stored, pattern),
    });
  }
  throw new HitError(`purge "${pattern}": ${matches.length} artifacts match`, {
    context: matches.map((artifact) => artifact.id ?? `${folderKey(artifact)} (no id)`),
    hint: "give more characters of the artifact id",
  });
}

function closestHint(stored: readonly StoredArtifact[], pattern: string): string {
  const slash = pattern.indexOf("/");
  const name = slash < 0 ? pattern : pattern.slice(0, slash);
  const sameName = stored.filter((artifact) => artifact.name === name);
  if (sameName.length > 0) {
    return `the store holds ${sameName.map((artifact) => `"${folderKey(artifact)}"`).join(", ")}`;
  }
  if (stored.length === 0) return "the build store is empty";
  return `give an artifact id such as "${folderKey(stored[0])}"; "hit status PROFILE" lists ids`;
}

/**
 * The live gc roots that keep each of `targets` alive, by the rule of `hit gc` (policy `run`):
 * what `hit gc` would keep, `hit purge` refuses without `--force`.
 */
export async function rootsUsing(
  roots: readonly GcRoot[],
  targets: readonly StoredArtifact[],
  sources: MarkSources,
): Promise<Map<StoredArtifact, GcRoot[]>> {
  const users = new Map<StoredArtifact, GcRoot[]>();
  for (const root of roots) {
    if (root.state !== "live") continue;
    const live = await markLive([root], "run", sources);
    for (const target of targets) {
      // A folder without `id` is kept by no root, unless a root names its id.
      const used = target.id !== undefined
        ? live.has(target.id)
        : [...live].some((id) => id.startsWith(folderKey(target)));
      if (used) {
        users.set(target, [...users.get(target) ?? [], root]);
      }
    }
  }
  return users;
}
