/**
 * How `hit build` reports its plan (`--dry-run`) and its result (the end-of-build summary and
 * `--json`). Pure: data in, text out.
 */
import type { BuildPlan } from "../stages/build_plan.ts";
import type { PlannedSource } from "../stages/prefetch.ts";
import { describeSource } from "../stages/missing_sources.ts";

/** The plan as lines: what would be fetched, built, and what is already present. */
export function renderBuildPlan(plan: BuildPlan): string {
  const count = (action: string) => plan.sources.filter((s) => s.action === action).length;
  const lines = [
    `would fetch ${count("download")} sources, copy ${count("copy")} from mirrors ` +
    `(${count("cached")} already in the source cache)`,
    ...plan.sources.filter((s) => s.action === "download" || s.action === "copy").map((s) =>
      `  ${s.action === "copy" ? `copy from ${s.from}` : "download"}: ${describeSource(s.source)}`
    ),
    `would build ${plan.build.length} packages${
      plan.build.length > 0 ? `: ${plan.build.join(", ")}` : ""
    }`,
    `already present ${plan.present.length} packages${
      plan.present.length > 0 ? `: ${plan.present.join(", ")}` : ""
    }`,
    plan.profilePresent ? "the profile is already built" : "would build the profile",
  ];
  return lines.join("\n") + "\n";
}

/** The plan as the `--dry-run --json` object. */
export function buildPlanJson(plan: BuildPlan): Record<string, unknown> {
  return {
    build: plan.build,
    present: plan.present,
    profile_present: plan.profilePresent,
    sources: plan.sources.map(plannedSourceJson),
  };
}

/** One planned source as JSON (`build --dry-run --json`, `fetch PROFILE --dry-run --json`). */
export function plannedSourceJson(planned: PlannedSource): Record<string, unknown> {
  return {
    key: planned.source.key,
    url: planned.source.url ?? null,
    packages: planned.source.packages,
    action: planned.action,
  };
}

/** What a finished build did, for its summary and `--json`. */
export interface BuildResult {
  built: string[];
  /** Pulled from a remote instead of built. */
  pulled: string[];
  present: string[];
  /** The absolute path of the profile link, when one was made. */
  link: string | null;
  seconds: number;
}

/** The end-of-build line: counts and wall time. */
export function renderBuildSummary(result: BuildResult): string {
  const pulled = result.pulled.length > 0 ? `${result.pulled.length} pulled, ` : "";
  return `${result.built.length} built, ${pulled}${result.present.length} already present, ` +
    `in ${result.seconds.toFixed(1)} s\n`;
}
