/**
 * `hit build --check`: the options, the report (pure): per package "reproducible" or the paths
 * that differ with a hint each, and the run, which makes sure the sources are cached and builds
 * each stored package a second time (`stages/check_artifacts.ts`). `build.ts` prints.
 */
import type { ResolvedProfile } from "../spec/resolve.ts";
import type { BuildContext } from "../stages/build_artifact.ts";
import { type BuildEvent, ensureSources, type SourceStore } from "../stages/build_profile.ts";
import { checkArtifacts, type CheckResult } from "../stages/check_artifacts.ts";
import type { OptionSpec } from "./args.ts";
import type { BuildArgs } from "./build.ts";

/** The options `hit build` has for checking. */
export const CHECK_OPTIONS: readonly OptionSpec[] = [
  {
    name: "check",
    description: "build stored packages again and compare; exit 1 when one differs",
  },
  { name: "keep", description: "with --check: keep the second builds and print where" },
];

/** The report of `hit build --check`, one block per package. */
export function renderCheckResults(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    if (result.differences.length === 0) {
      lines.push(`${result.name}: reproducible`);
    } else {
      const count = result.differences.length;
      lines.push(
        `${result.name}: NOT reproducible, ${count} ${
          count === 1 ? "path differs" : "paths differ"
        }`,
      );
      for (const difference of result.differences) {
        const change = difference.stored !== undefined || difference.rebuilt !== undefined
          ? ` (${difference.stored ?? "-"} -> ${difference.rebuilt ?? "-"})`
          : "";
        lines.push(`  ${difference.path}: ${describe(difference.kind)}${change}`);
        if (difference.hint !== undefined) lines.push(`    hint: ${difference.hint}`);
      }
    }
    if (result.keptDir !== undefined) lines.push(`  second build kept at ${result.keptDir}`);
  }
  const failed = results.filter((result) => result.differences.length > 0).length;
  lines.push(
    failed === 0
      ? `${results.length} checked, all reproducible`
      : `${results.length} checked, ${failed} not reproducible`,
  );
  return lines.join("\n") + "\n";
}

function describe(kind: CheckResult["differences"][number]["kind"]): string {
  switch (kind) {
    case "only-stored":
      return "only in the stored artifact";
    case "only-rebuilt":
      return "only in the second build";
    case "type":
      return "file type differs";
    case "mode":
      return "mode differs";
    case "symlink-target":
      return "symlink target differs";
    case "contents":
      return "contents differ";
  }
}

/**
 * Makes sure the sources of the packages to check are cached, then builds each stored package
 * again and compares (`stages/check_artifacts.ts`); progress goes to `onEvent`.
 * @throws {HitError} for a package that is not built, a missing source, or a second build
 * that fails.
 */
export async function runCheck(
  resolved: ResolvedProfile,
  parsed: BuildArgs,
  build: BuildContext,
  io: { sources: SourceStore; onEvent: (event: BuildEvent) => void },
): Promise<CheckResult[]> {
  const only = parsed.packages.length > 0 ? parsed.packages : undefined;
  const names = only ?? resolved.buildOrder;
  await ensureSources(names.map((name) => resolved.packages.get(name)!), io.sources, {
    signal: build.signal,
    onEvent: io.onEvent,
  });
  return await checkArtifacts(resolved, build, { only, keep: parsed.keep, onEvent: io.onEvent });
}
