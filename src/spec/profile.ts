/**
 * Profiles (HASHDIST.md §1.2): loads a profile file and its `extends` parents and merges them
 * into one parameter set, package table and package search path. Pure apart from reading the
 * profile files through `SpecFiles`.
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { HitError } from "../errors.ts";
import type { SpecFiles } from "./spec_files.ts";
import { describeValue, specError } from "./spec_error.ts";
import { parseYaml } from "./yaml_load.ts";
import { PROFILE_KEYS, unknownKeyWarnings } from "./unknown_keys.ts";
import { isMap, type Params, type Value, type ValueMap } from "./values.ts";

/** A profile merged with all of its parents. */
export interface Profile {
  /** Absolute path of the top-level profile file. */
  file: string;
  parameters: Params;
  /** Package name → merged settings (`use`, `sources`, per-package parameters …). */
  packages: Record<string, ValueMap>;
  /** Package name → the profile file that lists it last, for error messages. */
  packageOrigins: Record<string, string>;
  /** Absolute directories searched for package specs, first match wins. */
  packageDirs: string[];
  hookImportDirs: string[];
  /** Unknown top-level keys of the profile files, ignored (§1.2). */
  warnings: string[];
}

/** Options of `loadProfile`. */
export interface LoadProfileOptions {
  files: SpecFiles;
  /** Command-line `name=value` overrides: strings, applied to the top-level profile. */
  overrides?: Record<string, string>;
  /** The current directory, for a relative profile path. */
  cwd?: string;
  /** Local checkouts of remote `extends` includes, by include `name`. */
  checkouts?: Record<string, string>;
}

/**
 * Loads and merges the profile at `path`.
 * @throws {HitError} naming the file (and line where known) of any bad input.
 */
export function loadProfile(path: string, options: LoadProfileOptions): Profile {
  const file = resolve(options.cwd ?? ".", path);
  if (!options.files.isFile(file)) {
    throw new HitError(`load profile "${path}": no such file`, {
      location: { file },
      hint: "give the path of a profile YAML file, for example `default.yaml`",
    });
  }
  const merged = loadLevel(file, options, [], options.overrides ?? {});
  return { file, ...merged };
}

interface MergedLevel {
  warnings: string[];
  parameters: Params;
  packages: Record<string, ValueMap>;
  packageOrigins: Record<string, string>;
  packageDirs: string[];
  hookImportDirs: string[];
}

function loadLevel(
  file: string,
  options: LoadProfileOptions,
  chain: string[],
  overrides: Record<string, string>,
): MergedLevel {
  if (chain.includes(file)) {
    throw new HitError(`load profile "${file}": it extends itself`, {
      location: { file },
      context: [`extends chain: ${[...chain, file].join(" -> ")}`],
    });
  }
  const text = options.files.readText(file);
  const doc = parseYaml(text, file);
  const fail = (message: string, path: (string | number)[], hint?: string): never => {
    throw specError(`load profile: ${message}`, { file, text, path, hint });
  };
  if (doc !== null && !isMap(doc)) fail(`expected a mapping, found ${describeValue(doc)}`, []);
  const profile = (doc ?? {}) as ValueMap;
  const dir = dirname(file);

  const parents = includeList(profile.extends, fail).map((include, i) => {
    const parent = includePath(include, i, dir, options, fail);
    if (!options.files.isFile(parent)) {
      fail(`extends item ${i + 1}: no profile file ${parent}`, ["extends", i], "fix the path");
    }
    return loadLevel(parent, options, [...chain, file], {});
  });

  const ownParams = profile.parameters ?? {};
  if (!isMap(ownParams)) {
    fail(`"parameters" must be a mapping, found ${describeValue(ownParams)}`, ["parameters"]);
  }
  const parameters: Params = { ...(ownParams as ValueMap), ...overrides };
  const supplied = new Map<string, number>();
  parents.forEach((parent, i) => {
    for (const [key, value] of Object.entries(parent.parameters)) {
      if (Object.hasOwn(parameters, key) && !supplied.has(key)) continue;
      if (supplied.has(key)) {
        fail(
          `parameter "${key}" is set by two parents (extends items ${supplied.get(key)! + 1} and ${
            i + 1
          })`,
          ["extends"],
          `set "${key}" in this profile to choose one`,
        );
      }
      supplied.set(key, i);
      parameters[key] = value;
    }
  });

  const packages: Record<string, ValueMap> = {};
  const packageOrigins: Record<string, string> = {};
  const applyPackages = (source: Record<string, Value>, origins: Record<string, string>) => {
    for (const [name, settings] of Object.entries(source)) {
      packages[name] = { ...(packages[name] ?? {}), ...(settings as ValueMap | null ?? {}) };
      packageOrigins[name] = origins[name];
    }
  };
  for (const parent of parents) applyPackages(parent.packages, parent.packageOrigins);
  const ownPackages = profile.packages ?? {};
  if (!isMap(ownPackages)) {
    fail(`"packages" must be a mapping, found ${describeValue(ownPackages)}`, ["packages"]);
  }
  for (const [name, settings] of Object.entries(ownPackages as ValueMap)) {
    if (settings !== null && !isMap(settings)) {
      fail(
        `settings of package "${name}" must be a mapping, found ${describeValue(settings)}`,
        ["packages", name],
        `write "${name}:" alone, or "${name}: {use: other}"`,
      );
    }
  }
  applyPackages(
    ownPackages as ValueMap,
    Object.fromEntries(Object.keys(ownPackages as ValueMap).map((name) => [name, file])),
  );
  for (const [name, settings] of Object.entries(packages)) {
    if (truthy(settings.skip)) {
      delete packages[name];
      delete packageOrigins[name];
    }
  }

  const dirList = (key: "package_dirs" | "hook_import_dirs") => {
    const value = profile[key] ?? [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      fail(`"${key}" must be a list of directories, found ${describeValue(value)}`, [key]);
    }
    return (value as string[]).map((item) => resolve(dir, item));
  };
  const packageDirs = dirList("package_dirs");
  const hookImportDirs = dirList("hook_import_dirs");
  for (const parent of parents) {
    packageDirs.push(...parent.packageDirs);
    hookImportDirs.push(...parent.hookImportDirs);
  }
  const warnings = [
    ...parents.flatMap((parent) => parent.warnings),
    ...unknownKeyWarnings(profile, PROFILE_KEYS, file),
  ];
  return { parameters, packages, packageOrigins, packageDirs, hookImportDirs, warnings };
}

function truthy(value: Value | undefined): boolean {
  return !(value === undefined || value === null || value === false || value === "" ||
    value === 0);
}

type Fail = (message: string, path: (string | number)[], hint?: string) => never;

function includeList(value: Value | undefined, fail: Fail): ValueMap[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    fail(
      `"extends" must be a list, found ${describeValue(value)}`,
      ["extends"],
      "write `extends: [{file: linux.yaml}]`",
    );
  }
  return (value as Value[]).map((item, i) => {
    // Q1: the original crashed on a plain string item; accept it as {file: item}.
    if (typeof item === "string") return { file: item };
    if (!isMap(item)) {
      fail(`extends item ${i + 1} must be a mapping, found ${describeValue(item)}`, ["extends", i]);
    }
    return item as ValueMap;
  });
}

function includePath(
  include: ValueMap,
  index: number,
  dir: string,
  options: LoadProfileOptions,
  fail: Fail,
): string {
  const path = include.file;
  if (typeof path !== "string" || path === "") {
    fail(
      `extends item ${index + 1} needs a "file"`,
      ["extends", index],
      "write `- file: linux.yaml`",
    );
  }
  const file = path as string;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(file)) {
    // Q2: the original downloaded such files into the current directory.
    fail(
      `extends item ${index + 1}: "file" must be a path, not the URL "${file}"`,
      ["extends", index, "file"],
      "download the profile and name the local copy",
    );
  }
  if (include.urls !== undefined || include.key !== undefined || include.name !== undefined) {
    const name = typeof include.name === "string" ? include.name : "";
    const checkout = options.checkouts?.[name];
    if (checkout === undefined) {
      const urls = Array.isArray(include.urls) ? include.urls.join(" ") : String(include.urls);
      fail(
        `extends item ${index + 1} includes "${file}" from the remote repository ${urls} (key ${
          String(include.key)
        }), which is not available here`,
        ["extends", index],
        `clone it at that commit and point the include at the local file instead`,
      );
    }
    return isAbsolute(file) ? file : join(checkout!, file);
  }
  return resolve(dir, file);
}
