/**
 * The `when` forms inside a package spec (HASHDIST.md §2.4): conditional mapping keys, list
 * items spliced in by condition, and list items kept by their own `when:` key. Pure.
 */
import { evaluateWhen } from "./when_expr.ts";
import { describeValue } from "./spec_error.ts";
import type { ValuePath } from "./yaml_load.ts";
import { isMap, type Params, type Value, type ValueMap } from "./values.ts";

/** Reports a problem at a path of the document being processed. */
export type WhenFailure = (message: string, path: ValuePath) => never;

const WHEN_KEY = /^when (.*)$/s;

/**
 * Applies every `when` form of `doc` with `params`; returns a new document.
 * @throws {HitError} through `fail` for a bad form or a key collision.
 */
export function processWhen(doc: ValueMap, params: Params, fail: WhenFailure): ValueMap {
  return processMap(doc, params, fail, []);
}

function condition(expr: string, params: Params, fail: WhenFailure, path: ValuePath): boolean {
  try {
    return evaluateWhen(expr, params);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), path);
  }
}

function processMap(map: ValueMap, params: Params, fail: WhenFailure, path: ValuePath): ValueMap {
  const out: ValueMap = {};
  // Keys merged in from `when` blocks, to report a collision whichever comes first (D-3).
  const fromWhen = new Set<string>();
  const put = (key: string, value: Value, merged: boolean, at: ValuePath) => {
    if (Object.hasOwn(out, key) && (merged || fromWhen.has(key))) {
      fail(`key "${key}" is set twice: by a "when" block and by another key`, at);
    }
    out[key] = value;
    if (merged) fromWhen.add(key);
  };
  for (const [key, value] of Object.entries(map)) {
    const here = [...path, key];
    const match = WHEN_KEY.exec(key);
    if (!match) {
      put(key, processValue(value, params, fail, here), false, here);
      continue;
    }
    if (!condition(match[1], params, fail, here)) continue;
    if (!isMap(value)) {
      fail(`the block "${key}" must be a mapping, found ${describeValue(value)}`, here);
    }
    const inner = processMap(value as ValueMap, params, fail, here);
    for (const [innerKey, innerValue] of Object.entries(inner)) {
      put(innerKey, innerValue, true, [...here, innerKey]);
    }
  }
  return out;
}

function processList(list: Value[], params: Params, fail: WhenFailure, path: ValuePath): Value[] {
  const out: Value[] = [];
  list.forEach((item, i) => {
    const here = [...path, i];
    if (!isMap(item)) {
      out.push(processValue(item, params, fail, here));
      return;
    }
    const keys = Object.keys(item);
    const splice = keys.length === 1 ? WHEN_KEY.exec(keys[0]) : null;
    if (splice) {
      if (!condition(splice[1], params, fail, here)) return;
      const value = item[keys[0]];
      if (!Array.isArray(value)) {
        fail(`the list item "${keys[0]}" must hold a list, found ${describeValue(value)}`, here);
      }
      out.push(...processList(value as Value[], params, fail, [...here, keys[0]]));
      return;
    }
    // Q7: an item that is only `{when: X}` is neither form and is kept as it is.
    if (Object.hasOwn(item, "when") && keys.length > 1) {
      const expr = item.when;
      if (typeof expr !== "string") {
        fail(`"when" must be an expression string, found ${describeValue(expr)}`, [
          ...here,
          "when",
        ]);
      }
      if (!condition(expr as string, params, fail, [...here, "when"])) return;
      const { when: _when, ...rest } = item;
      out.push(processMap(rest, params, fail, here));
      return;
    }
    out.push(processMap(item, params, fail, here));
  });
  return out;
}

function processValue(value: Value, params: Params, fail: WhenFailure, path: ValuePath): Value {
  if (Array.isArray(value)) return processList(value, params, fail, path);
  if (isMap(value)) return processMap(value, params, fail, path);
  return value;
}
