/**
 * The built-in `bash` handler (HASHDIST.md §3.5.1): the stage's `bash` text as script lines.
 * Bundling its `files:` is the build-script bundle's job (§4.5), not this one's. Pure.
 */
import type { HandlerContext } from "./handler.ts";
import { pyStrip, requireArg, wrongType } from "./_flags.ts";

/**
 * The lines of `A['bash']`, stripped as a whole; empty text gives one empty line.
 * @throws {HitError} when the stage has no `bash` text
 */
export function bash(ctx: HandlerContext): string[] {
  const text = requireArg(ctx, "bash");
  if (typeof text !== "string") throw wrongType(ctx, "bash", "a string");
  return pyStrip(text).split("\n");
}
