/**
 * `hit create-links [--key K] FILE`: runs the link rules of a JSON document (HASHDIST.md §5.6,
 * §7.1) with the job's environment and working folder. Used inside profile builds.
 */
import { resolve } from "node:path";
import { readJsonInput } from "./json_input.ts";
import { HitError } from "../errors.ts";
import { executeLinks, parseLinkRules, planLinks } from "../core/links.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";

/** The parsed command line of `hit create-links`. */
export interface CreateLinksArgs {
  /** The JSON file of rules, as given. */
  file: string;
  /** The `/`-separated path of the rule list inside the document; empty for the root. */
  key: string;
}

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "key",
    value: "K",
    description: `"/"-separated path of the rule list in the document (default "/", the root)`,
  },
];

/**
 * Parses the arguments after `hit create-links`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseCreateLinksArgs(args: string[]): CreateLinksArgs {
  const { values, positionals } = parseOptions("create-links", OPTIONS, args);
  if (positionals.length === 0) throw usageError("create-links", "missing the rules FILE");
  if (positionals.length > 1) {
    throw usageError("create-links", `unexpected argument "${positionals[1]}"`);
  }
  return { file: positionals[0], key: (values.key as string | undefined) ?? "/" };
}

/**
 * The part of `document` at `key` (`a/b/0`: mapping keys and list indexes; `/` or empty is the
 * whole document).
 * @throws {HitError} naming the first step that is missing.
 */
export function selectKey(document: unknown, key: string): unknown {
  let value = document;
  const walked: string[] = [];
  for (const step of key.split("/").filter((part) => part !== "")) {
    const container = value as Record<string, unknown> | unknown[] | null;
    const found = Array.isArray(container)
      ? (/^\d+$/.test(step) ? container[Number(step)] : undefined)
      : typeof container === "object" && container !== null && Object.hasOwn(container, step)
      ? container[step]
      : undefined;
    if (found === undefined) {
      const where = walked.length === 0 ? "the document" : `"${walked.join("/")}"`;
      throw new HitError(`select key "${key}": ${where} has no "${step}"`);
    }
    walked.push(step);
    value = found;
  }
  return value;
}

/** The `create-links` command. */
export const createLinksCommand: Command = {
  name: "create-links",
  summary: "create the links (or copies) that link rules in a JSON file ask for (build jobs)",
  usage: `hit create-links [--key K] FILE

Reads link rules from the JSON FILE (at the "/"-separated path K, default the root), finds
the files they select, then creates the symlinks, copies and launchers. $NAME and \${NAME}
in select, prefix, source and target are taken from the environment. Relative paths are
taken from the working folder. Profile builds run it with ARTIFACT set.

example:
  ARTIFACT=$PWD/out ZLIB_DIR=/store/zlib/abc hit create-links --key build/links rules.json`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseCreateLinksArgs(args);
    const file = resolve(context.cwd, parsed.file);
    const document = await readJsonInput("read link rules", file);
    try {
      const rules = parseLinkRules(selectKey(document, parsed.key));
      const linkContext = { env: context.env, cwd: context.cwd };
      await executeLinks(await planLinks(rules, linkContext), linkContext);
    } catch (error) {
      if (error instanceof HitError) error.addContext(`while creating links from "${parsed.file}"`);
      throw error;
    }
    return 0;
  },
};
