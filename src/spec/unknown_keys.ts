/**
 * Top-level keys of profiles and package specs that HashDist does not know. It ignores them
 * (HASHDIST.md §1.2, §1.3), and so does `hit`, artifact ids included; but a typo such as
 * `pakages:` silently empties a profile, so each is a warning with the closest known key. Pure.
 */
import { closeNames } from "./close_names.ts";
import type { ValueMap } from "./values.ts";

/** The top-level keys of a profile (§1.2). */
export const PROFILE_KEYS = [
  "extends",
  "parameters",
  "packages",
  "package_dirs",
  "hook_import_dirs",
] as const;

/** The top-level keys of a package spec (§1.3). */
export const SPEC_KEYS = [
  "extends",
  "defaults",
  "when",
  "dependencies",
  "sources",
  "build_stages",
  "when_build_dependency",
  "profile_links",
  "post_process",
] as const;

// Keys specs carry for people, which HashDist's own specs use (`licenses`): never warned about.
const DESCRIPTIVE_KEYS = new Set([
  "description",
  "licenses",
  "license",
  "version",
  "name",
  "homepage",
  "url",
  "notes",
  "maintainers",
]);

/** One warning for each key of `doc` that is not in `known` (nor descriptive), naming `file`. */
export function unknownKeyWarnings(
  doc: ValueMap,
  known: readonly string[],
  file: string,
): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(doc)) {
    if (known.includes(key) || DESCRIPTIVE_KEYS.has(key) || /^when\s/.test(key)) continue;
    const close = closeNames(key, known);
    const names = close.map((name) => `"${name}"`).join(" or ");
    const hint = close.length > 0 ? `; did you mean ${names}?` : "";
    warnings.push(`unknown top-level key "${key}" in ${file} is ignored${hint}`);
  }
  return warnings;
}
