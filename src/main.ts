/**
 * The `hit` entry point: the list of commands, global options, and the one place that turns
 * errors into output and exit codes. Only this file reads `Deno.*` to fill the command context.
 */
import { HitError, renderHitError, USAGE_EXIT } from "./errors.ts";
import { fileError } from "./core/file_error.ts";
import { parseGlobalArgs, takeGlobalOptions, wantsHelp } from "./cli/global_args.ts";
import type { Command, CommandContext } from "./cli/command.ts";
import { fileWriter, OutputClosedError } from "./cli/output.ts";
import { versionCommand } from "./cli/version.ts";
import { landlockStageCommand, selfCommand } from "./self_command.ts";
import { JOB_UMASK } from "./core/job_umask.ts";

/** Exit code for a bug in `hit` (an error that is not a `HitError`): EX_SOFTWARE. */
export const INTERNAL_ERROR_EXIT = 70;

/** One command of the list: its names, and how to load it. */
interface CommandEntry {
  names: string[];
  load: () => Promise<Command>;
  /** Whether the command works on the list of every command (help, completions). */
  listsCommands?: boolean;
}

// Only the command that runs is loaded: `hit status` does not compile the build, fetch and
// sandbox code (about half the start-up time), and `hit --version` loads no `node:` module and
// no YAML parser. String-literal imports stay visible to `deno compile` and `deno bundle`
// (which splits the single file the same way).
const COMMANDS: readonly CommandEntry[] = [
  { names: ["build"], load: async () => (await import("./cli/build.ts")).buildCommand },
  { names: ["develop"], load: async () => (await import("./cli/develop.ts")).developCommand },
  { names: ["status"], load: async () => (await import("./cli/status.ts")).statusCommand },
  { names: ["load", "env"], load: async () => (await import("./cli/load.ts")).loadCommand },
  { names: ["shell"], load: async () => (await import("./cli/load.ts")).shellCommand },
  { names: ["bdir"], load: async () => (await import("./cli/bdir.ts")).bdirCommand },
  { names: ["show"], load: async () => (await import("./cli/show.ts")).showCommand },
  { names: ["log"], load: async () => (await import("./cli/log.ts")).logCommand },
  { names: ["why"], load: async () => (await import("./cli/why.ts")).whyCommand },
  { names: ["graph"], load: async () => (await import("./cli/graph.ts")).graphCommand },
  { names: ["config"], load: async () => (await import("./cli/config.ts")).configCommand },
  { names: ["list"], load: async () => (await import("./cli/list.ts")).listCommand },
  { names: ["path"], load: async () => (await import("./cli/path.ts")).pathCommand },
  { names: ["info"], load: async () => (await import("./cli/info.ts")).infoCommand },
  { names: ["sbom"], load: async () => (await import("./cli/sbom.ts")).sbomCommand },
  { names: ["init-home"], load: async () => (await import("./cli/init_home.ts")).initHomeCommand },
  {
    names: ["self-check"],
    load: async () => (await import("./cli/self_check.ts")).selfCheckCommand,
  },
  { names: ["gc"], load: async () => (await import("./cli/gc.ts")).gcCommand },
  { names: ["rm"], load: async () => (await import("./cli/link_commands.ts")).rmCommand },
  { names: ["cp"], load: async () => (await import("./cli/link_commands.ts")).cpCommand },
  { names: ["mv"], load: async () => (await import("./cli/link_commands.ts")).mvCommand },
  { names: ["purge"], load: async () => (await import("./cli/purge.ts")).purgeCommand },
  { names: ["remote"], load: async () => (await import("./cli/remote.ts")).remoteCommand },
  { names: ["push"], load: async () => (await import("./cli/push.ts")).pushCommand },
  { names: ["key"], load: async () => (await import("./cli/key.ts")).keyCommand },
  { names: ["fetch"], load: async () => (await import("./cli/fetch.ts")).fetchCommand },
  { names: ["mirror"], load: async () => (await import("./cli/mirror.ts")).mirrorCommand },
  {
    names: ["skeleton-pypi"],
    load: async () => (await import("./cli/skeleton_pypi.ts")).skeletonPypiCommand,
  },
  {
    names: ["clearsources"],
    load: async () => (await import("./cli/clearsources.ts")).clearSourcesCommand,
  },
  {
    names: ["create-links"],
    load: async () => (await import("./cli/create_links.ts")).createLinksCommand,
  },
  {
    names: ["build-postprocess"],
    load: async () => (await import("./cli/build_postprocess.ts")).buildPostprocessCommand,
  },
  {
    names: ["build-artifact"],
    load: async () => (await import("./cli/build_artifact.ts")).buildArtifactCommand,
  },
  {
    names: ["build-write-files"],
    load: async () => (await import("./cli/build_write_files.ts")).buildWriteFilesCommand,
  },
  {
    names: ["build-unpack-sources"],
    load: async () => (await import("./cli/build_unpack_sources.ts")).buildUnpackSourcesCommand,
  },
  {
    names: ["build-whitelist"],
    load: async () => (await import("./cli/build_whitelist.ts")).buildWhitelistCommand,
  },
  {
    names: ["completions"],
    load: once(async () =>
      (await import("./cli/completions.ts")).createCompletionsCommand(() => everyCommand)
    ),
    listsCommands: true,
  },
  {
    names: ["help"],
    load: once(async () => (await import("./cli/help.ts")).createHelpCommand(() => everyCommand)),
    listsCommands: true,
  },
  { names: ["version"], load: () => Promise.resolve(versionCommand) },
];

let everyCommand: readonly Command[] = [];

/** Loads every command (for help, completions and "did you mean" hints). */
async function allCommands(): Promise<readonly Command[]> {
  if (everyCommand.length === 0) {
    everyCommand = await Promise.all(COMMANDS.map((entry) => entry.load()));
  }
  return everyCommand;
}

/** `load`, run at most once: help and completions are found by identity in the list. */
function once(load: () => Promise<Command>): () => Promise<Command> {
  let loaded: Promise<Command> | undefined;
  return () => loaded ??= load();
}

/** Runs `hit` with `args` (without the program name); returns the exit code. */
export async function main(args: string[], context: CommandContext): Promise<number> {
  try {
    return await dispatch(args, context);
  } catch (error) {
    // A file system error no command turned into a HitError still comes from a path or a
    // machine the user gave `hit` (a file where a folder belongs, a read-only disk): not a bug.
    return await report(fileError(commandName(args), error), context);
  }
}

function commandName(args: string[]): string {
  try {
    return parseGlobalArgs(args).command ?? "hit";
  } catch {
    return "hit";
  }
}

async function dispatch(args: string[], context: CommandContext): Promise<number> {
  const global = parseGlobalArgs(args);
  if (global.version) return await versionCommand.run(global.json ? ["--json"] : [], context);
  if (global.help || global.command === undefined) {
    const { renderMainHelp } = await import("./cli/help.ts");
    await (global.help ? context.stdout : context.stderr).write(
      renderMainHelp(await allCommands()),
    );
    return global.help ? 0 : USAGE_EXIT;
  }
  const entry = COMMANDS.find((candidate) => candidate.names.includes(global.command!));
  // An unknown name: `findCommand` says so, with the closest names as a hint.
  const command = entry
    ? await entry.load()
    : (await import("./cli/command.ts")).findCommand(global.command, await allCommands());
  if (entry?.listsCommands) await allCommands();
  if (wantsHelp(global.args)) {
    const { renderCommandHelp } = await import("./cli/help.ts");
    await context.stdout.write(renderCommandHelp(command));
    return 0;
  }
  const after = takeGlobalOptions(global.args);
  const configPath = after.configPath ?? global.configPath;
  const withConfig = configPath === undefined ? context : { ...context, configPath };
  return await command.run(after.args, withConfig);
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

// Deno's own `fetch` would apply these by its rules (no `*` in `no_proxy`, upper case
// first); `hit` applies them itself, from `context.env` (`core/network_config.ts`).
const PROXY_VARIABLES = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"];

function realContext(): CommandContext {
  const env = Deno.env.toObject();
  for (const name of PROXY_VARIABLES) {
    Deno.env.delete(name);
    Deno.env.delete(name.toUpperCase());
  }
  return {
    stdout: fileWriter(Deno.stdout),
    stderr: fileWriter(Deno.stderr),
    env,
    cwd: Deno.cwd(),
    noColor: Deno.noColor,
    self: () => selfCommand(),
    landlockStage: () => landlockStageCommand(env),
  };
}

if (import.meta.main) {
  // Build jobs inherit it: the same modes in every artifact whatever the user's umask.
  Deno.umask(JOB_UMASK);
  Deno.exit(await main(Deno.args, realContext()));
}
