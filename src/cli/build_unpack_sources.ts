/**
 * `hit build-unpack-sources [--key sources] [--input build.json]` (HASHDIST.md §5.6): unpacks
 * each `{key, target}` of a build spec from the source cache into the current folder.
 */
import { resolve } from "node:path";
import { HitError } from "../errors.ts";
import { openSourceStore } from "../stages/source_store.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { selectKey } from "./create_links.ts";
import { readJsonInput } from "./json_input.ts";

const OPTIONS: readonly OptionSpec[] = [
  { name: "key", value: "K", description: `path of the source list (default "sources")` },
  { name: "input", value: "FILE", description: `the build spec (default "build.json")` },
];

/** The `build-unpack-sources` command. */
export const buildUnpackSourcesCommand: Command = {
  name: "build-unpack-sources",
  summary: "unpack a build spec's sources into the current folder (inside build jobs)",
  usage: `hit build-unpack-sources [--key sources] [--input build.json]

Unpacks each {key, target} of the build spec's source list into ./target, from the source
cache of the configuration (HDIST_CONFIG inside jobs).

example:
  hit build-unpack-sources --input build.json`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const { values, positionals } = parseOptions("build-unpack-sources", OPTIONS, args);
    if (positionals.length > 0) {
      throw usageError("build-unpack-sources", `unexpected argument "${positionals[0]}"`);
    }
    const input = resolve(context.cwd, (values.input as string | undefined) ?? "build.json");
    const document = await readJsonInput("unpack sources", input);
    const list = selectKey(document, (values.key as string | undefined) ?? "sources");
    if (!Array.isArray(list)) throw new HitError(`unpack sources: "${input}" has no source list`);
    const sources = openSourceStore(await commandConfig(context), {
      offline: true,
      onWarning: (message) => context.stderr.write(`warning: ${message}\n`),
    });
    for (const entry of list as { key?: unknown; target?: unknown }[]) {
      if (typeof entry?.key !== "string") {
        throw new HitError(`unpack sources: an entry lacks "key"`);
      }
      await sources.unpack(entry.key, resolve(context.cwd, String(entry.target ?? ".")));
    }
    return 0;
  },
};
