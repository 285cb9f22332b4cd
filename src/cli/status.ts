/**
 * `hit status`: each package of a profile's closure with its artifact id and whether it is in
 * the build store. Parsing and rendering are pure; `run` resolves the profile (or finds it in
 * `status_cache.ts`, when no input changed) and prints.
 */
import { resolve } from "../posix_path.ts";
import { artifactState, readArtifactJson } from "../core/build_store.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { cachedStatusProfile } from "./status_cache.ts";
import { PROFILE_OPTION } from "./profile_option.ts";

/**
 * The YAML file a profile argument means: the argument when it is a file (or ends in `.yaml`,
 * for the usual error), else what `findProfileFile` finds, loaded only then.
 */
async function statusProfileFile(arg: string, context: CommandContext): Promise<string> {
  if (arg.endsWith(".yaml")) return arg;
  const info = await Deno.stat(resolve(context.cwd, arg)).catch(() => undefined);
  if (info?.isFile) return arg;
  const { findProfileFile } = await import("./profile_arg.ts");
  const found = await findProfileFile(arg, {
    cwd: context.cwd,
    config: () => commandConfig(context),
  });
  if (found.note) await context.stderr.write(found.note);
  return found.file;
}

/** Output formats of `hit status`. */
export type StatusFormat = "text" | "json" | "hashdist";

const FORMATS: readonly StatusFormat[] = ["text", "json", "hashdist"];

/** The parsed command line of `hit status`. */
export interface StatusArgs {
  /** The profile file as given (default `default.yaml`, as in the original). */
  profile: string;
  /** `NAME=VALUE` parameter overrides. */
  overrides: Record<string, string>;
  format: StatusFormat;
}

/** One line of `hit status`. */
export interface StatusRow {
  name: string;
  artifactId: string;
  built: boolean;
  /** For a built artifact: the sandbox it was built under, and what that enforced. */
  sandbox?: { kind: string; details?: Record<string, unknown> };
}

const OPTIONS: readonly OptionSpec[] = [
  PROFILE_OPTION,
  {
    name: "json",
    description: "print a JSON list of {name, artifact_id, built, sandbox}",
  },
  {
    name: "format",
    value: "FORMAT",
    choices: ["text", "json", "hashdist"],
    description: `"text" (default), "json", or "hashdist" (the original's "[OK]" lines)`,
  },
];

/**
 * Parses the arguments after `hit status`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseStatusArgs(args: string[]): StatusArgs {
  const { values, positionals } = parseOptions("status", OPTIONS, args);
  const { overrides, others } = splitOverrides("status", positionals);
  if (others.length > 1) throw usageError("status", `unexpected argument "${others[1]}"`);
  const option = values.profile as string | undefined;
  if (option !== undefined && others.length > 0) {
    throw usageError("status", `profile given twice: "${others[0]}" and "${option}"`);
  }
  let format: StatusFormat = "text";
  if (values.format !== undefined) {
    const wanted = values.format as string;
    if (!(FORMATS as readonly string[]).includes(wanted)) {
      throw usageError(
        "status",
        `unknown format "${wanted}"`,
        `use one of ${FORMATS.map((f) => `"${f}"`).join(", ")}`,
      );
    }
    format = wanted as StatusFormat;
  }
  if (values.json === true) {
    if (format !== "text" && format !== "json") {
      throw usageError("status", `options "--json" and "--format ${format}" conflict`);
    }
    format = "json";
  }
  return { profile: option ?? others[0] ?? "default.yaml", overrides, format };
}

/** Renders status rows: in the given order for `text` and `json`, sorted for `hashdist`. */
export function renderStatus(rows: readonly StatusRow[], format: StatusFormat): string {
  if (format === "json") {
    const list = rows.map((row) => ({
      name: row.name,
      artifact_id: row.artifactId,
      built: row.built,
      ...(row.sandbox === undefined ? {} : { sandbox: row.sandbox.kind }),
      ...(row.sandbox?.details === undefined ? {} : { sandbox_details: row.sandbox.details }),
    }));
    return JSON.stringify(list, null, 2) + "\n";
  }
  if (format === "hashdist") return renderHashdistStatus(rows);
  const nameWidth = Math.max(0, ...rows.map((row) => row.name.length));
  const idWidth = Math.max(0, ...rows.map((row) => row.artifactId.length));
  return rows.map((row) =>
    `${row.name.padEnd(nameWidth)}  ${row.artifactId.padEnd(idWidth)}  ${
      row.built ? "built" : "not built"
    }\n`
  ).join("");
}

// The original (`hit status`, hashdist/cli/frontend_cli.py) sorts by the lower-cased short id
// `name/` + 12 hash characters and prints "%-50s [OK]" or "%-50s [needs build]".
function renderHashdistStatus(rows: readonly StatusRow[]): string {
  const lines = rows.map((row) => ({ short: shortId(row.artifactId), built: row.built }));
  lines.sort((a, b) => compareStrings(a.short.toLowerCase(), b.short.toLowerCase()));
  return lines.map((line) => `${line.short.padEnd(50)} ${line.built ? "[OK]" : "[needs build]"}\n`)
    .join("");
}

/** `name/` and the first 12 characters of the hash, as the original prints artifact ids. */
export function shortId(artifactId: string): string {
  const slash = artifactId.indexOf("/");
  return slash < 0 ? artifactId : artifactId.slice(0, slash + 13);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The sandbox `artifact.json` records (none for artifacts HashDist built). */
async function builtUnder(store: string, id: string): Promise<StatusRow["sandbox"]> {
  const json = await readArtifactJson(store, id).catch(() => undefined);
  if (json?.sandbox === undefined) return undefined;
  return { kind: json.sandbox, details: json.sandbox_details };
}

/** The `status` command. */
export const statusCommand: Command = {
  name: "status",
  summary: "list the packages of a profile with their artifact ids and whether they are built",
  usage: `hit status [PROFILE] [--json | --format FORMAT] [NAME=VALUE ...]
       hit status -p PROFILE [--json | --format FORMAT] [NAME=VALUE ...]

Lists every package of the profile's closure in build order, with its artifact id.
PROFILE defaults to "default.yaml"; NAME=VALUE overrides a profile parameter.

examples:
  hit status stack.yaml
  hit status -p stack.yaml --json debug=true
  hit status stack.yaml --format hashdist`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseStatusArgs(args);
    const { buildStore, cache } = await commandConfig(context);
    const file = await statusProfileFile(parsed.profile, context);
    const profile = await cachedStatusProfile(file, {
      overrides: parsed.overrides,
      cwd: context.cwd,
      cacheDir: cache,
    });
    for (const line of profile.warnings) await context.stderr.write(`warning: ${line}\n`);
    const rows: StatusRow[] = [];
    for (const name of profile.buildOrder) {
      const artifactId = profile.artifactIds[name];
      const built = await artifactState(buildStore, artifactId) === "built";
      rows.push({
        name,
        artifactId,
        built,
        sandbox: built ? await builtUnder(buildStore, artifactId) : undefined,
      });
    }
    await context.stdout.write(renderStatus(rows, parsed.format));
    return 0;
  },
};
