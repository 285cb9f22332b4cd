/**
 * `deno task compile`: makes `dist/hit`, one executable file, and says which way it took.
 * With `deno compile` where its base runtime `denort` can be had (`DENORT_BIN`, or the network
 * with `--try-download`); otherwise a self-extracting file: the `/bin/sh` header of
 * `scripts/launcher.sh` and a gzip'd tar of the pinned Deno runtime, the `deno bundle` output of
 * `src/main.ts` and of each `src/stages/*_worker.ts`, and their `run_flags`. Runs `deno`, `tar`
 * and `gzip`; writes only the output file and a temp folder.
 *
 *   deno task compile [--out PATH] [--self-extracting | --try-download]
 */
import { createHash } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseRunFlags } from "../src/self_command.ts";
import { VERSION } from "../src/version.ts";

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

/** Quotes `word` for `/bin/sh` when it needs it. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** What the launcher header says about its payload. */
export interface LauncherValues {
  denoVersion: string;
  sha256: string;
  flags: string[];
}

/**
 * The launcher `template` filled in; `@PAYLOAD_OFFSET@` becomes the header's own length in
 * bytes, so the payload starts right after it.
 */
export function renderLauncher(template: string, values: LauncherValues): string {
  const fill = (offset: number) =>
    template
      .replaceAll("@HIT_VERSION@", VERSION)
      .replaceAll("@DENO_VERSION@", values.denoVersion)
      .replaceAll("@PAYLOAD_SHA256@", values.sha256)
      .replaceAll("@RUN_FLAGS@", values.flags.map(shellQuote).join(" "))
      .replaceAll("@PAYLOAD_OFFSET@", String(offset));
  // The offset is part of the header: repeat until its digits no longer change the length.
  let offset = 0;
  for (;;) {
    const text = fill(offset);
    const length = new TextEncoder().encode(text).length;
    if (length === offset) {
      const left = text.match(/@[A-Z_]+@/);
      if (left) throw new Error(`scripts/launcher.sh: unknown placeholder "${left[0]}"`);
      return text;
    }
    offset = length;
  }
}

/** Module specifiers a bundle imports at run time that are not Deno's `node:` built-ins. */
export function foreignImports(bundle: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*["']([^"']+)["']/g,
    /\b__require\s*\(\s*["']([^"']+)["']/g,
  ];
  const found = patterns.flatMap((pattern) => [...bundle.matchAll(pattern)].map((m) => m[1]));
  return [...new Set(found.filter((specifier) => !specifier.startsWith("node:")))];
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

async function selfExtracting(out: string, flags: string[], workers: string[]): Promise<void> {
  const staging = await Deno.makeTempDir({ prefix: "hit-compile-" });
  try {
    const payload = join(staging, "payload");
    await Deno.mkdir(payload);
    const entries = [join(ROOT, "src", "main.ts"), ...workers];
    await Promise.all(
      entries.map((entry) => bundle(entry, join(payload, basename(entry, ".ts") + ".js"))),
    );
    await Deno.copyFile(Deno.execPath(), join(payload, "deno"));
    await Deno.chmod(join(payload, "deno"), 0o755);
    const runFlags = [...flags, ...BUNDLE_RUN_FLAGS];
    await Deno.writeTextFile(
      join(payload, "run_flags"),
      "# The flags of `deno run` for main.js, from scripts/run_flags and scripts/compile.ts.\n" +
        runFlags.join("\n") + "\n",
    );
    const archive = join(staging, "payload.tar.gz");
    await tarGzip(payload, archive);
    const header = renderLauncher(await Deno.readTextFile(join(ROOT, "scripts", "launcher.sh")), {
      denoVersion: Deno.version.deno,
      sha256: await sha256File(archive),
      flags: runFlags,
    });
    const temp = join(staging, "hit");
    await using file = await Deno.open(temp, { write: true, create: true, mode: 0o755 });
    await file.write(new TextEncoder().encode(header));
    await using source = await Deno.open(archive);
    await source.readable.pipeTo(file.writable, { preventClose: true });
    await Deno.chmod(temp, 0o755);
    // Into place by copy and rename, since the temp folder may be on another file system.
    await Deno.copyFile(temp, `${out}.tmp-${Deno.pid}`);
    await Deno.rename(`${out}.tmp-${Deno.pid}`, out);
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}

// `deno bundle` of `entry` into `out`, with npm packages inlined; checks it imports only `node:`.
async function bundle(entry: string, out: string): Promise<void> {
  const failure = await deno([
    "bundle",
    "--config",
    join(ROOT, "deno.json"),
    "--platform",
    "deno",
    "--output",
    out,
    entry,
  ]);
  if (failure !== undefined) throw new Error(`deno bundle "${entry}" failed: ${failure}`);
  const foreign = foreignImports(await Deno.readTextFile(out));
  if (foreign.length > 0) {
    throw new Error(
      `deno bundle "${entry}": the bundle still imports ${foreign.map((s) => `"${s}"`).join(", ")}`,
    );
  }
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
  const text = new TextDecoder().decode(output.stderr).trim() || `exit code ${output.code}`;
  return text.split("\n").slice(-5).join("\n");
}

// A gzip'd tar of the contents of `dir`, byte for byte the same for the same files.
async function tarGzip(dir: string, out: string): Promise<void> {
  const tar = new Deno.Command("tar", {
    args: [
      "-C",
      dir,
      "--sort=name",
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--mtime=@0",
      "-cf",
      "-",
      ".",
    ],
    stdout: "piped",
  }).spawn();
  // -6: -9 saved 0.35% of the size and took 2.6 times as long (measured on the runtime).
  const gzip = new Deno.Command("gzip", {
    args: ["-6", "-n", "-c"],
    stdin: "piped",
    stdout: "piped",
  })
    .spawn();
  await using file = await Deno.open(out, { write: true, create: true, truncate: true });
  await Promise.all([
    tar.stdout.pipeTo(gzip.stdin),
    gzip.stdout.pipeTo(file.writable, { preventClose: true }),
  ]);
  const [tarStatus, gzipStatus] = await Promise.all([tar.status, gzip.status]);
  if (!tarStatus.success || !gzipStatus.success) throw new Error(`tar | gzip of "${dir}" failed`);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string", default: join(ROOT, "dist", "hit") },
      "self-extracting": { type: "boolean", default: false },
      "try-download": { type: "boolean", default: false },
    },
  });
  const started = performance.now();
  try {
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
