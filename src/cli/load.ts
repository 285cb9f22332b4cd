/**
 * `hit load` (alias `hit env`) and `hit shell`: the environment of a built profile, as shell
 * code to `eval`, or applied to a shell or command run in it.
 */
import {
  applyEnvChanges,
  profileEnvChanges,
  renderEnvChanges,
  type ShellKind,
} from "../core/profile_env.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { findBuiltProfile } from "./profile_arg.ts";

const SHELLS: readonly ShellKind[] = ["bash", "zsh", "fish"];

const LOAD_OPTIONS: readonly OptionSpec[] = [
  {
    name: "shell",
    value: "SHELL",
    choices: ["bash", "zsh", "fish"],
    description: `"bash" (default), "zsh" or "fish"`,
  },
];

/** The parsed command line of `hit load`. */
export interface LoadArgs {
  profile: string;
  shell: ShellKind;
}

/**
 * Parses the arguments after `hit load`; the shell defaults to the user's `$SHELL` when known.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseLoadArgs(args: string[], userShell = ""): LoadArgs {
  const { values, positionals } = parseOptions("load", LOAD_OPTIONS, args);
  if (positionals.length !== 1) throw usageError("load", "expected one PROFILE");
  const wanted = (values.shell as string | undefined) ??
    SHELLS.find((shell) => userShell.endsWith(`/${shell}`)) ?? "bash";
  if (!(SHELLS as readonly string[]).includes(wanted)) {
    throw usageError("load", `unknown shell "${wanted}"`, `use one of ${SHELLS.join(", ")}`);
  }
  return { profile: positionals[0], shell: wanted as ShellKind };
}

/** The `load` command. */
export const loadCommand: Command = {
  name: "load",
  aliases: ["env"],
  summary: "print shell code that puts a built profile on PATH",
  usage: `hit load PROFILE [--shell bash|zsh|fish]

Prints the environment of a built profile (HASHSTACK, PATH, and the variables its packages
set) as shell code. PROFILE is a profile link, its folder, the name of a built profile, or
the profile's YAML file (its profile as built now).

examples:
  eval "$(hit load ./stack)"
  eval "$(hit load stack.yaml)"
  hit env stack --shell fish | source`,
  options: LOAD_OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseLoadArgs(args, context.env.SHELL);
    const config = await commandConfig(context);
    const dir = await findBuiltProfile(parsed.profile, context, config);
    const changes = await profileEnvChanges(dir, config.buildStore);
    await context.stdout.write(renderEnvChanges(changes, parsed.shell));
    return 0;
  },
};

/** The `shell` command. */
export const shellCommand: Command = {
  name: "shell",
  summary: "run a shell, or a command, in a built profile's environment",
  usage: `hit shell PROFILE [-- COMMAND [ARGS...]]

Runs $SHELL (or /bin/sh), or COMMAND, with the environment of a built profile applied;
exits with its exit code, or as a shell does: 127 when COMMAND is not found, 126 when it
cannot be run.

examples:
  hit shell ./stack
  hit shell stack -- greet world`,
  options: [],
  async run(args: string[], context: CommandContext): Promise<number> {
    const split = args.indexOf("--");
    const own = split < 0 ? args : args.slice(0, split);
    const command = split < 0 ? [] : args.slice(split + 1);
    const { positionals } = parseOptions("shell", [], own);
    if (positionals.length !== 1) throw usageError("shell", "expected one PROFILE");
    const config = await commandConfig(context);
    const dir = await findBuiltProfile(positionals[0], context, config);
    const env = applyEnvChanges(context.env, await profileEnvChanges(dir, config.buildStore));
    const argv = command.length > 0 ? command : [context.env.SHELL || "/bin/sh"];
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      env,
      clearEnv: true,
      cwd: context.cwd,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    });
    try {
      return (await child.output()).code;
    } catch (error) {
      // The shell's convention: 127 for a command not found, 126 for one that cannot run.
      const notFound = error instanceof Deno.errors.NotFound;
      const cannotRun = error instanceof Deno.errors.PermissionDenied ||
        (error as { code?: string }).code === "ENOEXEC" ||
        (error as { code?: string }).code === "EACCES";
      if (!notFound && !cannotRun) throw error;
      await context.stderr.write(
        `hit shell: ${argv[0]}: ${notFound ? "command not found" : "cannot run it"}\n`,
      );
      return notFound ? 127 : 126;
    }
  },
};
