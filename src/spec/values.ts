/**
 * YAML values as the spec layer sees them, and the few Python semantics HashDist's
 * behaviour depends on (truthiness, `str()`, `==`). Pure.
 */

/** A scalar from YAML: string, integer, boolean or null (floats are rejected when hashed). */
export type Scalar = string | number | boolean | null;

/** Any value a YAML document can hold after loading. */
export type Value = Scalar | Value[] | ValueMap;

/** A YAML mapping, with string keys. */
export interface ValueMap {
  [key: string]: Value;
}

/** A parameter set: the profile's, a package's, or a spec's loader parameters. */
export type Params = Record<string, Value>;

/** Whether `value` is a plain mapping (not a list, not null). */
export function isMap(value: unknown): value is ValueMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Python truthiness: `''`, `False`, `None`, `0` and empty lists or mappings are false. */
export function pyTruthy(value: Value | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.length > 0;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.length > 0;
  return Object.keys(value).length > 0;
}

/** Python 2 `str()` of a YAML scalar: `True`/`False`, `null` for null (HASHDIST.md §2.2). */
export function pyStr(value: Value | undefined): string {
  if (value === undefined || value === null) return "null";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pyNumber(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  return `{${Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(", ")}}`;
}

function pyNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  // Python's str() of a float keeps at least one decimal: 3.10 -> "3.1", 2.0 -> "2.0".
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function pyRepr(value: Value): string {
  if (typeof value === "string") return `'${value}'`;
  if (value === null) return "None";
  return pyStr(value);
}

/** Python `==` between two values: a bool equals 0/1, a string never equals a non-string. */
export function pyEquals(a: Value | undefined, b: Value | undefined): boolean {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  if (x === null || y === null) return x === y;
  const nx = typeof x === "boolean" ? Number(x) : x;
  const ny = typeof y === "boolean" ? Number(y) : y;
  if (typeof nx === "number" && typeof ny === "number") return nx === ny;
  if (typeof nx === "string" || typeof ny === "string") return nx === ny;
  if (Array.isArray(nx) && Array.isArray(ny)) {
    return nx.length === ny.length && nx.every((item, i) => pyEquals(item, ny[i]));
  }
  if (isMap(nx) && isMap(ny)) {
    const keys = Object.keys(nx);
    return keys.length === Object.keys(ny).length &&
      keys.every((k) => k in ny && pyEquals(nx[k], ny[k]));
  }
  return false;
}

/** `ENV(x)`: upper-case, `-` turned into `_` (`pkg-config` → `PKG_CONFIG`). */
export function envName(name: string): string {
  return name.toUpperCase().replaceAll("-", "_");
}

/** Code-point comparison, as Python 2 sorts unicode strings on Linux. */
export function compareCodePoints(a: string, b: string): number {
  // For strings without astral characters UTF-16 order equals code point order.
  if (a === b) return 0;
  const len = Math.min(a.length, b.length);
  for (let i = 0; i < len; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length < b.length ? -1 : 1;
}
