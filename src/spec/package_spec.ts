/**
 * Loading one package spec with its ancestors (HASHDIST.md §2.1, §2.6 steps 2–8): choose the
 * file, apply `defaults` and raw-text templating, process `when`, load the `extends` parents,
 * merge stage sections and dependencies. Pure apart from reading spec files.
 */
import { HitError } from "../errors.ts";
import { findSpecCandidates, noSpecError, type SpecCandidate } from "./package_lookup.ts";
import type { Profile } from "./profile.ts";
import { describeValue, specError } from "./spec_error.ts";
import type { SpecFiles } from "./spec_files.ts";
import {
  mergeStages,
  nameStages,
  type Section,
  SECTIONS,
  type StageTable,
} from "./build_stages.ts";
import { templateText } from "./template.ts";
import { processWhen } from "./when_forms.ts";
import { evaluateWhen } from "./when_expr.ts";
import { parseYaml, type ValuePath } from "./yaml_load.ts";
import { compareCodePoints, isMap, type Params, type Value, type ValueMap } from "./values.ts";

/** What loading specs shares within one resolve run: files, the profile, parse results. */
export interface SpecContext {
  files: SpecFiles;
  profile: Profile;
  /** Parsed documents by file and templated text; values in it are never mutated. */
  parsed: Map<string, Value>;
}

/** A spec file loaded with its parameters, merged with all of its ancestors. */
export interface LoadedSpec {
  usedName: string;
  file: string;
  inPackageDir: boolean;
  /** The templated text the document came from, to locate errors. */
  text: string;
  /** The loader parameters: this spec's defaults, overwritten by the parameters given. */
  params: Params;
  /** The document after `when` processing, without `defaults`, `when` and `extends`. */
  doc: ValueMap;
  sections: Record<Section, StageTable>;
  dependencies: { build: string[]; run: string[] };
  /** Ancestors in HashDist's `all_parents` order (§2.6 step 5). */
  allParents: LoadedSpec[];
}

/** Reports bad content at a path of one spec file. */
export type SpecFailure = (message: string, path: ValuePath, hint?: string) => never;

/**
 * Loads the spec of used name `usedName` with package parameters `params`.
 * @throws {HitError} naming the file, line and package of any bad input.
 */
export function loadSpec(
  usedName: string,
  params: Params,
  context: SpecContext,
  chain: string[] = [],
): LoadedSpec {
  const candidate = chooseCandidate(usedName, params, context);
  const raw = context.files.readText(candidate.file);
  const defaultsOnly = parseTemplated(candidate.file, raw, {}, context).doc;
  const initialDefaults = readDefaults(defaultsOnly, candidate.file, raw);
  const { text, doc: parsed } = parseTemplated(
    candidate.file,
    raw,
    { ...initialDefaults, ...params },
    context,
  );
  const fail: SpecFailure = (message, path, hint) => {
    throw specError(`load spec "${usedName}": ${message}`, {
      file: candidate.file,
      text,
      path,
      hint,
    });
  };
  // An empty file is an empty spec.
  if (parsed !== null && !isMap(parsed)) {
    fail(`expected a mapping, found ${describeValue(parsed)}`, []);
  }
  const { defaults: _defaults, when: _when, ...rest } = (parsed ?? {}) as ValueMap;
  const loaderParams: Params = { ...readDefaults(parsed, candidate.file, text), ...params };
  const doc = processWhen(rest, loaderParams, fail);

  const parentNames = readNameList(doc.extends, ["extends"], fail).sort(compareCodePoints);
  const allParents: LoadedSpec[] = [];
  const directParents: LoadedSpec[] = [];
  const ancestry = [...chain, usedName];
  for (const name of parentNames) {
    const parentName = useOf(name, context.profile, fail);
    if (ancestry.includes(parentName)) {
      fail(
        `"${parentName}" extends itself: ${[...ancestry, parentName].join(" -> ")}`,
        ["extends"],
      );
    }
    let parent: LoadedSpec;
    try {
      parent = loadSpec(parentName, loaderParams, context, ancestry);
    } catch (error) {
      if (error instanceof HitError) {
        error.addContext(`while loading "${parentName}", extended by ${candidate.file}`);
      }
      throw error;
    }
    allParents.unshift(...parent.allParents, parent);
    directParents.unshift(parent);
  }
  const seen = new Set<string>();
  for (const parent of allParents) {
    if (seen.has(parent.usedName)) {
      fail(
        `"${parent.usedName}" is inherited twice (diamond inheritance)`,
        ["extends"],
        "extend only one of the specs that share this ancestor",
      );
    }
    seen.add(parent.usedName);
  }

  const sections = {} as Record<Section, StageTable>;
  for (const section of SECTIONS) {
    const own = nameStages(section, doc[section], fail);
    sections[section] = mergeStages(
      section,
      own,
      directParents.map((parent) => parent.sections[section]),
      fail,
    );
  }

  const { extends: _extends, ...body } = doc;
  return {
    usedName,
    file: candidate.file,
    inPackageDir: candidate.inPackageDir,
    text,
    params: loaderParams,
    doc: body,
    sections,
    dependencies: mergeDependencies(body.dependencies, allParents, fail),
    allParents,
  };
}

function parseTemplated(
  file: string,
  raw: string,
  params: Params,
  context: SpecContext,
): { text: string; doc: Value } {
  const text = templateText(raw, params);
  const key = `${file}\0${text}`;
  let doc = context.parsed.get(key);
  if (doc === undefined) {
    doc = parseYaml(text, file);
    context.parsed.set(key, doc);
  }
  return { text, doc };
}

function readDefaults(doc: Value, file: string, text: string): Params {
  if (!isMap(doc) || doc.defaults === undefined || doc.defaults === null) return {};
  if (!isMap(doc.defaults)) {
    throw specError(`"defaults" must be a mapping, found ${describeValue(doc.defaults)}`, {
      file,
      text,
      path: ["defaults"],
    });
  }
  return doc.defaults;
}

function chooseCandidate(usedName: string, params: Params, context: SpecContext): SpecCandidate {
  const { files, profile } = context;
  const candidates = findSpecCandidates(usedName, profile.packageDirs, files);
  if (candidates.length === 0) throw noSpecError(usedName, profile.packageDirs, files);
  let plain: SpecCandidate | undefined;
  let chosen: SpecCandidate | undefined;
  for (const candidate of candidates) {
    const raw = files.readText(candidate.file);
    const { text, doc } = parseTemplated(candidate.file, raw, params, context);
    const when = isMap(doc) ? doc.when : undefined;
    if (when === undefined || when === null) {
      if (plain) {
        throw new HitError(
          `choose spec of "${usedName}": both ${plain.file} and ${candidate.file} lack a top-level "when"`,
          { location: { package: usedName }, hint: "give all but one of them a `when:`" },
        );
      }
      plain = candidate;
      continue;
    }
    if (typeof when !== "string") {
      throw specError(`"when" must be an expression string, found ${describeValue(when)}`, {
        file: candidate.file,
        text,
        path: ["when"],
      });
    }
    let holds: boolean;
    try {
      holds = evaluateWhen(when, params);
    } catch (error) {
      throw specError(error instanceof Error ? error.message : String(error), {
        file: candidate.file,
        text,
        path: ["when"],
      });
    }
    if (!holds) continue;
    if (chosen) {
      throw new HitError(
        `choose spec of "${usedName}": the "when" of both ${chosen.file} and ${candidate.file} hold`,
        { location: { package: usedName }, hint: "make their conditions exclusive" },
      );
    }
    chosen = candidate;
  }
  const result = chosen ?? plain;
  if (!result) {
    throw new HitError(`choose spec of "${usedName}": no candidate's "when" holds`, {
      location: { package: usedName },
      context: candidates.map((candidate) => `candidate: ${candidate.file}`),
    });
  }
  return result;
}

function useOf(name: string, profile: Profile, fail: SpecFailure): string {
  const use = profile.packages[name]?.use;
  if (use === undefined || use === null) return name;
  if (typeof use !== "string") fail(`"use" of "${name}" must be a package name`, ["extends"]);
  return use as string;
}

function readNameList(value: Value | undefined, path: ValuePath, fail: SpecFailure): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    fail(`"${path.join(".")}" must be a list of names, found ${describeValue(value)}`, path);
  }
  return (value as Value[]).map((item, i) => {
    if (typeof item !== "string" || item === "") {
      fail(`item ${i + 1} of "${path.join(".")}" must be a name, found ${describeValue(item)}`, [
        ...path,
        i,
      ]);
    }
    return item as string;
  });
}

function mergeDependencies(
  value: Value | undefined,
  allParents: LoadedSpec[],
  fail: SpecFailure,
): { build: string[]; run: string[] } {
  if (value !== undefined && value !== null && !isMap(value)) {
    fail(
      `"dependencies" must be a mapping with "build" and "run" lists, found ${
        describeValue(value)
      }`,
      ["dependencies"],
    );
  }
  const map = (value ?? {}) as ValueMap;
  const merge = (kind: "build" | "run") => {
    const names = new Set(readNameList(map[kind], ["dependencies", kind], fail));
    for (const parent of allParents) {
      for (const name of parent.dependencies[kind]) names.add(name);
    }
    return [...names].sort(compareCodePoints);
  };
  return { build: merge("build"), run: merge("run") };
}
