/**
 * `hit why PKG`: which packages listed in a profile pull PKG in, each with its shortest
 * dependency paths. Parsing and rendering are pure; `run` resolves the profile and prints.
 */
import { HitError } from "../errors.ts";
import {
  dependencyGraph,
  type PulledInBy,
  pulledInBy,
  renderDependencyPath,
} from "../spec/dependency_graph.ts";
import { type OptionSpec, parseOptions, quoteList, splitOverrides, usageError } from "./args.ts";
import { closeNames } from "../spec/close_names.ts";
import type { Command, CommandContext } from "./command.ts";
import { PROFILE_OPTION, resolveProfileArg } from "./profile_arg.ts";

/** The parsed command line of `hit why`. */
export interface WhyArgs {
  package: string;
  /** The profile file as given (default `default.yaml`). */
  profile: string;
  overrides: Record<string, string>;
  json: boolean;
  /** Print every shortest path, not only the first few of each listed package. */
  all: boolean;
}

/** What `hit why` found, for `renderWhy`. */
export interface WhyReport {
  package: string;
  profile: string;
  /** How many packages the profile lists. */
  listed: number;
  pulledInBy: PulledInBy[];
}

const OPTIONS: readonly OptionSpec[] = [
  PROFILE_OPTION,
  { name: "json", description: "print the paths as JSON" },
  { name: "all", short: "a", description: "print every shortest path (default: 5 per package)" },
];

/** Shortest paths printed per listed package without `--all`. */
export const PATH_LIMIT = 5;

/**
 * Parses the arguments after `hit why`: `PACKAGE [-p PROFILE] [--json] [--all]`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseWhyArgs(args: string[]): WhyArgs {
  const { values, positionals } = parseOptions("why", OPTIONS, args);
  const { overrides, others } = splitOverrides("why", positionals);
  if (others.length === 0) throw usageError("why", "missing the package name");
  if (others.length > 1) throw usageError("why", `unexpected argument "${others[1]}"`);
  return {
    package: others[0],
    profile: (values.profile as string | undefined) ?? "default.yaml",
    overrides,
    json: values.json === true,
    all: values.all === true,
  };
}

/** The report as text: a summary line, one path per line, then the legend. */
export function renderWhy(report: WhyReport): string {
  const needing = report.pulledInBy.length;
  const lines = [
    `"${report.package}" is needed by ${needing} of the ${report.listed} ` +
    `package${report.listed === 1 ? "" : "s"} listed in profile "${report.profile}":`,
  ];
  for (const entry of report.pulledInBy) {
    for (const path of entry.paths) {
      const listed = path.packages.length === 1 ? " (listed in the profile)" : "";
      lines.push(`  ${renderDependencyPath(path)}${listed}`);
    }
    const more = entry.total - entry.paths.length;
    if (more > 0) {
      lines.push(
        `  … ${more} more shortest path${more === 1 ? "" : "s"} from "${entry.root}" ` +
          `(--all prints them)`,
      );
    }
  }
  lines.push("(-> build dependency, ~> run-only dependency)");
  return lines.join("\n") + "\n";
}

/** The report as JSON: `{package, profile, pulled_in_by: [{root, total, paths}]}`. */
export function renderWhyJson(report: WhyReport): string {
  const value = {
    package: report.package,
    profile: report.profile,
    pulled_in_by: report.pulledInBy.map((entry) => ({
      root: entry.root,
      total: entry.total,
      paths: entry.paths,
    })),
  };
  return JSON.stringify(value, null, 2) + "\n";
}

/** The `why` command. */
export const whyCommand: Command = {
  name: "why",
  summary: "show which packages of a profile pull a package in, and through what",
  usage: `hit why PACKAGE [-p PROFILE] [--json] [--all] [NAME=VALUE ...]

Lists each package of the profile's "packages:" that needs PACKAGE, directly or through
other packages, with its shortest dependency paths. "->" is a build dependency, "~>" a
run-only one. PROFILE defaults to "default.yaml"; NAME=VALUE overrides a profile parameter.

examples:
  hit why hdf5 -p stack.yaml
  hit why zlib -p stack.yaml --json`,
  options: OPTIONS,
  completion: { packages: true },
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseWhyArgs(args);
    const profile = await resolveProfileArg(parsed.profile, context, {
      overrides: parsed.overrides,
    });
    if (!profile.packages.has(parsed.package)) {
      const close = closeNames(parsed.package, profile.packages.keys());
      throw new HitError(
        `why "${parsed.package}": profile "${parsed.profile}" does not need "${parsed.package}"`,
        {
          hint: close.length > 0
            ? `did you mean ${quoteList(close)}?`
            : `run "hit status ${parsed.profile}" to list the packages it needs`,
        },
      );
    }
    const listed = Object.keys(profile.profile.packages);
    const graph = dependencyGraph(listed, profile.packages);
    const report: WhyReport = {
      package: parsed.package,
      profile: parsed.profile,
      listed: graph.roots.length,
      pulledInBy: pulledInBy(graph, parsed.package, {
        limit: parsed.all ? Infinity : PATH_LIMIT,
      }),
    };
    await context.stdout.write(parsed.json ? renderWhyJson(report) : renderWhy(report));
    return 0;
  },
};
