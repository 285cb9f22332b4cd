/**
 * The global part of a `hit` command line: the options before the command, the command, and
 * whether a command's arguments ask for its help. Pure, and imports no `node:` module, so that
 * `main.ts` knows the command before it loads anything the command does not need.
 */
import { HitError, USAGE_EXIT } from "../errors.ts";
import type { OptionSpec } from "./args.ts";

/** The global part of a command line: options before the command, the command, its arguments. */
export interface GlobalArgs {
  /** `--config PATH` (or `--config-file PATH`). */
  configPath?: string;
  help: boolean;
  version: boolean;
  /** `--version --json`. */
  json?: boolean;
  /** The command name, if one was given. */
  command?: string;
  /** Everything after the command name. */
  args: string[];
}

/** The options `hit` accepts before the command, for the help text. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    name: "config",
    value: "PATH",
    description: "configuration file (alias --config-file; default ~/.hashdist/config.yaml)",
  },
  { name: "help", short: "h", description: "show this help" },
  { name: "version", short: "V", description: "print the version of hit" },
];

/**
 * Parses the global options up to the first argument that is not an option (the command).
 * @throws {HitError} (exit 2) on an unknown global option or a missing `--config` value.
 */
export function parseGlobalArgs(args: string[]): GlobalArgs {
  const result: GlobalArgs = { help: false, version: false, args: [] };
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const equals = arg.indexOf("=");
    const name = equals < 0 ? arg : arg.slice(0, equals);
    if (name === "--config" || name === "--config-file") {
      const value = equals < 0 ? args[++i] : arg.slice(equals + 1);
      if (value === undefined || value === "" || (equals < 0 && value.startsWith("-"))) {
        throw new HitError(`option "${name}" needs a value PATH`, {
          hint: `run "hit --help" for the usage`,
          exitCode: USAGE_EXIT,
        });
      }
      result.configPath = value;
    } else if ((arg === "-h" || arg === "--help") && equals < 0) {
      result.help = true;
    } else if (arg === "--version" || arg === "-V") {
      result.version = true;
    } else if (arg === "--json" && result.version) {
      result.json = true;
    } else {
      throw new HitError(`unknown option "${name}"`, {
        hint: `run "hit --help" for the global options; command options go after the command`,
        exitCode: USAGE_EXIT,
      });
    }
  }
  if (i < args.length) {
    result.command = args[i];
    result.args = args.slice(i + 1);
  }
  return result;
}

/**
 * Takes the global `--config PATH` out of a command's arguments (before any `--`), as cargo and
 * nix accept global options anywhere: `hit status P --config X`.
 * @throws {HitError} (exit 2) on a `--config` without a value.
 */
export function takeGlobalOptions(args: string[]): { configPath?: string; args: string[] } {
  const rest: string[] = [];
  let configPath: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      rest.push(...args.slice(i));
      break;
    }
    const equals = arg.indexOf("=");
    const name = equals < 0 ? arg : arg.slice(0, equals);
    if (name !== "--config" && name !== "--config-file") {
      rest.push(arg);
      continue;
    }
    const value = equals < 0 ? args[++i] : arg.slice(equals + 1);
    if (value === undefined || value === "" || (equals < 0 && value.startsWith("-"))) {
      throw new HitError(`option "${name}" needs a value PATH`, {
        hint: `run "hit --help" for the usage`,
        exitCode: USAGE_EXIT,
      });
    }
    configPath = value;
  }
  return configPath === undefined ? { args: rest } : { configPath, args: rest };
}

/** Whether a command's arguments ask for its help (`-h` or `--help` before any `--`). */
export function wantsHelp(args: string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "-h" || arg === "--help") return true;
  }
  return false;
}
