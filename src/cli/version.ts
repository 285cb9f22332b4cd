/** The `version` command (also `hit --version`): versions of `hit` and Deno, and how it runs. */
import { VERSION } from "../version.ts";
import { currentRunMode, type RunMode } from "../run_mode.ts";
import type { Command, CommandContext } from "./command.ts";

/** The Deno that runs `hit` and how: from source, self-extracting single file, or compiled. */
export interface Runtime {
  deno: string;
  mode: RunMode;
}

/** `hit 0.1.0 (deno 2.9.6, from source)`, with a final newline. */
export function renderVersion(runtime: Runtime): string {
  return `hit ${VERSION} (deno ${runtime.deno}, ${runtime.mode})\n`;
}

/** The `version` command. */
export const versionCommand: Command = {
  name: "version",
  summary: "print the version of hit",
  usage: "hit version\n\nexample:\n  hit --version",
  options: [],
  async run(args: string[], context: CommandContext): Promise<number> {
    if (args.length > 0) {
      // Only a wrong command line needs the option parser: `hit --version` starts with as
      // little as can be.
      const { parseOptions, usageError } = await import("./args.ts");
      const { positionals } = parseOptions("version", [], args);
      if (positionals.length > 0) {
        throw usageError("version", `unexpected argument "${positionals[0]}"`);
      }
    }
    // The runtime's own version: the single file carries the Deno it was built with.
    await context.stdout.write(renderVersion({ deno: Deno.version.deno, mode: currentRunMode() }));
    return 0;
  },
};
