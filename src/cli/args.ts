/**
 * Command-line parsing shared by the commands: options checked against a command's option
 * list, `NAME=VALUE` parameter overrides (the global options before the command are in
 * `global_args.ts`, re-exported here), and close-name suggestions for typos. Pure: every function takes the arguments and returns data.
 */
import { HitError, USAGE_EXIT } from "../errors.ts";
import { closeNames } from "../spec/close_names.ts";
import { tokenizeArgs, type TokenOptions } from "./arg_tokens.ts";

// The global options live apart, so `hit --version` starts with as little as can be.
export {
  GLOBAL_OPTIONS,
  type GlobalArgs,
  parseGlobalArgs,
  takeGlobalOptions,
  wantsHelp,
} from "./global_args.ts";

/** One option of a command, as parsed and as listed in its help. */
export interface OptionSpec {
  /** Long name without dashes: `profile` for `--profile`. */
  name: string;
  /** One-letter alias without the dash: `p` for `-p`. */
  short?: string;
  /** Placeholder of the option's value (`PATH`); an option without one is a flag. */
  value?: string;
  /** The values the option accepts, for shell completion (`["auto", "bwrap", ...]`). */
  choices?: readonly string[];
  /** Whether the option may be given more than once, every value kept (`--mirror A --mirror B`). */
  repeatable?: boolean;
  /** One line for the help text. */
  description: string;
}

/** Options and positional arguments of one command line. */
export interface ParsedOptions {
  /** Option values by long name: the last value given, or `true` for a flag. */
  values: Record<string, string | true>;
  /** Positional arguments in order, including those after `--`. */
  positionals: string[];
  /** Every value of each repeatable option, in order; present only when there are some. */
  repeated?: Record<string, string[]>;
}

/**
 * Splits `args` into the options of `options` and positional arguments.
 * @throws {HitError} (exit 2) on an unknown option, a missing value, or a value given to a flag.
 */
export function parseOptions(
  command: string,
  options: readonly OptionSpec[],
  args: string[],
): ParsedOptions {
  const config: TokenOptions = {};
  for (const option of options) {
    config[option.name] = { type: option.value === undefined ? "boolean" : "string" };
    if (option.short !== undefined) config[option.name].short = option.short;
  }
  // Unknown options come back as tokens too; they are checked below, in hit's wording.
  const tokens = tokenizeArgs(args, config);
  const values: Record<string, string | true> = {};
  const positionals: string[] = [];
  let repeated: Record<string, string[]> | undefined;
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    const spec = options.find((option) => option.name === token.name);
    if (spec === undefined) {
      const close = closeNames(token.name, options.map((option) => option.name));
      throw new HitError(`unknown option "${token.rawName}" for command "${command}"`, {
        hint: close.length > 0
          ? `did you mean ${quoteList(close.map((name) => `--${name}`))}?`
          : `run "hit help ${command}" to see its options`,
        exitCode: USAGE_EXIT,
      });
    }
    if (spec.value === undefined) {
      if (token.value !== undefined) {
        throw usageError(command, `option "${token.rawName}" takes no value`);
      }
      values[spec.name] = true;
      continue;
    }
    // `-p --json` would otherwise take "--json" as the profile; `-p=-x` still allows it.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith("-"))) {
      throw usageError(command, `option "${token.rawName}" needs a value ${spec.value}`);
    }
    values[spec.name] = token.value;
    if (spec.repeatable) ((repeated ??= {})[spec.name] ??= []).push(token.value);
  }
  return repeated === undefined ? { values, positionals } : { values, positionals, repeated };
}

/** A usage error of `command`: exit 2 and a pointer to its help. */
export function usageError(command: string, message: string, hint?: string): HitError {
  return new HitError(`${command}: ${message}`, {
    hint: hint ?? `run "hit help ${command}" for its usage`,
    exitCode: USAGE_EXIT,
  });
}

/** Positional arguments split into `NAME=VALUE` parameter overrides and the rest. */
export interface SplitPositionals {
  overrides: Record<string, string>;
  others: string[];
}

const OVERRIDE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Separates `NAME=VALUE` overrides (values stay strings, the last one wins) from other
 * positional arguments. An argument ending in `.yaml` is a profile even when it holds a `=`.
 * @throws {HitError} (exit 2) on an override whose name is not a parameter name.
 */
export function splitOverrides(command: string, positionals: string[]): SplitPositionals {
  const overrides: Record<string, string> = {};
  const others: string[] = [];
  for (const arg of positionals) {
    const equals = arg.indexOf("=");
    if (equals < 0 || arg.endsWith(".yaml")) {
      others.push(arg);
      continue;
    }
    const name = arg.slice(0, equals);
    if (!OVERRIDE_NAME.test(name)) {
      throw usageError(command, `bad parameter override "${arg}": expected NAME=VALUE`);
    }
    overrides[name] = arg.slice(equals + 1);
  }
  return { overrides, others };
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`: quoted names for hints. */
export function quoteList(names: string[]): string {
  const quoted = names.map((name) => `"${name}"`);
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}
