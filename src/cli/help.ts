/**
 * The help texts: `hit --help` (the command list) and `hit help NAME` (one command's usage and
 * options), rendered as pure functions, and the `help` command that prints them.
 */
import { GLOBAL_OPTIONS, type OptionSpec, parseOptions, usageError } from "./args.ts";
import { type Command, type CommandContext, findCommand } from "./command.ts";

const HELP_OPTION: OptionSpec = { name: "help", short: "h", description: "show this help" };

/** The help of `hit` itself: usage, commands with their summaries, global options. */
export function renderMainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length)) + 3;
  const lines = [
    "hit: build scientific software stacks from HashDist YAML",
    "",
    "usage: hit [--config PATH] COMMAND [ARGS...]",
    "",
    "commands:",
    ...commands.map((command) => {
      const aliases = command.aliases?.length ? ` (alias ${command.aliases.join(", ")})` : "";
      return `  ${command.name.padEnd(width)}${command.summary}${aliases}`;
    }),
    "",
    "global options (before the command):",
    ...renderOptions(GLOBAL_OPTIONS),
    "",
    "example:",
    "  hit status default.yaml",
    "",
    `Run "hit help COMMAND" for the usage and options of a command.`,
  ];
  return lines.join("\n") + "\n";
}

/** The help of one command: summary, usage with examples, options. */
export function renderCommandHelp(command: Command): string {
  const lines = [
    command.summary,
    "",
    `usage: ${command.usage.trimEnd()}`,
    "",
    "options:",
    ...renderOptions([...command.options, HELP_OPTION]),
  ];
  if (command.aliases?.length) lines.push("", `aliases: ${command.aliases.join(", ")}`);
  return lines.join("\n") + "\n";
}

function renderOptions(options: readonly OptionSpec[]): string[] {
  const heads = options.map((option) => {
    const short = option.short === undefined ? "    " : `-${option.short}, `;
    const value = option.value === undefined ? "" : ` ${option.value}`;
    return `${short}--${option.name}${value}`;
  });
  const width = Math.max(...heads.map((head) => head.length)) + 3;
  return options.map((option, i) => `  ${heads[i].padEnd(width)}${option.description}`);
}

/**
 * The `help` command; `commands` is called when it runs, so the list in `main.ts` can
 * include this command itself.
 */
export function createHelpCommand(commands: () => readonly Command[]): Command {
  return {
    name: "help",
    summary: "show help for hit or for one command",
    usage: "hit help [COMMAND]\n\nexample:\n  hit help status",
    options: [],
    async run(args: string[], context: CommandContext): Promise<number> {
      const { positionals } = parseOptions("help", [], args);
      if (positionals.length > 1) {
        throw usageError("help", `unexpected argument "${positionals[1]}"`);
      }
      const text = positionals.length === 0
        ? renderMainHelp(commands())
        : renderCommandHelp(findCommand(positionals[0], commands()));
      await context.stdout.write(text);
      return 0;
    },
  };
}
