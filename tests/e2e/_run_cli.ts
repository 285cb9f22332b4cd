/**
 * Runs `scripts/hit` as a subprocess for whole-CLI tests, in a temporary working folder with a
 * temporary HOME and HIT_HOME, and prepares corpus workspaces. Test helper; touches only temp
 * folders it creates and reads `/work/shared` in place.
 */
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The `scripts/hit` launcher. */
export const HIT = fileURLToPath(new URL("../../scripts/hit", import.meta.url));

/** The shared corpus of HashDist package specs (read only). */
export const CORPUS_DIR = fileURLToPath(
  new URL("../../../shared/corpus/hashstack", import.meta.url),
);

/** The shared conformance data (read only). */
export const CONFORMANCE_DIR = fileURLToPath(
  new URL("../../../shared/conformance", import.meta.url),
);

/** What one run of `hit` did. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temporary folder removed when disposed. */
export interface TempDir extends AsyncDisposable {
  path: string;
}

/** Creates a temporary folder for `await using`. */
export async function makeTempDir(prefix = "hit-e2e-"): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await removeWriteProtected(path);
    },
  };
}

/**
 * Removes `path` recursively, first making it writable when a build store in it is
 * write-protected (only root can remove entries of a mode 0555 folder).
 */
export async function removeWriteProtected(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    const chmod = await new Deno.Command("chmod", { args: ["-R", "u+w", path] }).output();
    if (!chmod.success) throw new Error(`chmod -R u+w ${path} failed`, { cause: error });
    await Deno.remove(path, { recursive: true });
  }
}

/**
 * Deno's module cache of this process: a fresh HOME must not hide it, or every run would fetch
 * npm packages again.
 */
export function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const cache = Deno.env.get("XDG_CACHE_HOME") || join(Deno.env.get("HOME") ?? "/root", ".cache");
  return join(cache, "deno");
}

/**
 * Runs `hit ARGS` with `cwd` as working folder and `cwd/.home` as HOME and HIT_HOME, and
 * an environment holding only PATH, DENO_DIR, NO_COLOR and `env`.
 */
export async function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  return await runProgram(HIT, args, { cwd: options.cwd, env: await hitEnv(options) });
}

/**
 * The environment `runCli` gives `hit`: PATH, HOME and HIT_HOME under `cwd/.home`, the Deno
 * cache, NO_COLOR, and `env`. Creates the home folder.
 */
export async function hitEnv(
  options: { cwd: string; env?: Record<string, string> },
): Promise<Record<string, string>> {
  const home = join(options.cwd, ".home");
  await Deno.mkdir(home, { recursive: true });
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: home,
    HIT_HOME: join(home, ".hit"),
    DENO_DIR: denoDir(),
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    ...options.env,
  };
}

/**
 * Runs `program ARGS` with no input and exactly the environment `env` (the inherited one when
 * `env` is undefined); returns its exit code and output.
 */
export async function runProgram(
  program: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> },
): Promise<CliResult> {
  const output = await new Deno.Command(program, {
    args,
    cwd: options.cwd,
    clearEnv: options.env !== undefined,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * A temporary copy of the corpus with the CI profile `tests/NAME` also at its root, as the
 * corpus's own CI did; the profile then resolves as `NAME`.
 */
export async function corpusWorkspace(profile: string): Promise<TempDir> {
  const dir = await makeTempDir("hit-e2e-corpus-");
  await cp(CORPUS_DIR, dir.path, { recursive: true });
  await Deno.copyFile(join(dir.path, "tests", profile), join(dir.path, profile));
  return dir;
}

/** Reads a JSON file of the shared conformance data. */
export async function readConformance(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(join(CONFORMANCE_DIR, path)));
}
