/**
 * Temporary trees of profile and package-spec YAML files for the spec-layer tests, loaders
 * over them, and checks for the `HitError`s the spec layer throws. Test helper; touches only
 * the temporary folders it creates.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { HitError } from "../../src/errors.ts";
import { loadPackage, type Package } from "../../src/spec/package.ts";
import type { SpecContext } from "../../src/spec/package_spec.ts";
import { loadProfile } from "../../src/spec/profile.ts";
import { createSpecFiles } from "../../src/spec/spec_files.ts";
import type { ValuePath } from "../../src/spec/yaml_load.ts";

/** A temporary folder of spec files, removed when disposed. */
export interface SpecTree extends AsyncDisposable {
  root: string;
  /** The absolute path of `relative` inside the tree. */
  path(relative: string): string;
}

/** Writes `files` (relative path → text) into a new temporary folder, for `await using`. */
export async function writeSpecTree(files: Record<string, string>): Promise<SpecTree> {
  const root = await Deno.makeTempDir({ prefix: "hit-spec-" });
  for (const [relative, text] of Object.entries(files)) {
    const path = join(root, relative);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
  return {
    root,
    path: (relative) => join(root, relative),
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
    },
  };
}

/**
 * A template tag for indented YAML: drops the first line break and the common indentation.
 * Escapes are cooked, so write `\${ARTIFACT}` for a literal `${ARTIFACT}`.
 */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((out, part, i) => out + String(values[i - 1]) + part);
  const lines = text.replace(/^\n/, "").split("\n");
  const indents = lines.filter((line) => line.trim() !== "").map((line) =>
    line.length - line.trimStart().length
  );
  const cut = Math.min(...indents);
  return lines.map((line) => line.slice(cut)).join("\n").replace(/[ ]+$/, "");
}

/** The worked example of HASHDIST.md §3.3: parent `par`, child `chi`, as a spec tree. */
export const PAR_CHI = {
  "profile.yaml": "package_dirs: [pkgs]\nparameters: {BASH: /bin/bash}\npackages:\n  chi:\n",
  "pkgs/par.yaml": yaml`
    build_stages:
    - {name: a, handler: bash, bash: echo a}
    - name: b
      after: a
      handler: bash
      bash: |
        echo b {{greeting}}
      extra: [x]
      opts: {k1: v1}
  `,
  "pkgs/chi.yaml": yaml`
    extends: [par]
    defaults: {greeting: hello}
    build_stages:
    - {name: b, mode: update, extra: [y], opts: {k2: v2}, bash: echo IGNORED}
    - {name: c, before: b, handler: bash, bash: "  echo c  \\n\\n  second  \\n"}
    - {handler: bash, bash: echo anon}
    - {when: flag, name: d, after: c, handler: bash, bash: echo d}
  `,
};

/** Options of `loadContext` and `loadTreePackage`. */
export interface TreeLoadOptions {
  /** The profile file, relative to the tree; `profile.yaml` by default. */
  profile?: string;
  overrides?: Record<string, string>;
}

/** A spec context over the tree's profile, as one resolve run would use it. */
export function loadContext(tree: SpecTree, options: TreeLoadOptions = {}): SpecContext {
  const files = createSpecFiles();
  const profile = loadProfile(tree.path(options.profile ?? "profile.yaml"), {
    files,
    overrides: options.overrides,
  });
  return { files, profile, parsed: new Map() };
}

/** Loads package `name` of the tree's profile. */
export function loadTreePackage(
  tree: SpecTree,
  name: string,
  options: TreeLoadOptions = {},
): Package {
  return loadPackage(name, loadContext(tree, options));
}

/** Runs `fn` and returns the `HitError` it throws; fails if it throws nothing or another error. */
export function catchHitError(fn: () => unknown): HitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HitError) return error;
    throw error;
  }
  return assert.fail("expected a HitError, but nothing was thrown");
}

/** What a `fail` callback of the pure stage and `when` functions was called with. */
export class FailedAt extends Error {
  constructor(message: string, readonly path: ValuePath) {
    super(message);
  }
}

/** A `fail` callback for pure spec functions: throws a `FailedAt` with the message and path. */
export function failAt(message: string, path: ValuePath): never {
  throw new FailedAt(message, path);
}

/** Runs `fn` and returns the `FailedAt` it throws. */
export function catchFailure(fn: () => unknown): FailedAt {
  try {
    fn();
  } catch (error) {
    if (error instanceof FailedAt) return error;
    throw error;
  }
  return assert.fail("expected a failure, but nothing was thrown");
}
