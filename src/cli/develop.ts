/**
 * `hit develop`: builds a profile's packages into the store, then a writable copy of the
 * profile into a folder of the user's (HASHDIST.md §6.6), outside the store and its gc roots.
 */
import { resolve } from "node:path";
import { HitError } from "../errors.ts";
import { removeTree } from "../core/build_store.ts";
import type { LinkAction } from "../spec/profile_links.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import { type BuildArgs, buildArgsFrom, OPTIONS as BUILD_OPTIONS, runBuild } from "./build.ts";
import type { Command, CommandContext } from "./command.ts";

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
    description: `"absolute" (default) or "relative" symlinks into the store, or "copy"`,
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
  const mode = (values.link as string | undefined) ?? "absolute";
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
  usage: `hit develop PROFILE [TARGET] [-l absolute|relative|copy] [-f] [-j N] [NAME=VALUE ...]

Builds the profile's packages into the store as "hit build" does, then writes the profile into
TARGET (default: the profile's path without ".yaml"): real folders holding links into the store
(or copies, with -l copy), writable, so that "pip install" or "make install" into it works.
TARGET is not registered as a gc root; the store's artifacts stay read-only.

examples:
  hit develop stack.yaml ~/dev-stack
  hit develop stack.yaml -l copy -f`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseDevelopArgs(args, {
      cwd: context.cwd,
      cpus: navigator.hardwareConcurrency || 1,
    });
    await prepareTarget(parsed.target, parsed.force);
    return await runBuild(parsed.build, context, { target: parsed.target, link: parsed.link });
  },
};

async function prepareTarget(target: string, force: boolean): Promise<void> {
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(target)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    if (error instanceof Deno.errors.NotADirectory) {
      throw new HitError(`develop: "${target}" exists and is not a folder`);
    }
    throw error;
  }
  if (entries.length === 0) return;
  if (!force) {
    throw new HitError(`develop: "${target}" exists and is not empty`, {
      hint: "choose another TARGET, or replace it with -f",
    });
  }
  await removeTree(target);
}
