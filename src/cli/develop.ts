/**
 * `hit develop`: builds a profile's packages into the store, then a writable copy of the
 * profile into a folder of the user's (HASHDIST.md §6.6), outside the store and its gc roots.
 */
import { resolve } from "node:path";
import type { LinkAction } from "../spec/profile_links.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import { type BuildArgs, buildArgsFrom, OPTIONS as BUILD_OPTIONS, runBuild } from "./build.ts";
import type { Command, CommandContext } from "./command.ts";
import { prepareTarget } from "./target_folder.ts";

const LINKS: Record<string, LinkAction> = {
  absolute: "absolute_symlink",
  relative: "relative_symlink",
  copy: "copy",
};

const OPTIONS: readonly OptionSpec[] = [
  ...BUILD_OPTIONS.filter((option) => !["output", "package", "push"].includes(option.name)),
  { name: "force", short: "f", description: "replace TARGET if it exists and is not empty" },
  {
    name: "link",
    short: "l",
    value: "MODE",
    choices: ["copy", "absolute", "relative"],
    description: `"copy" (default), or "absolute" or "relative" symlinks into the store`,
  },
];

/** The parsed command line of `hit develop`. */
export interface DevelopArgs {
  build: BuildArgs;
  target: string;
  link: LinkAction;
  force: boolean;
}

/**
 * Parses the arguments after `hit develop`; relative paths are resolved against `cwd`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseDevelopArgs(
  args: string[],
  options: { cwd: string; cpus: number },
): DevelopArgs {
  const { values, positionals, repeated } = parseOptions("develop", OPTIONS, args);
  const { overrides, others } = splitOverrides("develop", positionals);
  const option = values.profile as string | undefined;
  const [profile, target, extra] = option === undefined ? others : [option, ...others];
  if (profile === undefined) throw usageError("develop", "missing the PROFILE");
  if (extra !== undefined) throw usageError("develop", `unexpected argument "${extra}"`);
  const defaultTarget = profile.endsWith(".yaml") ? profile.slice(0, -5) : undefined;
  if (target === undefined && defaultTarget === undefined) {
    throw usageError(
      "develop",
      `the profile "${profile}" does not end in ".yaml"`,
      "give a TARGET folder",
    );
  }
  const mode = (values.link as string | undefined) ?? "copy";
  if (!Object.hasOwn(LINKS, mode)) {
    throw usageError(
      "develop",
      `unknown link mode "${mode}"`,
      'use "absolute", "relative" or "copy"',
    );
  }
  return {
    build: buildArgsFrom("develop", { values, repeated, profile, overrides, cpus: options.cpus }),
    target: resolve(options.cwd, target ?? defaultTarget!),
    link: LINKS[mode],
    force: values.force === true,
  };
}

/** The `develop` command. */
export const developCommand: Command = {
  name: "develop",
  summary: "build a writable copy of a profile in a folder of your own",
  usage: `hit develop PROFILE [TARGET] [-l copy|absolute|relative] [-f] [-j N] [NAME=VALUE ...]

Builds the profile's packages into the store as "hit build" does, then writes the profile into
TARGET (default: the profile's path without ".yaml"): writable copies of the packages' files
(reflinked where the file system can), so that editing them, "pip install" or "make install"
into it never reaches the store. -l absolute or -l relative makes symlinks into the store
instead: smaller, but run as root, an edit through them changes a built artifact.
TARGET is not registered as a gc root.

examples:
  hit develop stack.yaml ~/dev-stack
  hit develop stack.yaml -l relative -f`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseDevelopArgs(args, {
      cwd: context.cwd,
      cpus: navigator.hardwareConcurrency || 1,
    });
    if (parsed.link !== "copy") {
      await context.stderr.write(
        `warning: develop: -l ${parsed.link.replace("_symlink", "")} links into the ` +
          `store; run as root, an edit through a link changes a built artifact (the default ` +
          `copies)
`,
      );
    }
    await prepareTarget("develop", parsed.target, { force: parsed.force });
    return await runBuild(parsed.build, context, { target: parsed.target, link: parsed.link });
  },
};
