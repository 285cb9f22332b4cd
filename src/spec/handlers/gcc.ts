/**
 * The `configure` handler of `pkgs/gcc/gcc` (HASHDIST.md §3.5.5): GCC's `./configure` line
 * with its prerequisites and, on linux, the dependency flags for every bootstrap stage. No
 * subshell, so the exports reach the later stages. Pure.
 */
import { pyTruthy } from "../values.ts";
import type { HandlerContext } from "./handler.ts";
import {
  argOr,
  cfg,
  cont,
  dependencyFlags,
  exportLines,
  extraItems,
  requireParam,
  stringArg,
} from "./_flags.ts";

const PREREQUISITES = [
  ["GMP", "gmp"],
  ["MPC", "mpc"],
  ["MPFR", "mpfr"],
  ["CLOOG", "cloog"],
  ["ISL", "isl"],
];

const LINUX_OPTIONS = [
  "--enable-clocale=gnu",
  "--enable-__cxa_atexit",
  "--enable-shared",
  "--enable-threads=posix",
  "--disable-multilib",
  '--libdir="${ARTIFACT}"/lib',
];

/**
 * The GCC configure lines.
 * @throws {HitError} when `platform` is not set, or `configure_path` or `extra` is malformed
 */
export function gccConfigure(ctx: HandlerContext): string[] {
  const lines = [`${cfg(stringArg(ctx, "configure_path", "."))} --prefix=\${ARTIFACT}`];
  const extra = extraItems(ctx);
  if (extra !== undefined) lines.push(extra.join(" "));
  lines.push(
    "--enable-checking=release",
    "--enable-languages=fortran,c,c++",
    '--with-local-prefix="${ARTIFACT}"',
  );
  for (const [dep, option] of PREREQUISITES) {
    if (ctx.deps.includes(dep)) lines.push(`--with-${option}="\${${dep}_DIR}"`);
  }
  const exports: string[] = [];
  if (requireParam(ctx, "platform") === "linux") {
    lines.push(...LINUX_OPTIONS);
    if (pyTruthy(argOr(ctx.args, "set_env_flags", true))) {
      const flags = dependencyFlags(ctx);
      exports.push(...exportLines(flags));
      const ld = flags.ld.join(" ");
      lines.push(`--with-stage1-ldflags="${ld}"`, `--with-boot-ldflags="${ld}"`);
    }
  }
  return [...exports, ...cont(lines)];
}
