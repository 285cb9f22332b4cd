/**
 * A package of a profile, ready for build-spec assembly (HASHDIST.md §2.1, §2.6 steps 1 and
 * 9–11): its parameters, its loaded spec, source overrides, expanded `files:`, and each stage
 * section in its final order. Pure apart from reading spec files.
 */
import { dirname, isAbsolute, join, relative } from "node:path";
import { HitError } from "../errors.ts";
import { type LoadedSpec, loadSpec, type SpecContext } from "./package_spec.ts";
import { describeValue, specError } from "./spec_error.ts";
import { type OrderedStage, orderStages, type Section, SECTIONS } from "./build_stages.ts";
import type { SpecFiles } from "./spec_files.ts";
import type { ValuePath } from "./yaml_load.ts";
import { isMap, type Params, type Value, type ValueMap } from "./values.ts";
import { SPEC_KEYS, unknownKeyWarnings } from "./unknown_keys.ts";

/** A source of a package: its key and where it unpacks; `url` is not part of build specs. */
export interface PackageSource {
  key: string;
  url?: string;
  target: string;
}

/** One package of a profile, loaded and ordered. */
export interface Package {
  /** The name the profile knows it by (`mpi`). */
  name: string;
  spec: LoadedSpec;
  /** Final parameters: the top-level spec's loader parameters (§2.1 step 9). */
  params: Params;
  sources: PackageSource[];
  stages: Record<Section, OrderedStage[]>;
  buildDeps: string[];
  runDeps: string[];
  /** Non-fatal findings, such as a `files:` entry that matches nothing (Q4). */
  warnings: string[];
}

/**
 * Loads package `name` of the context's profile.
 * @throws {HitError} naming the package and the file of any bad input.
 */
export function loadPackage(name: string, context: SpecContext): Package {
  const { profile } = context;
  const settings = profile.packages[name] ?? {};
  const params: Params = { ...profile.parameters, ...settings, package: name };
  const use = settings.use;
  if (use !== undefined && use !== null && (typeof use !== "string" || use === "")) {
    throw new HitError(`load package "${name}": "use" must be a package name`, {
      location: { file: profile.file, package: name },
      hint: `write "${name}: {use: other-name}" in the profile`,
    });
  }
  let spec: LoadedSpec;
  try {
    spec = loadSpec(typeof use === "string" ? use : name, params, context);
  } catch (error) {
    if (error instanceof HitError) {
      error.location.package ??= name;
      throw error.addContext(`while loading package "${name}" of profile ${profile.file}`);
    }
    throw error;
  }
  const fail = (message: string, path: ValuePath, hint?: string): never => {
    throw specError(`load package "${name}": ${message}`, {
      file: spec.file,
      text: spec.text,
      path,
      package: name,
      hint,
    });
  };
  const warnings = [spec, ...spec.allParents].flatMap((loaded) =>
    unknownKeyWarnings(loaded.doc, SPEC_KEYS, loaded.file)
  );
  const stages = {} as Record<Section, OrderedStage[]>;
  for (const section of SECTIONS) {
    stages[section] = orderStages(section, spec.sections[section], (message, path, stage) => {
      // Point at the spec file (the package's own or an ancestor) that wrote that stage.
      const where = stage === undefined ? undefined : stageSource(spec, section, stage);
      const error = specError(`load package "${name}": ${message}`, {
        file: where?.spec.file ?? spec.file,
        text: where?.spec.text ?? spec.text,
        path: where ? [section, where.index] : path,
        package: name,
        hint: where && where.spec !== spec ? `the stage comes from ${where.spec.file}` : undefined,
      });
      if (where && where.spec !== spec) {
        error.addContext(`while ordering the stages of ${spec.file}`);
      }
      throw error;
    });
  }
  for (const { name: stageName, stage } of stages.build_stages) {
    if (stage.handler === undefined || stage.handler === null) {
      if (stageName.startsWith("__")) {
        fail("a build stage lacks a handler and a name", ["build_stages"], "add `handler: bash`");
      }
      stage.handler = stageName;
    } else if (typeof stage.handler !== "string") {
      fail(
        `the handler of build stage "${stageName}" must be a name, found ${
          describeValue(stage.handler)
        }`,
        ["build_stages"],
      );
    }
    if (stage.files !== undefined) {
      stage.files = expandFiles(stage.files, spec, context.files, fail, warnings);
    }
  }
  return {
    name,
    spec,
    params: spec.params,
    sources: packageSources(spec, fail),
    stages,
    buildDeps: spec.dependencies.build,
    runDeps: spec.dependencies.run,
    warnings,
  };
}

type Fail = (message: string, path: ValuePath, hint?: string) => never;

/**
 * The spec (the package's own, else the nearest ancestor) that writes stage `stage` in
 * `section`, preferring one that gives it `before` or `after`; with its index in the list.
 */
function stageSource(
  spec: LoadedSpec,
  section: Section,
  stage: string,
): { spec: LoadedSpec; index: number } | undefined {
  const found: { spec: LoadedSpec; index: number; ordered: boolean }[] = [];
  for (const candidate of [spec, ...[...spec.allParents].reverse()]) {
    const list = candidate.doc[section];
    if (!Array.isArray(list)) continue;
    list.forEach((item, index) => {
      if (isMap(item) && item.name === stage) {
        found.push({ spec: candidate, index, ordered: "before" in item || "after" in item });
      }
    });
  }
  return found.find((entry) => entry.ordered) ?? found[0];
}

function packageSources(spec: LoadedSpec, fail: Fail): PackageSource[] {
  const params = spec.params;
  let list: Value | undefined = spec.doc.sources;
  let path: ValuePath = ["sources"];
  if (Object.hasOwn(params, "sources")) {
    list = params.sources;
    path = [];
  } else if (Object.hasOwn(params, "github")) {
    const url = params.github;
    if (typeof url !== "string" || !url.includes("/commit/")) {
      fail(`"github" must be a commit URL such as https://github.com/o/r/commit/SHA`, []);
    }
    if (!Array.isArray(list) || list.length !== 1 || !isMap(list[0])) {
      fail(`"github" needs exactly one source to replace`, ["sources"]);
    }
    const text = url as string;
    const commit = text.slice(text.lastIndexOf("/") + 1);
    list = [{
      ...(list as ValueMap[])[0],
      url: `${text.slice(0, text.indexOf("/commit/"))}.git`,
      key: `git:${commit}`,
    }];
  }
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) fail(`"sources" must be a list, found ${describeValue(list)}`, path);
  return (list as Value[]).map((source, i) => {
    if (!isMap(source)) {
      fail(
        `source ${i + 1} must be a mapping with "key" and "url", found ${describeValue(source)}`,
        [
          ...path,
          i,
        ],
      );
    }
    const { key, url, target = "." } = source as ValueMap;
    if (typeof key !== "string" || !/^[a-z0-9.]+:[^:]+$/.test(key)) {
      fail(`source ${i + 1} needs a "key" such as tar.gz:HASH, found ${describeValue(key)}`, [
        ...path,
        i,
      ]);
    }
    if (url !== undefined && url !== null && typeof url !== "string") {
      fail(`"url" of source ${i + 1} must be a string`, [...path, i]);
    }
    if (typeof target !== "string") {
      fail(`"target" of source ${i + 1} must be a path`, [...path, i]);
    }
    return {
      key: key as string,
      url: typeof url === "string" ? url : undefined,
      target: target as string,
    };
  });
}

function expandFiles(
  value: Value,
  spec: LoadedSpec,
  files: SpecFiles,
  fail: Fail,
  warnings: string[],
): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    return fail(`"files" must be a list of file names, found ${describeValue(value)}`, [
      "build_stages",
    ]);
  }
  if (!spec.inPackageDir) {
    fail(
      `"files" needs the spec in a package directory (${spec.usedName}/${spec.usedName}.yaml)`,
      ["build_stages"],
      `move ${spec.file} into a folder named "${spec.usedName}" beside the files it bundles`,
    );
  }
  const dir = dirname(spec.file);
  const out: string[] = [];
  for (const entry of value as string[]) {
    if (!isInside(dir, entry)) {
      fail(
        `"files" entry "${entry}" leaves the package folder ${dir}`,
        ["build_stages"],
        "bundle only files that lie in the package folder, named relative to it",
      );
    }
    const path = join(dir, entry);
    if (files.isFile(path) || files.isDir(path)) {
      out.push(entry);
      continue;
    }
    const matches = globRelative(dir, entry, files);
    if (matches.length === 0) {
      // Q4: the original dropped it silently; the scripts must stay identical, so only warn.
      warnings.push(`"files" entry "${entry}" of ${spec.file} matches nothing and is ignored`);
    }
    out.push(...matches);
  }
  return out;
}

/** Whether `entry`, a relative path, stays inside `dir` (no absolute path, no way up). */
export function isInside(dir: string, entry: string): boolean {
  if (isAbsolute(entry)) return false;
  const rel = relative(dir, join(dir, entry));
  return rel !== ".." && !rel.startsWith("../") && !isAbsolute(rel);
}

/** Sorted paths under `dir` matching a glob of `*`, `?` and `[…]`, relative to `dir`. */
function globRelative(dir: string, pattern: string, files: SpecFiles): string[] {
  let found = [""];
  for (const part of pattern.split("/").filter((p) => p !== "")) {
    const regex = globPart(part);
    const next: string[] = [];
    for (const prefix of found) {
      for (const name of files.listDir(join(dir, prefix))) {
        if (name.startsWith(".") && !part.startsWith(".")) continue;
        if (regex.test(name)) next.push(prefix === "" ? name : `${prefix}/${name}`);
      }
    }
    found = next;
  }
  return found.filter((path) => path !== "").sort();
}

function globPart(part: string): RegExp {
  let source = "";
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[" && part.indexOf("]", i + 2) > 0) {
      const end = part.indexOf("]", i + 2);
      let body = part.slice(i + 1, end);
      if (body.startsWith("!")) body = "^" + body.slice(1);
      source += `[${body.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}
