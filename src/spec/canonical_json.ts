/**
 * Canonical JSON (HASHDIST.md §4.1): the exact bytes Python 2's
 * `json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)` writes, the
 * input of every hash in HashDist. Pure.
 */
import { HitError } from "../errors.ts";
import { compareCodePoints, type Value, type ValueMap } from "./values.ts";

/** Any character but printable ASCII other than `"` and `\`: the string needs escaping. */
const NEEDS_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

const SURROGATE = /[\ud800-\udfff]/;

const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: "\\\\",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x08: "\\b",
  0x0c: "\\f",
};

/**
 * Serialises `doc` as canonical JSON: sorted keys, no spaces, ASCII only.
 * @throws {HitError} when the document holds a float, naming where it is.
 */
export function canonicalJson(doc: Value): string {
  const path: (string | number)[] = [];
  return writeValue(doc, path);
}

function writeValue(value: Value, path: (string | number)[]): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return writeString(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return writeInteger(value, path);
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      path.push(i);
      out += writeValue(value[i], path);
      path.pop();
    }
    return out + "]";
  }
  if (typeof value === "object") {
    const keys = sortedKeys(value);
    let out = "{";
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) out += ",";
      const key = keys[i];
      path.push(key);
      out += writeString(key) + ":" + writeValue(value[key], path);
      path.pop();
    }
    return out + "}";
  }
  throw new TypeError(`canonicalJson: unsupported ${typeof value} at ${formatPath(path)}`);
}

function sortedKeys(map: ValueMap): string[] {
  const keys = Object.keys(map);
  // The default sort compares UTF-16 units, which equals code point order unless an astral
  // character (a surrogate) meets U+E000..U+FFFF; only then is the slower walk needed.
  for (const key of keys) {
    if (SURROGATE.test(key)) return keys.sort(compareCodePoints);
  }
  return keys.sort();
}

function writeInteger(value: number, path: (string | number)[]): string {
  if (!Number.isInteger(value)) {
    throw new HitError(
      `hash document: floats are not allowed: ${value} at ${formatPath(path)}`,
    );
  }
  // Python ints print in full; String() would switch to exponent form from 1e21 on.
  return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
}

function writeString(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return '"' + text + '"';
  let out = '"';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f && code !== 0x22 && code !== 0x5c) continue;
    if (start < i) out += text.slice(start, i);
    // Astral characters are two UTF-16 units here, so each half is written on its own,
    // which is exactly Python's surrogate-pair output.
    out += SHORT_ESCAPES[code] ?? "\\u" + code.toString(16).padStart(4, "0");
    start = i + 1;
  }
  if (start < text.length) out += text.slice(start);
  return out + '"';
}

function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return "the top level";
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return `"${out}"`;
}
