/**
 * `hit build-whitelist` (HASHDIST.md §5.6): the folder patterns a build may touch, for external
 * sandboxes: the build temp folder, /tmp, /etc, and each imported artifact.
 */
import { artifactDir } from "../core/build_store.ts";
import { parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";

/** The `build-whitelist` command. */
export const buildWhitelistCommand: Command = {
  name: "build-whitelist",
  summary: "print the folders a build may use (inside build jobs)",
  usage: `hit build-whitelist

Prints <build_temp>/**, /tmp/**, /etc/** and <artifact>/** for each id in $HDIST_IMPORT.

example:
  hit build-whitelist`,
  options: [],
  async run(args: string[], context: CommandContext): Promise<number> {
    const { positionals } = parseOptions("build-whitelist", [], args);
    if (positionals.length > 0) {
      throw usageError("build-whitelist", `unexpected argument "${positionals[0]}"`);
    }
    const config = await commandConfig(context);
    const lines = [`${config.buildTemp}/**`, "/tmp/**", "/etc/**"];
    for (const id of (context.env.HDIST_IMPORT ?? "").split(" ").filter((id) => id !== "")) {
      lines.push(`${artifactDir(config.buildStore, id)}/**`);
    }
    await context.stdout.write(lines.map((line) => line + "\n").join(""));
    return 0;
  },
};
