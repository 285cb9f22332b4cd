/**
 * The `libflags` handler of `base/libflags` (HASHDIST.md §3.5.8): CPPFLAGS and LDFLAGS for
 * every build dependency, exported without a subshell so later stages see them. Pure.
 */
import type { HandlerContext } from "./handler.ts";
import { dependencyFlags, exportLines } from "./_flags.ts";

/**
 * `exports` of the build dependencies.
 * @throws {HitError} when there are dependencies and `platform` is not set
 */
export function libflags(ctx: HandlerContext): string[] {
  return exportLines(dependencyFlags(ctx));
}
