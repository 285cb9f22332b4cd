/**
 * Artifact ids (HASHDIST.md §4.3): the canonical form of a build spec, the `nohash_` pruning,
 * and the `name/hash` id hashed from them. Pure.
 */
import { HitError } from "../errors.ts";
import { hashDocument } from "./hash_document.ts";
import { isMap, type Value, type ValueMap } from "./values.ts";

/** Characters of a short id's hash part, which is also the artifact's directory name. */
const SHORT_HASH_LENGTH = 12;

// Q10: the original only checked the first character, and its `9-_` was a range; `hit`
// checks the whole name (every corpus name passes).
const SAFE_NAME = /^[A-Za-z0-9_+-]+$/;

/**
 * The canonical form of a build spec (what `build.json` stores): each `build.import` entry
 * gets `ref: null` when it has none. Returns a new document.
 * @throws {HitError} when `name` or `version` is not a safe name, or a ref is empty.
 */
export function canonicalBuildSpec(spec: ValueMap): ValueMap {
  checkSafeName("name", spec.name);
  if ("version" in spec) checkSafeName("version", spec.version);
  const result: ValueMap = { ...spec };
  const build = spec.build;
  if (!isMap(build) || !("import" in build)) return result;
  const imports = build.import;
  if (!Array.isArray(imports)) {
    throw new HitError(`canonicalise build spec "${spec.name}": "build.import" is not a list`);
  }
  result.build = { ...build, import: imports.map((item) => canonicalImport(item, spec.name)) };
  return result;
}

function canonicalImport(item: Value, specName: Value): ValueMap {
  if (!isMap(item)) {
    throw new HitError(
      `canonicalise build spec "${specName}": an entry of "build.import" is not a mapping`,
    );
  }
  if (item.ref === "") {
    throw new HitError(
      `canonicalise build spec "${specName}": the import of "${item.id}" has an empty ref: ` +
        "use null for no ref",
    );
  }
  return "ref" in item ? { ...item } : { ...item, ref: null };
}

function checkSafeName(field: string, value: Value | undefined): void {
  if (typeof value === "string" && SAFE_NAME.test(value)) return;
  const shown = value === undefined ? "nothing" : JSON.stringify(value);
  throw new HitError(
    `check build spec: ${field} ${shown} is not a name made of A-Z, a-z, 0-9, "_", "+" and "-"`,
  );
}

/** A copy of `value` without object members whose key starts with `nohash_`, at any depth. */
export function pruneNohash(value: Value): Value {
  if (Array.isArray(value)) return value.map(pruneNohash);
  if (!isMap(value)) return value;
  const result: ValueMap = {};
  for (const key of Object.keys(value)) {
    if (!key.startsWith("nohash_")) result[key] = pruneNohash(value[key]);
  }
  return result;
}

/**
 * The artifact id of a build spec: `name/` plus the hash of its canonical, pruned form.
 * @throws {HitError} when the spec is not valid (see `canonicalBuildSpec`) or holds a float.
 */
export function artifactId(spec: ValueMap): string {
  const hash = hashDocument("build-spec", pruneNohash(canonicalBuildSpec(spec)));
  return `${spec.name}/${hash}`;
}

/**
 * The short id of an artifact id: `name/` plus the first 12 characters of the hash.
 * @throws {HitError} when `id` is not `name/hash`.
 */
export function shortId(id: string): string {
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1) {
    throw new HitError(`shorten artifact id "${id}": expected "name/hash"`);
  }
  return id.slice(0, slash + 1 + SHORT_HASH_LENGTH);
}
