/**
 * How `hit build` reports its plan (`--dry-run`) and its result (the end-of-build summary and
 * `--json`). Pure: data in, text out.
 */
import type { BuildPlan } from "../stages/build_plan.ts";
import type { PlannedSource } from "../stages/prefetch.ts";
import { describeSource } from "../stages/missing_sources.ts";
import { formatBytes } from "./format_bytes.ts";

/** The plan as lines: what would be fetched, built, and what is already present. */
export function renderBuildPlan(plan: BuildPlan): string {
  const count = (action: string) => plan.sources.filter((s) => s.action === action).length;
  const todo = plan.sources.filter((s) => s.action === "download" || s.action === "copy");
  const known = todo.filter((s) => s.bytes !== undefined);
  const bytes = known.length === 0
    ? ""
    : `; ${formatBytes(known.reduce((sum, s) => sum + s.bytes!, 0))} known` +
      (known.length < todo.length ? `, ${todo.length - known.length} of size unknown` : "");
  const lines = [
    `would fetch ${count("download")} sources, copy ${count("copy")} from mirrors ` +
    `(${count("cached")} already in the source cache)${bytes}`,
    ...todo.map((s) =>
      `  ${s.action === "copy" ? `copy from ${s.from}` : "download"}: ${describeSource(s.source)}` +
      ` (${s.bytes === undefined ? "size unknown" : formatBytes(s.bytes)})`
    ),
    ...(plan.pull.length === 0 ? [] : [
      `would pull ${plan.pull.length} packages: ${
        plan.pull.map((p) => `${p.name} (from ${p.remote})`).join(", ")
      }`,
    ]),
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
    pull: plan.pull,
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
    bytes: planned.bytes ?? null,
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
