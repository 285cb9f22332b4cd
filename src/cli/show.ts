/**
 * `hit show`: one package's build script, build spec, import commands, link rules,
 * post-processing commands, dependency tree or provenance, or the profile artifact's build spec. Parsing and rendering are
 * pure; `run` resolves the profile and prints.
 */
import { resolve } from "node:path";
import { HitError } from "../errors.ts";
import { dependencyGraph, dependencyTree, renderDependencyTree } from "../spec/dependency_graph.ts";
import type { ResolvedProfile } from "../spec/resolve.ts";
import { type OptionSpec, parseOptions, quoteList, splitOverrides, usageError } from "./args.ts";
import { closeNames } from "../spec/close_names.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { collectProvenance, type PackageProvenance } from "../core/provenance.ts";
import { openSourceCache } from "../core/source_cache.ts";
import { renderProvenance } from "./show_provenance.ts";
import { PROFILE_OPTION, resolveProfileArg } from "./profile_arg.ts";

/** What `hit show` can print. */
export const SHOW_SUBJECTS = [
  "script",
  "buildspec",
  "imports",
  "links",
  "postprocess",
  "deps",
  "provenance",
] as const;

/** One of `SHOW_SUBJECTS`. */
export type ShowSubject = typeof SHOW_SUBJECTS[number];

/** The parsed command line of `hit show`. */
export interface ShowArgs {
  subject: ShowSubject;
  /** The package name; `profile` with `buildspec` means the profile artifact. */
  package: string;
  /** The profile file as given (default `default.yaml`, as in the original). */
  profile: string;
  overrides: Record<string, string>;
  /** Print `imports`, `links` and `postprocess` as one JSON list, `deps` as nested JSON. */
  json: boolean;
}

/** How `parseShowArgs` tells a profile file from a subject in the original's argument order. */
export interface ShowParseOptions {
  /** Whether `path` names an existing file; defaults to never. */
  isFile?: (path: string) => boolean;
}

const OPTIONS: readonly OptionSpec[] = [
  PROFILE_OPTION,
  {
    name: "json",
    description: "print imports, links and postprocess as one JSON list, deps as nested JSON",
  },
];

const SUBJECT_LIST = SHOW_SUBJECTS.join("|");

function isSubject(word: string): word is ShowSubject {
  return (SHOW_SUBJECTS as readonly string[]).includes(word);
}

/**
 * Parses the arguments after `hit show`: `SUBJECT PACKAGE [-p PROFILE]`, or the original's
 * `PROFILE SUBJECT PACKAGE`, recognised by a first argument that is not a subject and ends in
 * `.yaml` or names an existing file.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseShowArgs(args: string[], options: ShowParseOptions = {}): ShowArgs {
  const { values, positionals } = parseOptions("show", OPTIONS, args);
  const { overrides, others } = splitOverrides("show", positionals);
  const option = values.profile as string | undefined;
  const json = values.json === true;
  if (others.length === 0) {
    throw usageError("show", "missing what to show", `usage: hit show ${SUBJECT_LIST} PACKAGE`);
  }
  let profile = option ?? "default.yaml";
  let rest = others;
  const first = others[0];
  // A subject word wins over a file of that name: nobody names a profile "script".
  if (!isSubject(first)) {
    if (!first.endsWith(".yaml") && !(options.isFile?.(first) ?? false)) {
      const close = closeNames(first, SHOW_SUBJECTS);
      throw usageError(
        "show",
        `unknown subject "${first}"`,
        close.length > 0 ? `did you mean ${quoteList(close)}?` : `use one of ${SUBJECT_LIST}`,
      );
    }
    if (option !== undefined) {
      throw usageError("show", `profile given twice: "${first}" and "${option}"`);
    }
    profile = first;
    rest = others.slice(1);
    if (rest.length === 0) {
      throw usageError("show", "missing what to show", `usage: hit show ${SUBJECT_LIST} PACKAGE`);
    }
    if (!isSubject(rest[0])) {
      throw usageError("show", `unknown subject "${rest[0]}"`, `use one of ${SUBJECT_LIST}`);
    }
  }
  const subject = rest[0] as ShowSubject;
  if (rest.length < 2) throw usageError("show", `missing the package name after "${subject}"`);
  if (rest.length > 2) throw usageError("show", `unexpected argument "${rest[2]}"`);
  if (json && subject === "script") {
    throw usageError("show", `option "--json" does not apply to "script"`);
  }
  return { subject, package: rest[1], profile, overrides, json };
}

/**
 * Renders what `args` asks for from a resolved profile. `script` is the build script exactly;
 * `buildspec` is pretty JSON; the lists are one JSON value per line, or one JSON list. JSON
 * keys are sorted. `provenance` renders `provenance`, which the caller read from the store.
 * @throws {HitError} (exit 1) when the package is not in the profile, with close names.
 */
export function renderShow(
  profile: ResolvedProfile,
  args: ShowArgs,
  provenance?: PackageProvenance,
): string {
  if (args.subject === "buildspec" && args.package === "profile") {
    return prettyJson(profile.profileBuildSpec);
  }
  const result = profile.packages.get(args.package);
  if (result === undefined) throw unknownPackage(profile, args);
  switch (args.subject) {
    case "script":
      return result.buildScript;
    case "buildspec":
      return prettyJson(result.buildSpec);
    case "imports":
      return renderList(result.importCommands, args.json);
    case "links":
      return renderList(result.linkRules, args.json);
    case "postprocess":
      return renderList(result.postprocess, args.json);
    case "deps": {
      const graph = dependencyGraph(Object.keys(profile.profile.packages), profile.packages);
      const tree = dependencyTree(graph, args.package);
      // Not key-sorted: "name" first reads better in nested data.
      return args.json ? JSON.stringify(tree, null, 2) + "\n" : renderDependencyTree(tree);
    }
    case "provenance":
      if (provenance === undefined) throw new Error("renderShow: provenance not read");
      return renderProvenance(provenance, args.json);
  }
}

// Keys are sorted, as in build.json and in the original's `pprint` output, so that output of
// two profiles can be compared with `diff`.
function prettyJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + "\n";
}

function renderList(items: readonly unknown[], json: boolean): string {
  if (json) return prettyJson(items);
  return items.map((item) => JSON.stringify(sortKeys(item)) + "\n").join("");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, item]) => [key, sortKeys(item)]));
}

function unknownPackage(profile: ResolvedProfile, args: ShowArgs): HitError {
  const close = closeNames(args.package, profile.packages.keys());
  let hint = close.length > 0
    ? `did you mean ${quoteList(close)}?`
    : `run "hit status ${args.profile}" to list its packages`;
  if (args.package === "profile") {
    hint = `"profile" names the profile artifact only in "hit show buildspec profile"`;
  }
  return new HitError(
    `show "${args.package}": no package "${args.package}" in profile "${args.profile}"`,
    { hint },
  );
}

function isFileIn(cwd: string): (path: string) => boolean {
  return (path) => {
    try {
      return Deno.statSync(resolve(cwd, path)).isFile;
    } catch {
      return false;
    }
  };
}

/** The `show` command. */
export const showCommand: Command = {
  name: "show",
  summary: "print a package's build script, build spec, imports, links, post-processing, deps " +
    "or provenance",
  usage: `hit show SUBJECT PACKAGE [-p PROFILE] [--json] [NAME=VALUE ...]
       hit show buildspec profile [-p PROFILE] [NAME=VALUE ...]
       hit show PROFILE SUBJECT PACKAGE [NAME=VALUE ...]   (the original's order)

SUBJECT is one of:
  script       the generated _hashdist/build.sh, exactly
  buildspec    the build spec (build.json) as JSON; PACKAGE "profile" gives the profile's
  imports      the when_build_dependency commands a dependant runs
  links        the create-links rules the package adds to a profile
  postprocess  the build-postprocess commands run after the build
  deps         the build and run dependency tree: "(run)" marks a run-only dependency,
               "(see above)" a package whose dependencies are shown earlier
  provenance   what the artifact is built from (sources with keys and sha256, dependencies
               with artifact ids) and how (sandbox and what it enforced: Landlock's
               ABI, the build's uid; hit version, host, times)
imports, links and postprocess print one JSON value per line (a JSON list with --json);
deps and provenance print nested JSON with --json.
PROFILE defaults to "default.yaml"; NAME=VALUE overrides a profile parameter.

examples:
  hit show script zlib -p stack.yaml
  hit show buildspec profile -p stack.yaml
  hit show deps dolfin -p stack.yaml
  hit show provenance zlib -p stack.yaml --json
  hit show stack.yaml buildspec zlib debug=true`,
  options: OPTIONS,
  completion: { verbs: SHOW_SUBJECTS, packages: true },
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseShowArgs(args, { isFile: isFileIn(context.cwd) });
    const profile = await resolveProfileArg(parsed.profile, context, {
      overrides: parsed.overrides,
    });
    let provenance: PackageProvenance | undefined;
    if (parsed.subject === "provenance" && profile.packages.has(parsed.package)) {
      const config = await commandConfig(context);
      const cache = openSourceCache(config);
      [provenance] = await collectProvenance(profile, {
        store: config.buildStore,
        locate: (key) => cache.locate(key),
        names: [parsed.package],
      });
    }
    await context.stdout.write(renderShow(profile, parsed, provenance));
    return 0;
  },
};
