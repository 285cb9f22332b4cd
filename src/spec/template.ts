/**
 * The two `{{name}}` templating passes of a package spec (HASHDIST.md §2.2 and §2.3): pass 1
 * on the raw YAML text, pass 2 on string values after parsing. Pure.
 */
import { isMap, type Params, pyStr, type Value, type ValueMap } from "./values.ts";

const PASS1_PATTERN = /\{\{([A-Za-z_][A-Za-z0-9_-]*)\}\}/g;
const PASS2_PATTERN = /\{\{([^}]*)\}\}/g;

/** Pass 1: replaces each `{{name}}` in raw spec text by the parameter, or by `""` if unset. */
export function templateText(text: string, params: Params): string {
  if (!text.includes("{{")) return text;
  return text.replace(PASS1_PATTERN, (_match, name: string) => lookup(params, name));
}

/** Pass 2: replaces each `{{anything}}` (untrimmed) by the parameter, or by `""` if unset. */
export function templateString(text: string, params: Params): string {
  if (!text.includes("{{")) return text;
  return text.replace(PASS2_PATTERN, (_match, name: string) => lookup(params, name));
}

/** Pass 2 on every string value of `value` at any depth (keys are left alone); a new value. */
export function templateDeep(value: Value, params: Params): Value {
  if (typeof value === "string") return templateString(value, params);
  if (Array.isArray(value)) return value.map((item) => templateDeep(item, params));
  if (!isMap(value)) return value;
  const result: ValueMap = {};
  for (const key of Object.keys(value)) result[key] = templateDeep(value[key], params);
  return result;
}

function lookup(params: Params, name: string): string {
  // Q6: the original's pass 2 crashed on a non-string value; both passes stringify it.
  return Object.hasOwn(params, name) && params[name] !== undefined ? pyStr(params[name]) : "";
}
