/**
 * How `hit` runs itself inside build jobs (`{"hit": [...]}` commands, HASHDIST.md §5.6): the
 * same program and entry point, with the same permission flags, never a copy of the logic. From
 * source that is `deno run` of `src/main.ts` with `scripts/run_flags`; in the self-extracting
 * single file, the runtime, `main.js` and `run_flags` of its unpacked payload folder; in a
 * `deno compile` binary, the binary itself. Reads the flags file. Imports no `node:` module: it
 * is on every command's start-up path (`main.ts`).
 */
import { dirname, join } from "./posix_path.ts";
import { currentRunMode, type RunMode } from "./run_mode.ts";
import type { SelfCommand } from "./stages/build_artifact.ts";

/** Where the parts of a running `hit` are. */
export interface SelfLayout {
  mode: RunMode;
  /** The program to start: the Deno runtime, or the compiled binary. */
  runtime: string;
  /** The entry point given to `deno run` (none for a compiled binary). */
  main?: string;
  /** The flags file (none for a compiled binary: its flags are built in). */
  flagsFile?: string;
  /** Folders and files the program reads, to bind read-only in the sandbox. */
  readOnly: string[];
}

/** The flags of a `run_flags` file: one a line, without blank lines and `#` comments. */
export function parseRunFlags(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/**
 * The layout of a `hit` in `mode` whose runtime is `runtime` and whose `src/self_command.ts`
 * module (or, bundled, the file of the payload that holds it) is at `moduleUrl`.
 */
export function selfLayout(
  mode: RunMode,
  options: { runtime: string; moduleUrl: string },
): SelfLayout {
  const { runtime, moduleUrl } = options;
  if (mode === "compiled") return { mode, runtime, readOnly: [runtime] };
  if (mode === "self-extracting") {
    // The bundle's files (`main.js`, its chunks, this module's among them) and `run_flags` are
    // all at the top of the payload folder.
    const payload = filePath(new URL(".", moduleUrl));
    return {
      mode,
      runtime,
      main: `${payload}/main.js`,
      flagsFile: `${payload}/run_flags`,
      readOnly: [runtime, payload],
    };
  }
  const main = filePath(new URL("./main.ts", moduleUrl));
  const root = filePath(new URL("../", moduleUrl));
  const flagsFile = `${root}/scripts/run_flags`;
  // Only what `deno run src/main.ts` reads: not the whole checkout (its .git, the user's files).
  const parts = ["src", "deno.json", "deno.lock", "node_modules"].map((part) => `${root}/${part}`);
  return { mode, runtime, main, flagsFile, readOnly: [runtime, flagsFile, ...parts] };
}

/** The path of a `file:` URL, without a trailing slash (but `/` itself). */
function filePath(url: URL): string {
  return decodeURIComponent(url.pathname).replace(/(?<=.)\/$/, "");
}

/** The self command of this process; `env` is the environment `hit` was started with. */
export function selfCommand(): SelfCommand {
  const layout = selfLayout(currentRunMode(), {
    runtime: Deno.execPath(),
    moduleUrl: import.meta.url,
  });
  if (layout.main === undefined || layout.flagsFile === undefined) {
    return { argv: [layout.runtime], readOnly: layout.readOnly, env: {} };
  }
  const flags = parseRunFlags(Deno.readTextFileSync(layout.flagsFile));
  // The user's Deno cache is not shown to builds; inside the sandbox /tmp is a private tmpfs,
  // and Deno compiles in memory what it finds no cache for.
  const extra: Record<string, string> = {
    DENO_NO_UPDATE_CHECK: "1",
    DENO_DIR: "/tmp/hit-deno-dir",
  };
  return {
    argv: [layout.runtime, "run", "--quiet", ...flags, layout.main],
    readOnly: layout.readOnly,
    env: extra,
  };
}

/**
 * How to start the Landlock stage program (`src/stages/landlock_stage.ts`, bundled as
 * `landlock_stage.js` in the single file) with `--allow-ffi` and no other permission: only it
 * calls libc, never `hit` itself. Undefined in a `deno compile` binary, whose permissions are
 * fixed. `env` is the environment `hit` was started with.
 */
export function landlockStageCommand(
  env: Readonly<Record<string, string | undefined>>,
): { argv: string[]; env: Record<string, string> } | undefined {
  const layout = selfLayout(currentRunMode(), {
    runtime: Deno.execPath(),
    moduleUrl: import.meta.url,
  });
  if (layout.main === undefined) return undefined;
  const program = layout.mode === "self-extracting"
    ? join(dirname(layout.main), "landlock_stage.js")
    : join(dirname(layout.main), "stages", "landlock_stage.ts");
  const stageEnv: Record<string, string> = { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
  for (const name of ["DENO_DIR", "HOME", "XDG_CACHE_HOME"]) {
    if (env[name] !== undefined) stageEnv[name] = env[name]!;
  }
  return {
    argv: [
      layout.runtime,
      "run",
      "--quiet",
      "--no-prompt",
      "--no-config",
      "--allow-ffi",
      program,
    ],
    env: stageEnv,
  };
}
