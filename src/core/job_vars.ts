/**
 * `$VAR` substitution in job specs (HASHDIST.md §5.5): the strict form used by job commands,
 * and the plain "Template rules" used by link rules and `build-write-files` targets. Pure.
 */
import { HitError } from "../errors.ts";

const NAME = /[_A-Za-z][_A-Za-z0-9]*/y;

/**
 * Substitutes `$NAME` and `${NAME}` in a job command argument, with `\$` as a literal `$`
 * and `\\\\` as `\\` (Q13: a pair of backslashes is kept).
 * @throws {HitError} on `$$`, an unknown variable or a stray `$`.
 */
export function substituteJobVars(text: string, env: Readonly<Record<string, string>>): string {
  if (text.includes("$$")) {
    throw new HitError(`substitute "${text}": "$$" is not allowed in job commands`, {
      hint: "write \\$ for a literal dollar sign",
    });
  }
  if (!text.includes("$")) return text.replaceAll("\\\\\\\\", "\\\\");
  const source = text.replaceAll("\\\\\\\\", "\\\\");
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\" && source[i + 1] === "$") {
      out += "$";
      i++;
    } else if (c === "$") {
      const { name, end } = readName(source, i + 1, text);
      if (!Object.hasOwn(env, name)) {
        throw new HitError(`substitute "${text}": no such environment variable "${name}"`, {
          hint: "set it with a `set` command before it is used",
        });
      }
      out += env[name];
      i = end - 1;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Template rules (§5.5): `$NAME`/`${NAME}` from `env`, `$$` a literal `$`, backslashes plain.
 * @throws {HitError} on an unknown variable or a stray `$`.
 */
export function substituteTemplate(text: string, env: Readonly<Record<string, string>>): string {
  if (!text.includes("$")) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "$") {
      out += c;
    } else if (text[i + 1] === "$") {
      out += "$";
      i++;
    } else {
      const { name, end } = readName(text, i + 1, text);
      if (!Object.hasOwn(env, name)) {
        throw new HitError(`substitute "${text}": no such environment variable "${name}"`);
      }
      out += env[name];
      i = end - 1;
    }
  }
  return out;
}

function readName(text: string, start: number, original: string): { name: string; end: number } {
  const braced = text[start] === "{";
  NAME.lastIndex = braced ? start + 1 : start;
  const match = NAME.exec(text);
  if (!match || (braced && text[NAME.lastIndex] !== "}")) {
    throw new HitError(`substitute "${original}": invalid placeholder at column ${start}`, {
      hint: "write ${NAME} or $NAME; a literal dollar sign is \\$",
    });
  }
  return { name: match[0], end: braced ? NAME.lastIndex + 1 : NAME.lastIndex };
}
