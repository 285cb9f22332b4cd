/** The `version` command (also `hit --version`): versions of `hit` and Deno, and how it runs. */
import { VERSION } from "../version.ts";
import { currentRunMode, type RunMode } from "../run_mode.ts";
import type { OptionSpec } from "./args.ts";
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

const OPTIONS: readonly OptionSpec[] = [
  { name: "json", description: 'print {"hit", "deno", "mode"} as JSON' },
];

/** The `version` command. */
export const versionCommand: Command = {
  name: "version",
  summary: "print the version of hit",
  usage: "hit version [--json]\n\nexamples:\n  hit --version\n  hit version --json",
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    let json = false;
    if (args.length > 0) {
      // Only an argument needs the option parser: `hit --version` starts with as little as can be.
      const { parseOptions, usageError } = await import("./args.ts");
      const { values, positionals } = parseOptions("version", OPTIONS, args);
      if (positionals.length > 0) {
        throw usageError("version", `unexpected argument "${positionals[0]}"`);
      }
      json = values.json === true;
    }
    // The runtime's own version: the single file carries the Deno it was built with.
    const runtime = { deno: Deno.version.deno, mode: currentRunMode() };
    await context.stdout.write(
      json ? JSON.stringify({ hit: VERSION, ...runtime }) + "\n" : renderVersion(runtime),
    );
    return 0;
  },
};
