/**
 * The `configure` handler of `pkgs/qt/qt` (HASHDIST.md §3.5.7): Qt's `configure` line, which
 * accepts the open-source licence and takes an optional platform and architecture, after the
 * dependency flags, in a subshell. Pure.
 */
import { pyTruthy } from "../values.ts";
import type { HandlerContext } from "./handler.ts";
import { cfg, cont, envFlagLines, extraItems, requireArg, stringArg, wrongType } from "./_flags.ts";

/**
 * The Qt configure lines.
 * @throws {HitError} when the stage lacks `platform` or `arch`, or `platform` is needed and
 * not set
 */
export function qtConfigure(ctx: HandlerContext): string[] {
  const configure = cfg(stringArg(ctx, "configure_path", "."));
  const lines = [`${configure} --prefix=\${ARTIFACT} -confirm-license -opensource`];
  const extra = extraItems(ctx);
  if (extra !== undefined) lines.push(extra.join(" "));
  for (const key of ["platform", "arch"]) {
    const value = requireArg(ctx, key);
    if (!pyTruthy(value)) continue;
    if (typeof value !== "string") throw wrongType(ctx, key, "a string");
    // The leading space is the original's; after `cont` the line starts with three spaces.
    lines.push(` -${key} ${value}`);
  }
  return ["(", ...envFlagLines(ctx), ...cont(lines), ")"];
}
