/**
 * `hit build`: builds every missing package of a profile into the store, then the profile
 * artifact, and points a link in the current folder at it. Parsing and the progress lines are
 * pure; `run` wires the configuration, the source cache and the sandbox together.
 */
import { basename, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { resolveProfile } from "../spec/resolve.ts";
import { BuildFailure } from "../stages/build_artifact.ts";
import { type BuildEvent, buildProfile } from "../stages/build_profile.ts";
import { findBwrap, missingBwrapError, type SandboxKind } from "../stages/sandbox.ts";
import { openSourceStore } from "../stages/source_store.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";

/** The parsed command line of `hit build`. */
export interface BuildArgs {
  profile: string;
  overrides: Record<string, string>;
  /** `HASHDIST_CPU_COUNT` of each package build. */
  jobs: number;
  /** The name of the link to the profile artifact (default: the profile's base name). */
  output: string;
  keepBuild: "always" | "never" | "error";
  sandbox?: SandboxKind;
  packages: string[];
  offline: boolean;
  verbose: boolean;
  quiet: boolean;
}

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "profile",
    short: "p",
    value: "PATH",
    description: `profile file (default "default.yaml")`,
  },
  {
    name: "jobs",
    short: "j",
    value: "N",
    description: "CPUs for each package's make (default: all)",
  },
  { name: "output", short: "o", value: "NAME", description: "name of the link to the profile" },
  { name: "keep-build", description: "keep build folders of successful builds too" },
  { name: "no-keep-build", description: "remove build folders of failed builds too" },
  { name: "sandbox", value: "KIND", description: `"bwrap" (default) or "none" (unsandboxed)` },
  { name: "package", value: "NAME", description: "build only this package (and no profile)" },
  { name: "offline", description: "use no network: every source must be cached" },
  { name: "verbose", short: "v", description: "stream the build output" },
  { name: "quiet", short: "q", description: "print only errors and the result" },
];

/**
 * Parses the arguments after `hit build`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseBuildArgs(args: string[], cpus: number): BuildArgs {
  const { values, positionals } = parseOptions("build", OPTIONS, args);
  const { overrides, others } = splitOverrides("build", positionals);
  if (others.length > 1) throw usageError("build", `unexpected argument "${others[1]}"`);
  const option = values.profile as string | undefined;
  if (option !== undefined && others.length > 0) {
    throw usageError("build", `profile given twice: "${others[0]}" and "${option}"`);
  }
  const profile = option ?? others[0] ?? "default.yaml";
  let jobs = cpus;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) {
      throw usageError("build", `"-j" needs a whole number of CPUs, got "${values.jobs}"`);
    }
  }
  let output = values.output as string | undefined;
  if (output === undefined) {
    if (!profile.endsWith(".yaml")) {
      throw usageError(
        "build",
        `the profile "${profile}" does not end in ".yaml"`,
        'name the link with "-o NAME"',
      );
    }
    output = basename(profile, ".yaml");
  }
  const sandbox = values.sandbox as string | undefined;
  if (sandbox !== undefined && sandbox !== "bwrap" && sandbox !== "none") {
    throw usageError("build", `unknown sandbox "${sandbox}"`, 'use "bwrap" or "none"');
  }
  if (values["keep-build"] && values["no-keep-build"]) {
    throw usageError("build", `"--keep-build" and "--no-keep-build" conflict`);
  }
  return {
    profile,
    overrides,
    jobs,
    output,
    keepBuild: values["keep-build"] ? "always" : values["no-keep-build"] ? "never" : "error",
    sandbox: sandbox as SandboxKind | undefined,
    packages: values.package === undefined ? [] : [values.package as string],
    offline: values.offline === true,
    verbose: values.verbose === true,
    quiet: values.quiet === true,
  };
}

/** One plain progress line for a build event, or undefined for events shown otherwise. */
export function renderBuildEvent(event: BuildEvent, verbose: boolean): string | undefined {
  switch (event.type) {
    case "plan":
      return event.toBuild.length === 0
        ? undefined
        : `${event.toBuild.length} to build, ${event.cached.length} already built\n`;
    case "fetch":
      return undefined;
    case "start":
      return `[${event.name}] building ${event.id}\n`;
    case "output":
      return verbose ? `[${event.name}] ${event.line}\n` : undefined;
    case "done":
      return `[${event.name}] ${event.status === "built" ? "built" : "already built"} in ${
        event.seconds.toFixed(1)
      } s\n`;
    case "linked":
      return undefined;
  }
}

/** The `build` command. */
export const buildCommand: Command = {
  name: "build",
  summary: "build the packages of a profile and link the profile",
  usage: `hit build [PROFILE] [-j N] [-o NAME] [--sandbox bwrap|none] [NAME=VALUE ...]

Builds every package of the profile that is not in the store yet (from source, in the OS
sandbox), then the profile artifact, and points the link NAME (default: the profile's file
name without ".yaml") in the current folder at it.

examples:
  hit build examples/stack.yaml
  hit build stack.yaml -j 4 -o mystack`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseBuildArgs(args, navigator.hardwareConcurrency || 1);
    const resolved = await resolveProfile(parsed.profile, {
      overrides: parsed.overrides,
      cwd: context.cwd,
    });
    for (const name of parsed.packages) {
      if (!resolved.packages.has(name)) {
        throw new HitError(`build: no package "${name}" in profile "${parsed.profile}"`);
      }
    }
    const config = await commandConfig(context);
    const sandbox = parsed.sandbox ?? "bwrap";
    const bwrap = sandbox === "bwrap" ? findBwrap() : undefined;
    if (sandbox === "bwrap" && bwrap === undefined) throw missingBwrapError();
    if (sandbox === "none" && !parsed.quiet) {
      await context.stderr.write(
        "warning: building WITHOUT a sandbox: builds can reach the network and write anywhere " +
          "you can\n",
      );
    }
    const sources = openSourceStore(config, { offline: parsed.offline });
    const write = (text: string | undefined) =>
      text !== undefined && !parsed.quiet ? context.stderr.write(text) : Promise.resolve();
    let pending = Promise.resolve();
    try {
      const result = await buildProfile(resolved, sources, {
        config,
        sandbox,
        bwrap,
        self: context.self(),
        unpackSource: (key, target) => sources.unpack(key, target),
        cpuCount: parsed.jobs,
        keepBuild: parsed.keepBuild,
      }, {
        link: parsed.packages.length > 0 ? undefined : resolve(context.cwd, parsed.output),
        only: parsed.packages.length > 0 ? parsed.packages : undefined,
        onEvent: (event) => {
          pending = pending.then(() => write(renderBuildEvent(event, parsed.verbose)));
        },
      });
      await pending;
      if (result.link !== undefined) {
        const verb = result.built.length === 0 ? "Up to date" : "Profile build successful";
        await context.stdout.write(`${verb}, link at: ${parsed.output}\n`);
      } else {
        await context.stdout.write(
          `built ${result.built.length}, already built ${result.cached.length}\n`,
        );
      }
      return 0;
    } catch (error) {
      await pending;
      if (error instanceof BuildFailure) {
        if (error.logTail.length > 0) {
          await context.stderr.write(
            `--- last ${error.logTail.length} lines of ${error.logPath} ---\n` +
              error.logTail.join("\n") + "\n---\n",
          );
        }
      }
      throw error;
    }
  },
};
