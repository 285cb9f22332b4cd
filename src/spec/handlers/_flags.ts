/**
 * The notation the stage handlers share (HASHDIST.md §3.5): stage-key and parameter lookups
 * with their errors, the CPPFLAGS/LDFLAGS lists (`CPP`, `LD`, `rp`, `exports`), line
 * continuations (`cont`) and the configure path (`cfg`). Pure.
 */
import { HitError } from "../../errors.ts";
import { pyStr, pyTruthy, type Value, type ValueMap } from "../values.ts";
import type { HandlerContext } from "./handler.ts";

/** The `CPP` and `LD` lists of a stage, before they are joined into `exports`. */
export interface DependencyFlags {
  cpp: string[];
  ld: string[];
}

/** `A.get(key, fallback)`: the value of a present key, even null; `fallback` otherwise. */
export function argOr(args: ValueMap, key: string, fallback: Value): Value {
  return Object.hasOwn(args, key) ? args[key] : fallback;
}

/**
 * `A[key]`: a stage key that must be present; it may be null.
 * @throws {HitError} when the stage lacks the key
 */
export function requireArg(ctx: HandlerContext, key: string): Value {
  if (!Object.hasOwn(ctx.args, key)) {
    throw new HitError(`${handlerLabel(ctx)} needs stage key "${key}"`, {
      hint: `give the stage the key "${key}" (an empty value is fine)`,
    });
  }
  return ctx.args[key];
}

/**
 * `P[name]`: a package parameter that must be set. Handlers index the parameters, so unlike
 * templating a missing one is an error rather than the empty string (§2.1).
 * @throws {HitError} when the parameter is not set
 */
export function requireParam(ctx: HandlerContext, name: string): Value {
  const value = ctx.params[name];
  if (value === undefined) {
    throw new HitError(`${handlerLabel(ctx)} needs parameter "${name}"`, {
      hint: `set "${name}" under "parameters:" in the profile`,
    });
  }
  return value;
}

/**
 * `A.get(key, fallback)` for a key that is used as text (a path, a flag).
 * @throws {HitError} when the value is present but not a string
 */
export function stringArg(ctx: HandlerContext, key: string, fallback: string): string {
  const value = argOr(ctx.args, key, fallback);
  if (typeof value !== "string") throw wrongType(ctx, key, "a string");
  return value;
}

/**
 * The items of `extra` through `str()`, or `undefined` when the stage has no `extra`.
 * @throws {HitError} when `extra` is not a list
 */
export function extraItems(ctx: HandlerContext): string[] | undefined {
  if (!Object.hasOwn(ctx.args, "extra")) return undefined;
  const extra = ctx.args.extra;
  // The original iterated whatever it got, so a plain string became one item per character.
  if (!Array.isArray(extra)) throw wrongType(ctx, "extra", "a list");
  return extra.map((item) => pyStr(item));
}

/** The error for a stage key that is present with a value of the wrong type. */
export function wrongType(ctx: HandlerContext, key: string, expected: string): HitError {
  const got = JSON.stringify(ctx.args[key]);
  return new HitError(
    `${handlerLabel(ctx)} needs stage key "${key}" to be ${expected}: got ${got}`,
  );
}

/**
 * `CPP` and `LD` for the build dependencies D. `rp` reads `platform` only when there is a
 * dependency, as the original's `rpath_flag` did, so a stage without dependencies needs none.
 * @throws {HitError} when there are dependencies and `platform` is not set
 */
export function dependencyFlags(ctx: HandlerContext): DependencyFlags {
  const cpp: string[] = [];
  const ld: string[] = [];
  if (ctx.deps.length === 0) return { cpp, ld };
  const linux = requireParam(ctx, "platform") === "linux";
  for (const dep of ctx.deps) {
    cpp.push(`-I\${${dep}_DIR}/include`);
    // On other platforms `rp` is an empty item that still takes its join separator.
    ld.push(`-L\${${dep}_DIR}/lib`, linux ? `-Wl,-rpath=\${${dep}_DIR}/lib` : "");
  }
  return { cpp, ld };
}

/** `exports`: the two lines setting CPPFLAGS and LDFLAGS from `CPP` and `LD`. */
export function exportLines(flags: DependencyFlags): string[] {
  return [`export CPPFLAGS="${flags.cpp.join(" ")}"`, `export LDFLAGS="${flags.ld.join(" ")}"`];
}

/**
 * `E`: `exports` of the dependencies when `A.get('set_env_flags', True)` is truthy, else none.
 * @throws {HitError} when the lines need `platform` and it is not set
 */
export function envFlagLines(ctx: HandlerContext): string[] {
  if (!pyTruthy(argOr(ctx.args, "set_env_flags", true))) return [];
  return exportLines(dependencyFlags(ctx));
}

/** `cont(L)`: ` \` after every line but the last, two spaces before every line but the first. */
export function cont(lines: readonly string[]): string[] {
  const last = lines.length - 1;
  return lines.map((line, i) => `${i > 0 ? "  " : ""}${line}${i < last ? " \\" : ""}`);
}

/** `cfg(p)`: Python's `os.path.join(p, 'configure')`. */
export function cfg(path: string): string {
  if (path === "" || path.endsWith("/")) return `${path}configure`;
  return `${path}/configure`;
}

/** Python `unicode.strip()`: removes white space as Python 2.7 (Unicode 5.2) defines it. */
export function pyStrip(text: string): string {
  return text.replace(PY_SPACE_AT_ENDS, "");
}

// Python's unicode white space: bidirectional class WS, B or S, or category Zs. JavaScript's
// `trim` differs (it strips U+FEFF and keeps U+001C..U+001F and U+0085), and Unicode 5.2
// still counted U+180E as a space.
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u180e\\u2000-\\u200a" +
  "\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_SPACE_AT_ENDS = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");

/** `handler "NAME"` for messages: the stage's `handler` key, which loading always sets (§2.6). */
function handlerLabel(ctx: HandlerContext): string {
  const name = ctx.args.handler;
  return typeof name === "string" ? `handler "${name}"` : "the stage handler";
}
