/**
 * How `hit` runs itself inside build jobs (`{"hit": [...]}` commands, HASHDIST.md §5.6): the
 * same program and entry point, with the same permission flags, never a copy of the logic. From
 * source that is `deno run` of `src/main.ts` with `scripts/run_flags`; in the self-extracting
 * single file, the runtime, `main.js` and `run_flags` of its unpacked payload folder; in a
 * `deno compile` binary, the binary itself. Reads the flags file and checks `DENO_DIR`.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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
 * module (or, bundled, `main.js`) is at `moduleUrl`.
 */
export function selfLayout(
  mode: RunMode,
  options: { runtime: string; moduleUrl: string },
): SelfLayout {
  const { runtime, moduleUrl } = options;
  if (mode === "compiled") return { mode, runtime, readOnly: [runtime] };
  if (mode === "self-extracting") {
    // Every module of the bundle is `main.js`, beside `run_flags` in the payload folder.
    const main = fileURLToPath(moduleUrl);
    const payload = dirname(main);
    return {
      mode,
      runtime,
      main,
      flagsFile: join(payload, "run_flags"),
      readOnly: [runtime, payload],
    };
  }
  const main = fileURLToPath(new URL("./main.ts", moduleUrl));
  const root = dirname(dirname(main));
  return {
    mode,
    runtime,
    main,
    flagsFile: join(root, "scripts", "run_flags"),
    readOnly: [runtime, root],
  };
}

/** The self command of this process; `env` is the environment `hit` was started with. */
export function selfCommand(env: Readonly<Record<string, string>>): SelfCommand {
  const layout = selfLayout(currentRunMode(), {
    runtime: Deno.execPath(),
    moduleUrl: import.meta.url,
  });
  if (layout.main === undefined || layout.flagsFile === undefined) {
    return { argv: [layout.runtime], readOnly: layout.readOnly, env: {} };
  }
  const flags = parseRunFlags(Deno.readTextFileSync(layout.flagsFile));
  // The single file's launcher points DENO_DIR into its own cache folder.
  const denoDir = env.DENO_DIR ??
    (env.XDG_CACHE_HOME
      ? join(env.XDG_CACHE_HOME, "deno")
      : join(env.HOME ?? "/", ".cache", "deno"));
  const readOnly = [...layout.readOnly];
  const extra: Record<string, string> = { DENO_NO_UPDATE_CHECK: "1" };
  try {
    Deno.statSync(denoDir);
    // Read-only is enough: Deno uses its caches when it can and works without writing them.
    readOnly.push(denoDir);
    extra.DENO_DIR = denoDir;
  } catch {
    // No cache yet: Deno compiles in memory.
  }
  return { argv: [layout.runtime, "run", "--quiet", ...flags, layout.main], readOnly, env: extra };
}
