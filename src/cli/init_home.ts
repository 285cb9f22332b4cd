/**
 * `hit init-home`: creates the configuration file and the store folders, by default in
 * `~/.hashdist` as the original does, or in `HIT_HOME`, or where `--config` points.
 */
import { defaultConfigPath, initHome } from "../core/config.ts";
import { parseOptions, usageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";

/** The `init-home` command. */
export const initHomeCommand: Command = {
  name: "init-home",
  summary: "create the configuration file and the store folders",
  usage: `hit init-home

Creates ~/.hashdist (or $HIT_HOME, or the folder of --config) with config.yaml and the
folders it names: bld (the build store), src (the source cache), tmp, cache and gcroots.
Every other command does this by itself on first use.

example:
  HIT_HOME=$HOME/stack-home hit init-home`,
  options: [],
  async run(args: string[], context: CommandContext): Promise<number> {
    const { positionals } = parseOptions("init-home", [], args);
    if (positionals.length > 0) {
      throw usageError("init-home", `unexpected argument "${positionals[0]}"`);
    }
    const file = context.configPath ?? defaultConfigPath(context.env);
    for (const path of await initHome(file)) await context.stdout.write(`created ${path}\n`);
    return 0;
  },
};
