/**
 * The `hit` entry point: the list of commands, global options, and the one place that turns
 * errors into output and exit codes. Only this file reads `Deno.*` to fill the command context.
 */
import { HitError, renderHitError, USAGE_EXIT } from "./errors.ts";
import { parseGlobalArgs, wantsHelp } from "./cli/args.ts";
import { type Command, type CommandContext, findCommand } from "./cli/command.ts";
import { createHelpCommand, renderCommandHelp, renderMainHelp } from "./cli/help.ts";
import { fileWriter, OutputClosedError } from "./cli/output.ts";
import { showCommand } from "./cli/show.ts";
import { statusCommand } from "./cli/status.ts";
import { versionCommand } from "./cli/version.ts";
import { createLinksCommand } from "./cli/create_links.ts";
import { buildPostprocessCommand } from "./cli/build_postprocess.ts";
import { fetchCommand } from "./cli/fetch.ts";
import { mirrorCommand } from "./cli/mirror.ts";
import { buildCommand } from "./cli/build.ts";
import { loadCommand, shellCommand } from "./cli/load.ts";
import { bdirCommand } from "./cli/bdir.ts";
import { developCommand } from "./cli/develop.ts";
import { logCommand } from "./cli/log.ts";
import { buildUnpackSourcesCommand } from "./cli/build_unpack_sources.ts";
import { buildWhitelistCommand } from "./cli/build_whitelist.ts";
import { buildWriteFilesCommand } from "./cli/build_write_files.ts";
import { initHomeCommand } from "./cli/init_home.ts";
import { selfCheckCommand } from "./cli/self_check.ts";
import { whyCommand } from "./cli/why.ts";
import { graphCommand } from "./cli/graph.ts";
import { skeletonPypiCommand } from "./cli/skeleton_pypi.ts";
import { createCompletionsCommand } from "./cli/completions.ts";
import { gcCommand } from "./cli/gc.ts";
import { purgeCommand } from "./cli/purge.ts";
import { cpCommand, mvCommand, rmCommand } from "./cli/link_commands.ts";
import { clearSourcesCommand } from "./cli/clearsources.ts";
import { selfCommand } from "./self_command.ts";

/** Exit code for a bug in `hit` (an error that is not a `HitError`): EX_SOFTWARE. */
export const INTERNAL_ERROR_EXIT = 70;

const COMMANDS: readonly Command[] = [
  buildCommand,
  developCommand,
  statusCommand,
  loadCommand,
  shellCommand,
  bdirCommand,
  showCommand,
  logCommand,
  whyCommand,
  graphCommand,
  initHomeCommand,
  selfCheckCommand,
  gcCommand,
  rmCommand,
  cpCommand,
  mvCommand,
  purgeCommand,
  fetchCommand,
  mirrorCommand,
  skeletonPypiCommand,
  clearSourcesCommand,
  createLinksCommand,
  buildPostprocessCommand,
  buildWriteFilesCommand,
  buildUnpackSourcesCommand,
  buildWhitelistCommand,
  createCompletionsCommand(() => COMMANDS),
  createHelpCommand(() => COMMANDS),
  versionCommand,
];

/** Runs `hit` with `args` (without the program name); returns the exit code. */
export async function main(args: string[], context: CommandContext): Promise<number> {
  try {
    return await dispatch(args, context);
  } catch (error) {
    return await report(error, context);
  }
}

async function dispatch(args: string[], context: CommandContext): Promise<number> {
  const global = parseGlobalArgs(args);
  if (global.version) return await versionCommand.run([], context);
  if (global.help) {
    await context.stdout.write(renderMainHelp(COMMANDS));
    return 0;
  }
  if (global.command === undefined) {
    await context.stderr.write(renderMainHelp(COMMANDS));
    return USAGE_EXIT;
  }
  const command = findCommand(global.command, COMMANDS);
  if (wantsHelp(global.args)) {
    await context.stdout.write(renderCommandHelp(command));
    return 0;
  }
  const withConfig = global.configPath === undefined
    ? context
    : { ...context, configPath: global.configPath };
  return await command.run(global.args, withConfig);
}

async function report(error: unknown, context: CommandContext): Promise<number> {
  // `hit show … | head`: the reader has what it wanted; nothing went wrong.
  if (error instanceof OutputClosedError) return 0;
  if (error instanceof HitError) {
    await writeQuietly(context, renderHitError(error) + "\n");
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  await writeQuietly(
    context,
    `internal error: ${detail}\nhint: this is a bug in hit; please report it with the command ` +
      `that caused it\n`,
  );
  return INTERNAL_ERROR_EXIT;
}

async function writeQuietly(context: CommandContext, text: string): Promise<void> {
  try {
    await context.stderr.write(text);
  } catch {
    // stderr is gone too; the exit code is all that is left to say.
  }
}

function realContext(): CommandContext {
  const env = Deno.env.toObject();
  return {
    stdout: fileWriter(Deno.stdout),
    stderr: fileWriter(Deno.stderr),
    env,
    cwd: Deno.cwd(),
    noColor: Deno.noColor,
    self: () => selfCommand(),
  };
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args, realContext()));
}
