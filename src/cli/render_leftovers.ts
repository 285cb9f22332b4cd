/**
 * How `hit build`, `hit fetch` and `hit gc` report the leftovers of interrupted runs they reclaimed
 * (`core/leftovers.ts`). Pure.
 */
import type { Leftover, LeftoverKind } from "../core/leftovers.ts";
import { formatBytes } from "./format_bytes.ts";

const WHAT: Record<LeftoverKind, string> = {
  staging: "staging folder",
  build: "build folder of an interrupted build",
  "kept-build": "kept build folder",
  incomplete: "artifact folder without id",
};

/** One line per leftover: `removed build folder … "PATH" (SIZE)`. */
export function renderLeftovers(leftovers: readonly Leftover[], dryRun: boolean): string {
  const verb = dryRun ? "would remove" : "removed";
  return leftovers.map((leftover) =>
    `${verb} ${WHAT[leftover.kind]} "${leftover.path}" (${formatBytes(leftover.bytes)})\n`
  ).join("");
}

/** One line for them all, or "" for none: `removed 3 leftovers of interrupted runs (SIZE)`. */
export function renderLeftoverSummary(leftovers: readonly Leftover[], dryRun: boolean): string {
  if (leftovers.length === 0) return "";
  const bytes = leftovers.reduce((sum, leftover) => sum + leftover.bytes, 0);
  const count = leftovers.length;
  return `${dryRun ? "would remove" : "removed"} ${count} ${
    count === 1 ? "leftover" : "leftovers"
  } of interrupted runs (${formatBytes(bytes)})\n`;
}
