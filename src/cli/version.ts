/** The `version` command (also `hit --version`): the version of `hit` and of its runtime. */
import { VERSION } from "../version.ts";
import { parseOptions, usageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";

/** How `hit` runs: from source through `deno run`, or as a compiled single file. */
export interface Runtime {
  deno: string;
  compiled: boolean;
}

/** `hit 0.1.0 (deno 2.9.6, from source)`, with a final newline. */
export function renderVersion(runtime: Runtime): string {
  const how = runtime.compiled ? "compiled" : "from source";
  return `hit ${VERSION} (deno ${runtime.deno}, ${how})\n`;
}

/** The `version` command. */
export const versionCommand: Command = {
  name: "version",
  summary: "print the version of hit",
  usage: "hit version\n\nexample:\n  hit --version",
  options: [],
  async run(args: string[], context: CommandContext): Promise<number> {
    const { positionals } = parseOptions("version", [], args);
    if (positionals.length > 0) {
      throw usageError("version", `unexpected argument "${positionals[0]}"`);
    }
    // TODO(issue 8): detect the compiled single file and say "compiled".
    await context.stdout.write(renderVersion({ deno: Deno.version.deno, compiled: false }));
    return 0;
  },
};
