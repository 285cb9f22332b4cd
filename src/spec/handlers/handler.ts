/**
 * The contract between the build-script assembler and a stage handler: a handler turns one
 * build stage into bash lines (HASHDIST.md §3.5). Types only.
 */
import type { Params, ValueMap } from "../values.ts";

/** What a handler sees of a package while it renders one build stage. */
export interface HandlerContext {
  /** The stage's argument mapping after pass-2 templating (keys as in the YAML, including `handler`, `files`, etc.). */
  args: ValueMap;
  /** The package's final parameters (P in §3.5). */
  params: Params;
  /** ENV(d) for each build dependency d, in sorted dependency order (D in §3.5), e.g. ["GMP", "PATCHELF"]. */
  deps: string[];
}

/** Turns one build stage into bash lines. Throws HitError on missing required keys/parameters. */
export type Handler = (ctx: HandlerContext) => string[];
