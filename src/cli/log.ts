/**
 * `hit log`: prints the build log of a package of a profile: the one kept (compressed) in its
 * artifact, or else the one of its last failed build in a kept build folder. Parsing is pure;
 * `run` resolves the profile and reads the store and the build folders, nothing else.
 */
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { HitError } from "../errors.ts";
import { artifactDir, artifactState } from "../core/build_store.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { packageArtifactId, PROFILE_OPTION, resolveProfileArg } from "./profile_arg.ts";

/** The parsed command line of `hit log`. */
export interface LogArgs {
  /** The package name; `profile` means the profile artifact. */
  package: string;
  profile: string;
  overrides: Record<string, string>;
  json: boolean;
}

const OPTIONS: readonly OptionSpec[] = [
  PROFILE_OPTION,
  {
    name: "json",
    description: "print {package, artifact_id, kind, path, text} (kind: artifact or failed)",
  },
];

/**
 * Parses the arguments after `hit log`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseLogArgs(args: string[]): LogArgs {
  const { values, positionals } = parseOptions("log", OPTIONS, args);
  const { overrides, others } = splitOverrides("log", positionals);
  if (others.length === 0) throw usageError("log", "missing the package name");
  if (others.length > 1) throw usageError("log", `unexpected argument "${others[1]}"`);
  return {
    package: others[0],
    profile: (values.profile as string | undefined) ?? "default.yaml",
    overrides,
    json: values.json === true,
  };
}

/** Where a build log was found: an artifact's, or a failed build's in its kept folder. */
export interface FoundLog {
  kind: "artifact" | "failed";
  path: string;
  text: string;
}

/**
 * The log of artifact `id`: from the store when it is built, else from the newest kept build
 * folder of that id under `buildTemp`; undefined when neither has one.
 */
export async function findBuildLog(
  store: string,
  buildTemp: string,
  id: string,
): Promise<FoundLog | undefined> {
  if (await artifactState(store, id) === "built") {
    const path = join(artifactDir(store, id), "build.log.gz");
    try {
      return { kind: "artifact", path, text: decode(gunzipSync(await Deno.readFile(path))) };
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  // Build folders are `name-<12 hash characters>`, with `-1`, `-2` … when one already existed.
  const [name, hash] = id.split("/");
  const prefix = `${name}-${hash.slice(0, 12)}`;
  let newest: { path: string; time: number } | undefined;
  try {
    for await (const entry of Deno.readDir(buildTemp)) {
      if (entry.name !== prefix && !new RegExp(`^${escape(prefix)}-\\d+$`).test(entry.name)) {
        continue;
      }
      const path = join(buildTemp, entry.name, "_hashdist", "build.log");
      try {
        const time = (await Deno.stat(path)).mtime?.getTime() ?? 0;
        if (newest === undefined || time > newest.time) newest = { path, time };
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (newest === undefined) return undefined;
  return { kind: "failed", path: newest.path, text: decode(await Deno.readFile(newest.path)) };
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The `log` command. */
export const logCommand: Command = {
  name: "log",
  summary: "print the build log of a package (of its artifact, or of its last failed build)",
  usage: `hit log PACKAGE [-p PROFILE] [--json] [NAME=VALUE ...]

Prints the build log of the package's artifact in the store, or, when it is not built, the log
of its last failed build whose folder was kept. PACKAGE "profile" is the profile artifact.
PROFILE defaults to "default.yaml"; NAME=VALUE overrides a profile parameter. --json prints
the log's text with where it was found ("kind": "artifact" or "failed", "path").

examples:
  hit log zlib -p stack.yaml
  hit log zlib -p stack.yaml | less`,
  options: OPTIONS,
  completion: { packages: true },
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseLogArgs(args);
    const resolved = await resolveProfileArg(parsed.profile, context, {
      overrides: parsed.overrides,
    });
    const id = packageArtifactId(resolved, parsed.package, {
      action: `show the log of "${parsed.package}"`,
      profile: parsed.profile,
    });
    const config = await commandConfig(context);
    const found = await findBuildLog(config.buildStore, config.buildTemp, id);
    if (found === undefined) {
      throw new HitError(
        `show the log of "${parsed.package}": "${id}" is not built and no failed build of it is kept`,
        {
          location: { package: parsed.package },
          hint: `build it with "hit build ${parsed.profile}"; a failed build keeps its folder ` +
            `unless "--no-keep-build" is given`,
        },
      );
    }
    if (parsed.json) {
      const { kind, path, text } = found;
      const document = { package: parsed.package, artifact_id: id, kind, path, text };
      await context.stdout.write(JSON.stringify(document, null, 2) + "\n");
      return 0;
    }
    if (found.kind === "failed") {
      await context.stderr.write(
        `hit log: "${parsed.package}" is not built; the log of its last failed build, ` +
          `${found.path}:\n`,
      );
    }
    await context.stdout.write(found.text);
    return 0;
  },
};
