/**
 * The `configure` handler of `base/cmake_package` (HASHDIST.md §3.5.3): a `${CMAKE}` line
 * with install prefix, rpath, build type and prefix path, always in a subshell. Pure.
 */
import { pyTruthy } from "../values.ts";
import type { HandlerContext } from "./handler.ts";
import { argOr, cont, envFlagLines, extraItems, requireArg, stringArg } from "./_flags.ts";

/**
 * The cmake configure lines.
 * @throws {HitError} when the stage lacks `debug`, or `platform` is needed and not set
 */
export function cmakeConfigure(ctx: HandlerContext): string[] {
  const lines = [
    '${CMAKE} -DCMAKE_INSTALL_PREFIX:PATH="${ARTIFACT}"',
    "-DCMAKE_POSITION_INDEPENDENT_CODE:BOOL=ON",
    '-DCMAKE_INSTALL_RPATH:STRING="${ARTIFACT}/lib"',
    "-DCMAKE_INSTALL_RPATH_USE_LINK_PATH:BOOL=ON",
    `-DCMAKE_BUILD_TYPE:STRING=${pyTruthy(requireArg(ctx, "debug")) ? "Debug" : "Release"}`,
  ];
  if (pyTruthy(argOr(ctx.args, "empty_osx_deployment_target", false))) {
    lines.push('-DCMAKE_OSX_DEPLOYMENT_TARGET:STRING=""');
  }
  lines.push(`-DCMAKE_PREFIX_PATH="${ctx.deps.map((dep) => `\${${dep}_DIR}`).join(";")}"`);
  const extra = extraItems(ctx);
  if (extra !== undefined) lines.push(extra.join(" "));
  const inSource = pyTruthy(argOr(ctx.args, "build_in_source", false));
  lines.push(inSource ? "." : stringArg(ctx, "builddir", ".."));
  return ["(", ...envFlagLines(ctx), ...cont(lines), ")"];
}
