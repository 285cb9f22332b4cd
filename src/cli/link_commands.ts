/**
 * `hit rm`, `hit cp`, `hit mv`: remove, copy or move a profile link and keep its gc root in
 * step (HASHDIST.md §6.5). Parsing is pure; each `run` calls `gc_roots.ts` and prints nothing
 * on success, like rm(1), cp(1) and mv(1).
 */
import { resolve } from "node:path";
import { holdBuildLock } from "../core/gc.ts";
import { copyProfileLink, moveProfileLink, removeProfileLink } from "../core/gc_roots.ts";
import { parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";

/** The two paths of `hit cp` and `hit mv`. */
export interface LinkPairArgs {
  source: string;
  target: string;
}

/**
 * Parses the arguments after `hit rm`: one or more links.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseRmArgs(args: string[]): string[] {
  const { positionals } = parseOptions("rm", [], args);
  if (positionals.length === 0) throw usageError("rm", "missing LINK");
  return positionals;
}

/**
 * Parses the arguments after `hit cp` or `hit mv`: SOURCE and TARGET.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseLinkPairArgs(command: "cp" | "mv", args: string[]): LinkPairArgs {
  const { positionals } = parseOptions(command, [], args);
  if (positionals.length < 2) {
    throw usageError(
      command,
      positionals.length === 0 ? "missing SOURCE and TARGET" : "missing TARGET",
    );
  }
  if (positionals.length > 2) {
    throw usageError(command, `unexpected argument "${positionals[2]}"`);
  }
  return { source: positionals[0], target: positionals[1] };
}

/** The `rm` command. */
export const rmCommand: Command = {
  name: "rm",
  summary: "remove a profile link and its gc root",
  usage: `hit rm LINK...

Removes the profile link LINK (made by "hit build" or "hit cp") and its gc root, so that
"hit gc" may collect the profile. The profile artifact itself stays until then.

examples:
  hit rm default
  hit rm old-stack && hit gc`,
  options: [],
  async run(args: string[], context: CommandContext): Promise<number> {
    const links = parseRmArgs(args);
    const { gcRoots } = await commandConfig(context);
    for (const link of links) await removeProfileLink(resolve(context.cwd, link), gcRoots);
    return 0;
  },
};

/** The `cp` command. */
export const cpCommand: Command = {
  name: "cp",
  summary: "make another profile link, with its gc root, to a profile",
  usage: `hit cp SOURCE TARGET

Creates the profile link TARGET pointing at the artifact SOURCE leads to, and registers it
as a gc root. SOURCE must lead to an artifact (a folder with an "id" file); TARGET must not
exist.

examples:
  hit cp default stable`,
  options: [],
  async run(args: string[], context: CommandContext): Promise<number> {
    const { source, target } = parseLinkPairArgs("cp", args);
    const { buildStore, gcRoots } = await commandConfig(context);
    // Shared like a build: no gc removes the artifact between reading SOURCE and the new root.
    using _lock = await holdBuildLock(buildStore);
    await copyProfileLink(resolve(context.cwd, source), resolve(context.cwd, target), gcRoots);
    return 0;
  },
};

/** The `mv` command. */
export const mvCommand: Command = {
  name: "mv",
  summary: "rename a profile link, moving its gc root",
  usage: `hit mv SOURCE TARGET

Moves the profile link SOURCE to TARGET: TARGET and its gc root are made first, then SOURCE
and its gc root are removed. SOURCE must be a symlink leading to an artifact; TARGET must not
exist.

examples:
  hit mv default stable
  hit mv stack ../stacks/2024`,
  options: [],
  async run(args: string[], context: CommandContext): Promise<number> {
    const { source, target } = parseLinkPairArgs("mv", args);
    const { buildStore, gcRoots } = await commandConfig(context);
    using _lock = await holdBuildLock(buildStore);
    await moveProfileLink(resolve(context.cwd, source), resolve(context.cwd, target), gcRoots);
    return 0;
  },
};
