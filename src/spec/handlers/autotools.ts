/**
 * The `configure` handler of `base/autotools_package` (HASHDIST.md §3.5.2): a `./configure`
 * line with quoted `extra` arguments, after the dependency flags, in a subshell. Pure.
 */
import { isMap, pyStr, pyTruthy } from "../values.ts";
import type { HandlerContext } from "./handler.ts";
import {
  argOr,
  cfg,
  cont,
  dependencyFlags,
  exportLines,
  extraItems,
  stringArg,
  wrongType,
} from "./_flags.ts";

/**
 * The autotools configure lines, wrapped in `(` `)` unless `global_flags` is set.
 * @throws {HitError} on a malformed `configure_path`, `extra` or `append`, or a missing `platform`
 */
export function autotoolsConfigure(ctx: HandlerContext): string[] {
  const lines = [`${cfg(stringArg(ctx, "configure_path", "."))} --prefix="\${ARTIFACT}"`];
  const extra = extraItems(ctx);
  if (extra !== undefined) lines.push(extra.map((item) => `"${item}"`).join(" "));

  const script: string[] = [];
  if (pyTruthy(argOr(ctx.args, "set_env_flags", true))) {
    const flags = dependencyFlags(ctx);
    const append = argOr(ctx.args, "append", {});
    if (!isMap(append)) throw wrongType(ctx, "append", "a mapping");
    // Only CPPFLAGS and LDFLAGS are honoured; the original drops any other variable without a
    // word (Q9), and scripts must stay identical.
    if (Object.hasOwn(append, "CPPFLAGS")) flags.cpp.push(pyStr(append.CPPFLAGS));
    if (Object.hasOwn(append, "LDFLAGS")) flags.ld.push(pyStr(append.LDFLAGS));
    script.push(...exportLines(flags));
  }
  script.push(...cont(lines));
  return pyTruthy(argOr(ctx.args, "global_flags", false)) ? script : ["(", ...script, ")"];
}
