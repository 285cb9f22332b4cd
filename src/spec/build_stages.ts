/**
 * Build stages (HASHDIST.md §3.1–3.3), the stages of a package spec's sections (`build_stages`,
 * `profile_links`, …), not the permission-scoped stages of `src/stages/`: generated names for
 * unnamed stages, the merge of a spec's stages with its parents' by `mode`, and the ordering
 * by `before`/`after`. Pure.
 */
import { hashDocument } from "./hash_document.ts";
import { describeValue } from "./spec_error.ts";
import type { ValuePath } from "./yaml_load.ts";
import { compareCodePoints, isMap, type Value, type ValueMap } from "./values.ts";

/** The four stage sections of a package spec. */
export const SECTIONS = [
  "build_stages",
  "when_build_dependency",
  "profile_links",
  "post_process",
] as const;

/** One of the four stage sections. */
export type Section = typeof SECTIONS[number];

/** A stage: a mapping that, once named, has a string `name`. */
export type Stage = ValueMap;

/** Stages by name: a section of a spec after merging with its parents. */
export type StageTable = Map<string, Stage>;

/**
 * Reports a problem at a path of the spec document; `stage` names the stage it is about, so
 * that the caller can point at the spec file that wrote that stage.
 */
export type StageFailure = (message: string, path: ValuePath, stage?: string) => never;

/**
 * Reads a section of a spec document and gives every stage a name (§3.1).
 * @throws {HitError} through `fail` when the section is not a list of mappings.
 */
export function nameStages(
  section: Section,
  value: Value | undefined,
  fail: StageFailure,
): Stage[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    fail(`"${section}" must be a list of stages, found ${describeValue(value)}`, [section]);
  }
  const seen = new Map<string, number>();
  return (value as Value[]).map((stage, i) => {
    if (!isMap(stage)) {
      fail(`stage ${i + 1} of "${section}" must be a mapping, found ${describeValue(stage)}`, [
        section,
        i,
      ]);
    }
    const map = stage as ValueMap;
    if (map.name !== undefined) {
      if (typeof map.name !== "string") {
        fail(`stage names must be strings, found ${describeValue(map.name)}`, [section, i, "name"]);
      }
      return map;
    }
    const { before: _before, after: _after, ...identity } = map;
    let name: string;
    try {
      name = "__" + hashDocument("generated_stage_name", identity);
    } catch (error) {
      // A float in an unnamed stage: it cannot be hashed into a name (§4.1).
      return fail(error instanceof Error ? error.message : String(error), [section, i]);
    }
    if (seen.has(name)) {
      fail(
        `stages ${seen.get(name)! + 1} and ${i + 1} of "${section}" are unnamed and identical`,
        [section, i],
      );
    }
    seen.set(name, i);
    return { ...map, name };
  });
}

/**
 * Merges a spec's own named stages with the merged tables of its direct parents (§3.2).
 * @throws {HitError} through `fail` on a name in two parents, a bad mode or a bad update.
 */
export function mergeStages(
  section: Section,
  own: Stage[],
  parents: StageTable[],
  fail: StageFailure,
): StageTable {
  const table: StageTable = new Map();
  for (const parent of parents) {
    for (const [name, stage] of parent) {
      if (table.has(name)) {
        fail(`stage "${name}" of "${section}" is defined by two parents`, [section]);
      }
      table.set(name, stage);
    }
  }
  own.forEach((stage, i) => {
    const { mode = "override", ...child } = stage;
    const name = child.name as string;
    const at: ValuePath = [section, i];
    const existing = table.get(name);
    switch (mode) {
      case "override":
        table.set(name, existing ? { ...existing, ...child } : child);
        break;
      case "replace":
        table.set(name, child);
        break;
      case "update":
        if (!existing) {
          fail(`stage "${name}" has mode "update" but no parent defines it`, at);
        }
        table.set(name, updateStage(existing!, child, (message) => fail(message, at)));
        break;
      case "remove":
        table.delete(name);
        break;
      default:
        fail(
          `stage "${name}" has unknown mode ${describeValue(mode)}`,
          [...at, "mode"],
        );
    }
  });
  return table;
}

function updateStage(parent: Stage, child: Stage, fail: (message: string) => never): Stage {
  const out: Stage = { ...parent };
  for (const [key, value] of Object.entries(child)) {
    if (!Object.hasOwn(out, key)) {
      out[key] = value;
    } else if (isMap(value)) {
      const old = out[key];
      if (!isMap(old)) fail(`mode "update" cannot merge a mapping into "${key}"`);
      out[key] = { ...(old as ValueMap), ...value };
    } else if (Array.isArray(value)) {
      const old = out[key];
      if (!Array.isArray(old)) {
        fail(
          `mode "update" cannot append a list to "${key}", which the parent wrote as ${
            describeValue(old)
          }`,
        );
      }
      out[key] = [...(old as Value[]), ...value];
    }
    // A scalar keeps the parent's value (HASHDIST.md §3.2).
  }
  return out;
}

/** A stage in its final place: its name, and its keys without `name`, `before`, `after`. */
export interface OrderedStage {
  name: string;
  stage: Stage;
}

/**
 * Orders a merged section by `before`/`after` (§3.3) and drops `name`, `before`, `after`.
 * @throws {HitError} through `fail` on an unknown reference or a cycle.
 */
export function orderStages(
  section: Section,
  table: StageTable,
  fail: StageFailure,
): OrderedStage[] {
  const after = new Map<string, string[]>();
  const names = [...table.keys()];
  const refList = (name: string, key: "before" | "after"): string[] => {
    const value = table.get(name)![key];
    if (value === undefined || value === null) return [];
    if (typeof value === "string") return [value];
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
      return value as string[];
    }
    return fail(
      `"${key}" of stage "${name}" in "${section}" must be a name or a list of names, found ${
        describeValue(value)
      }`,
      [section],
      name,
    );
  };
  for (const name of names) after.set(name, [...refList(name, "after")]);
  for (const name of names) {
    for (const later of refList(name, "before")) {
      const list = after.get(later);
      if (!list) {
        fail(
          `stage "${name}" in "${section}" is before "${later}", which does not exist`,
          [section],
          name,
        );
      }
      list!.push(name);
    }
  }
  for (const [name, list] of after) {
    for (const earlier of list) {
      if (!table.has(earlier)) {
        fail(
          `stage "${name}" in "${section}" is after "${earlier}", which does not exist`,
          [section],
          name,
        );
      }
    }
  }
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, trail: string[]) => {
    const mark = state.get(name);
    if (mark === "done") return;
    if (mark === "visiting") {
      fail(
        `stages of "${section}" form a cycle: ${[...trail, name].join(" -> ")}`,
        [section],
        name,
      );
    }
    state.set(name, "visiting");
    for (const earlier of [...after.get(name)!].sort(compareCodePoints)) {
      visit(earlier, [...trail, name]);
    }
    state.set(name, "done");
    order.push(name);
  };
  for (const name of names.sort(compareCodePoints)) visit(name, []);
  return order.map((name) => {
    const { name: _name, before: _before, after: _after, ...stage } = table.get(name)!;
    return { name, stage };
  });
}
