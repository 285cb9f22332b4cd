/**
 * What a `hit` command is (a plain object: name, summary, usage, options, `run`) and the
 * context `main.ts` hands it: the only way a command reaches stdout, stderr, the environment
 * and the working folder.
 */
import type { StageProgram } from "../stages/sandbox_landlock.ts";
import { HitError, USAGE_EXIT } from "../errors.ts";
import { type OptionSpec, quoteList } from "./args.ts";
import { closeNames } from "../spec/close_names.ts";
import type { Writer } from "./output.ts";
import { type Config, configFromJson, defaultConfigPath, loadConfig } from "../core/config.ts";
import type { SelfCommand } from "../stages/build_artifact.ts";

/** Everything with effects a command may use; filled only by `main.ts`. */
export interface CommandContext {
  stdout: Writer;
  stderr: Writer;
  /** A snapshot of the environment taken at start-up. */
  env: Readonly<Record<string, string>>;
  /** The working folder relative paths on the command line are taken from. */
  cwd: string;
  /** Whether colour is off (`NO_COLOR`). */
  noColor: boolean;
  /** The configuration file given with the global `--config PATH`, if any. */
  configPath?: string;
  /** How to run this same `hit` inside build jobs (in-build commands); computed on demand. */
  self: () => SelfCommand;
  /** How to start the Landlock stage program, when this `hit` can (main.ts fills it in). */
  landlockStage?: () => StageProgram | undefined;
}

/**
 * The configuration a command works with: `--config`, else `HIT_HOME`, else `~/.hashdist`
 * (the last two created with the defaults when missing).
 * @throws {HitError} for a bad configuration file.
 */
export async function commandConfig(context: CommandContext): Promise<Config> {
  // Inside a build job, in-job commands use the outer command's configuration (Q14).
  if (context.configPath === undefined && context.env.HDIST_CONFIG) {
    return configFromJson(context.env.HDIST_CONFIG);
  }
  // Only the default configuration is created when missing: an explicit --config that does
  // not exist is a typo, not a new store.
  if (context.configPath !== undefined) {
    return await loadConfig(context.configPath, { create: false });
  }
  return await loadConfig(defaultConfigPath(context.env));
}

/** One `hit` command, listed in the command array of `main.ts`. */
export interface Command {
  name: string;
  aliases?: string[];
  /** One line for the command list of `hit --help`. */
  summary: string;
  /** Synopsis lines, a short explanation and at least one example, for `hit help NAME`. */
  usage: string;
  /** Options the command accepts (`-h/--help` is added by `main.ts` for every command). */
  options: readonly OptionSpec[];
  /**
   * What shells complete for its arguments: `verbs` for the first one (subjects, actions),
   * and with `packages` the next one is a package name of the profile on the line.
   */
  completion?: { verbs?: readonly string[]; packages?: boolean };
  /** Runs the command on the arguments after its name; returns the exit code. */
  run(args: string[], context: CommandContext): Promise<number>;
}

/**
 * The command called `name` (or with that alias).
 * @throws {HitError} (exit 2) naming the unknown command, with a close name as hint.
 */
export function findCommand(name: string, commands: readonly Command[]): Command {
  const found = commands.find((command) =>
    command.name === name || (command.aliases ?? []).includes(name)
  );
  if (found !== undefined) return found;
  const names = commands.flatMap((command) => [command.name, ...(command.aliases ?? [])]);
  const close = closeNames(name, names);
  throw new HitError(`unknown command "${name}"`, {
    hint: close.length > 0
      ? `did you mean ${quoteList(close)}?`
      : `run "hit --help" to list the commands`,
    exitCode: USAGE_EXIT,
  });
}
