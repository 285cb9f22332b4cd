/**
 * `deno task compile`: makes `dist/hit`, one executable file, and says which way it took.
 * With `deno compile` where its base runtime `denort` can be had (`DENORT_BIN`, or the network
 * with `--try-download`); otherwise a self-extracting file: the `/bin/sh` header of
 * `scripts/launcher.sh` and a gzip'd tar of the pinned Deno runtime, the code-split `deno bundle`
 * output of `src/main.ts` and each `src/stages/*_worker.ts` (one file per entry and per command,
 * and shared chunks, so a command loads only its own code, as from source), `warm.js` and their
 * `run_flags`. Runs `deno`, `tar` and `gzip`; writes only the output file and a temp folder.
 *
 *   deno task compile [--out PATH] [--self-extracting | --try-download]
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseRunFlags } from "../src/self_command.ts";
import { writeSelfExtracting } from "./_self_extracting.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Flags the bundle runs with besides `scripts/run_flags`: it needs no configuration file, no
 * npm and no remote modules, so a `deno.json` in the user's working folder cannot change it.
 */
export const BUNDLE_RUN_FLAGS = ["--no-config", "--no-remote", "--no-npm"];

/** How to compile. */
export interface CompileOptions {
  /** The file to write. */
  out: string;
  /** `auto`: `deno compile` when `DENORT_BIN` is set, else self-extracting. */
  way: "auto" | "self-extracting" | "try-download";
  /** `DENORT_BIN`, if set. */
  denortBin?: string;
}

/** What `compile` made. */
export interface CompileResult {
  way: "compiled" | "self-extracting";
  path: string;
  bytes: number;
  /** Why `deno compile` was not used, for a self-extracting file. */
  reason: string;
}

const LANDLOCK_STAGE = join(ROOT, "src", "stages", "landlock_stage.ts");

/** Builds the single file `options.out`. */
export async function compile(options: CompileOptions): Promise<CompileResult> {
  const flags = parseRunFlags(await Deno.readTextFile(join(ROOT, "scripts", "run_flags")));
  const workers = await findWorkers(join(ROOT, "src", "stages"));
  await Deno.mkdir(dirname(options.out), { recursive: true });
  let reason = "DENORT_BIN is not set, and --try-download was not given";
  if (options.way === "self-extracting") reason = "--self-extracting was given";
  else if (options.denortBin !== undefined || options.way === "try-download") {
    const failure = await denoCompile(options.out, flags, workers);
    if (failure === undefined) {
      return {
        way: "compiled",
        path: options.out,
        bytes: (await Deno.stat(options.out)).size,
        reason: "",
      };
    }
    if (options.denortBin !== undefined) {
      throw new Error(`deno compile failed with DENORT_BIN="${options.denortBin}": ${failure}`);
    }
    reason = `deno compile could not get its runtime: ${failure}`;
  }
  await selfExtracting(options.out, flags, workers);
  return {
    way: "self-extracting",
    path: options.out,
    bytes: (await Deno.stat(options.out)).size,
    reason,
  };
}

/** The worker entry points in `dir` (`*_worker.ts`), sorted. */
export async function findWorkers(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith("_worker.ts")) found.push(join(dir, entry.name));
  }
  return found.sort();
}

/**
 * Module specifiers a bundle imports at run time that are neither Deno's `node:` built-ins nor
 * `./NAME` of another file of the bundle (`files`, by name).
 */
export function foreignImports(bundle: string, files: ReadonlySet<string> = new Set()): string[] {
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*["']([^"']+)["']/g,
    /\b__require\s*\(\s*["']([^"']+)["']/g,
  ];
  const found = patterns.flatMap((pattern) => [...bundle.matchAll(pattern)].map((m) => m[1]));
  const own = (specifier: string) => specifier.startsWith("./") && files.has(specifier.slice(2));
  return [
    ...new Set(found.filter((specifier) => !specifier.startsWith("node:") && !own(specifier))),
  ];
}

// `deno compile` into `out`; returns why it failed, or undefined.
async function denoCompile(
  out: string,
  flags: string[],
  workers: string[],
): Promise<string | undefined> {
  const temp = `${out}.tmp-${Deno.pid}`;
  const result = await deno([
    "compile",
    "--config",
    join(ROOT, "deno.json"),
    // Type-checking is `deno check`'s job (CI); the bundle is not checked either.
    "--no-check",
    ...flags,
    ...workers.flatMap((worker) => ["--include", worker]),
    "--output",
    temp,
    join(ROOT, "src", "main.ts"),
  ]);
  if (result !== undefined) {
    await Deno.remove(temp).catch(() => {});
    return result;
  }
  await Deno.rename(temp, out);
}

// Bundles main and the workers beside the pinned runtime, and writes the self-extracting file.
async function selfExtracting(out: string, flags: string[], workers: string[]): Promise<void> {
  const payload = await Deno.makeTempDir({ prefix: "hit-compile-" });
  try {
    // The Landlock stage program runs as its own `deno run --allow-ffi` (src/self_command.ts).
    const entries = [join(ROOT, "src", "main.ts"), LANDLOCK_STAGE, ...workers];
    const names = await bundle(entries, payload);
    await Deno.writeTextFile(join(payload, WARM_FILE), warmModule(names));
    // This process runs the pinned Deno (scripts/deno checks its version).
    await Deno.copyFile(Deno.execPath(), join(payload, "deno"));
    await Deno.chmod(join(payload, "deno"), 0o755);
    await writeSelfExtracting(payload, out, {
      flags: [...flags, ...BUNDLE_RUN_FLAGS],
      denoVersion: Deno.version.deno,
    });
  } finally {
    await Deno.remove(payload, { recursive: true });
  }
}

/** The module the launcher runs once after unpacking, so Deno's code cache holds every module. */
export const WARM_FILE = "warm.js";

/**
 * The source of `warm.js`: imports each of `names` (the bundle's files) in turn. Importing runs
 * no command: `main.js` acts only as the main module, and a worker only sets its message handler.
 */
export function warmModule(names: string[]): string {
  return "// Written by scripts/compile.ts: loads every module once to fill Deno's code cache.\n" +
    `for (const name of ${JSON.stringify(names)}) await import(\`./\${name}\`);\n`;
}

/**
 * One code-split `deno bundle` of `entries` into `dir`, npm packages inlined, every file at the
 * top of `dir` (so `main.js`, the workers and the chunks sit side by side, as
 * `workerModuleUrl` expects); checks that the files import only `node:` and one another.
 * Returns the names of the files.
 */
async function bundle(entries: string[], dir: string): Promise<string[]> {
  const failure = await deno([
    "bundle",
    "--config",
    join(ROOT, "deno.json"),
    "--platform",
    "deno",
    "--code-splitting",
    "--outdir",
    dir,
    ...entries,
  ]);
  if (failure !== undefined) {
    throw new Error(`deno bundle of ${entries.length} entries failed: ${failure}`);
  }
  await flattenBundle(dir);
  const names = (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort();
  for (const name of names) {
    const foreign = foreignImports(await Deno.readTextFile(join(dir, name)), new Set(names));
    if (foreign.length > 0) {
      throw new Error(
        `deno bundle: "${name}" still imports ${foreign.map((s) => `"${s}"`).join(", ")}`,
      );
    }
  }
  return names;
}

// Moves the files of each sub-folder of `dir` (the workers, in `stages/`) up into `dir`.
async function flattenBundle(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isDirectory) continue;
    const sub = join(dir, entry.name);
    for await (const file of Deno.readDir(sub)) {
      const text = await Deno.readTextFile(join(sub, file.name));
      await Deno.writeTextFile(join(dir, file.name), importsFromParent(text));
    }
    await Deno.remove(sub, { recursive: true });
  }
}

/** A bundle file's imports of `../NAME` turned into `./NAME`, for the file moved up a folder. */
export function importsFromParent(bundle: string): string {
  return bundle
    .replace(/^(\s*(?:import|export)\s[^;]*?\sfrom\s*)(["'])\.\.\//gm, "$1$2./")
    .replace(/^(\s*import\s*)(["'])\.\.\//gm, "$1$2./")
    .replace(/(\bimport\s*\(\s*)(["'])\.\.\//g, "$1$2./");
}

// Runs the pinned Deno with `args` in the project root; returns its error output if it fails.
async function deno(args: string[]): Promise<string | undefined> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (output.success) return undefined;
  return denoErrorSummary(new TextDecoder().decode(output.stderr)) || `exit code ${output.code}`;
}

/**
 * The gist of Deno's error output on one line: the `error:` line and its causes, without
 * progress lines, the stack backtrace, or causes already said by an earlier line.
 */
export function denoErrorSummary(stderr: string): string {
  const lines = stderr.split("\n");
  const start = Math.max(0, lines.findIndex((line) => line.startsWith("error: ")));
  const end = lines.findIndex((line) => line.startsWith("Stack backtrace:"));
  const kept: string[] = [];
  for (const raw of lines.slice(start, end < 0 ? undefined : end)) {
    const line = raw.trim().replace(/^error: /, "").replace(/^\d+: /, "").replace(/\.$/, "");
    if (line === "" || line === "Caused by:" || kept.some((said) => said.includes(line))) continue;
    kept.push(line);
  }
  return kept.join(": ");
}

if (import.meta.main) {
  const started = performance.now();
  try {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        out: { type: "string", default: join(ROOT, "dist", "hit") },
        "self-extracting": { type: "boolean", default: false },
        "try-download": { type: "boolean", default: false },
      },
    });
    const result = await compile({
      out: resolve(values.out),
      way: values["self-extracting"]
        ? "self-extracting"
        : values["try-download"]
        ? "try-download"
        : "auto",
      denortBin: Deno.env.get("DENORT_BIN") || undefined,
    });
    const size = `${(result.bytes / 1e6).toFixed(1)} MB`;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const how = result.way === "compiled"
      ? "deno compile"
      : `self-extracting file (${result.reason})`;
    console.log(`${result.path}: ${how}, ${size}, in ${seconds} s`);
  } catch (error) {
    console.error(`compile: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
