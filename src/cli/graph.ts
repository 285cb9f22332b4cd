/**
 * `hit graph PROFILE`: the dependency graph of a profile's packages as Graphviz DOT or a
 * Mermaid flowchart. Parsing is pure; `run` resolves the profile and prints.
 */
import { basename } from "node:path";
import {
  dependencyGraph,
  renderDot,
  renderGraphJson,
  renderMermaid,
} from "../spec/dependency_graph.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";
import { PROFILE_OPTION, resolveProfileArg } from "./profile_arg.ts";

/** Output formats of `hit graph`. */
export const GRAPH_FORMATS = ["dot", "mermaid"] as const;

/** One of `GRAPH_FORMATS`. */
export type GraphFormat = typeof GRAPH_FORMATS[number];

/** The parsed command line of `hit graph`. */
export interface GraphArgs {
  /** The profile file as given (default `default.yaml`). */
  profile: string;
  overrides: Record<string, string>;
  format: GraphFormat;
  json: boolean;
}

const OPTIONS: readonly OptionSpec[] = [
  PROFILE_OPTION,
  {
    name: "format",
    value: "FORMAT",
    choices: ["dot", "mermaid"],
    description: `"dot" (default) or "mermaid"`,
  },
  { name: "json", description: "print the packages with their ids and dependencies as JSON" },
];

/**
 * Parses the arguments after `hit graph`: `[PROFILE] [--format FORMAT]`, or `-p PROFILE`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseGraphArgs(args: string[]): GraphArgs {
  const { values, positionals } = parseOptions("graph", OPTIONS, args);
  const { overrides, others } = splitOverrides("graph", positionals);
  if (others.length > 1) throw usageError("graph", `unexpected argument "${others[1]}"`);
  const option = values.profile as string | undefined;
  if (option !== undefined && others.length > 0) {
    throw usageError("graph", `profile given twice: "${others[0]}" and "${option}"`);
  }
  if (values.json === true && values.format !== undefined) {
    throw usageError("graph", "--json and --format both given", "give one of them");
  }
  const format = (values.format as string | undefined) ?? "dot";
  if (!(GRAPH_FORMATS as readonly string[]).includes(format)) {
    throw usageError(
      "graph",
      `unknown format "${format}"`,
      `use one of ${GRAPH_FORMATS.map((f) => `"${f}"`).join(", ")}`,
    );
  }
  return {
    profile: option ?? others[0] ?? "default.yaml",
    overrides,
    format: format as GraphFormat,
    json: values.json === true,
  };
}

/** The `graph` command. */
export const graphCommand: Command = {
  name: "graph",
  summary: "print the dependency graph of a profile as Graphviz DOT or Mermaid",
  usage: `hit graph [PROFILE] [--format dot|mermaid | --json] [NAME=VALUE ...]
       hit graph -p PROFILE [--format dot|mermaid | --json] [NAME=VALUE ...]

One node per package of the profile's closure; build dependencies are solid edges, run-only
dependencies dashed (dotted in Mermaid), packages listed in the profile bold. --json prints
"roots" (the listed packages) and "packages" (name, artifact_id, dependencies).
PROFILE defaults to "default.yaml"; NAME=VALUE overrides a profile parameter.

examples:
  hit graph stack.yaml | dot -Tsvg > stack.svg
  hit graph stack.yaml --format mermaid`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseGraphArgs(args);
    const profile = await resolveProfileArg(parsed.profile, context, {
      overrides: parsed.overrides,
    });
    const graph = dependencyGraph(Object.keys(profile.profile.packages), profile.packages);
    if (parsed.json) {
      const ids = new Map([...profile.packages].map(([name, pkg]) => [name, pkg.artifactId]));
      await context.stdout.write(renderGraphJson(graph, ids));
      return 0;
    }
    const title = basename(parsed.profile).replace(/\.yaml$/, "");
    await context.stdout.write(
      parsed.format === "mermaid" ? renderMermaid(graph) : renderDot(graph, { title }),
    );
    return 0;
  },
};
