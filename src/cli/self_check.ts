/**
 * `hit self-check`: loads the configuration (creating it when missing, as the original does),
 * then checks what builds need on this machine: bash, a sandbox (bwrap or Landlock),
 * the optional git/bzip2/xz, a writable store and free disk. Rendering is pure; `run` looks.
 */
import { statfs } from "node:fs/promises";
import { join } from "node:path";
import { formatLocation, HitError } from "../errors.ts";
import type { Config } from "../core/config.ts";
import { sandboxChecks } from "./self_check_sandbox.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";

/** `ok`; `missing` (not installed); `warning` (works, but watch it); `failed` (broken). */
export type CheckStatus = "ok" | "missing" | "warning" | "failed";

/** The outcome of one check. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** What was found, or what is wrong. */
  detail: string;
  /** How to fix it. */
  hint?: string;
  /** Whether `hit build` cannot work without it (only these decide the exit code). */
  required: boolean;
}

/** Below this much free space in the store's file system, `disk` is a warning. */
export const LOW_DISK_BYTES = 1024 ** 3;

// The folder the decompressors are run from (core/decompress.ts gives them this PATH).
const SYSTEM_PATH = "/usr/bin:/bin";

const INSTALL: Record<string, { debian: string; redhat: string }> = {
  bash: { debian: "bash", redhat: "bash" },
  bwrap: { debian: "bubblewrap", redhat: "bubblewrap" },
  git: { debian: "git", redhat: "git" },
  bzip2: { debian: "bzip2", redhat: "bzip2" },
  xz: { debian: "xz-utils", redhat: "xz" },
  cc: { debian: "gcc", redhat: "gcc" },
  make: { debian: "make", redhat: "make" },
};

/** How to install `program`: the Debian and the RHEL package. */
export function installHint(program: string): string {
  const names = INSTALL[program] ?? { debian: program, redhat: program };
  return `install it: apt-get install ${names.debian} (Debian/Ubuntu), ` +
    `dnf install ${names.redhat} (RHEL/Fedora)`;
}

/** One line per check (status, name, detail, hint), then whether the required ones passed. */
export function renderChecks(results: readonly CheckResult[]): string {
  const nameWidth = Math.max(0, ...results.map((result) => result.name.length));
  const lines = results.map((result) => {
    const text = result.hint === undefined ? result.detail : `${result.detail}; ${result.hint}`;
    return `${result.status.padEnd(7)}  ${result.name.padEnd(nameWidth)}  ${text}\n`;
  });
  const failed = results.filter((result) => result.required && result.status !== "ok");
  lines.push(
    failed.length === 0
      ? "all required checks passed\n"
      : `${failed.length} required check${failed.length === 1 ? "" : "s"} failed: ${
        failed.map((result) => result.name).join(", ")
      }\n`,
  );
  return lines.join("");
}

/** 0 when every required check is `ok`, else 1. */
export function selfCheckExitCode(results: readonly CheckResult[]): number {
  return results.every((result) => !result.required || result.status === "ok") ? 0 : 1;
}

/** The disk check for `freeBytes` available in the file system of `path`. */
export function diskCheck(freeBytes: number, path: string): CheckResult {
  const free = `${formatBytes(freeBytes)} free in ${path}`;
  if (freeBytes >= LOW_DISK_BYTES) {
    return { name: "disk", status: "ok", detail: free, required: false };
  }
  return {
    name: "disk",
    status: "warning",
    detail: `only ${free}`,
    hint: "builds of large packages need several GiB; free some space or move the store",
    required: false,
  };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${Math.floor(bytes / 1024 ** 2)} MiB`;
}

const OPTIONS: readonly OptionSpec[] = [
  { name: "json", description: "print a JSON list of {name, status, detail, hint, required}" },
];

/** The `self-check` command. */
export const selfCheckCommand: Command = {
  name: "self-check",
  summary: "check the configuration and the tools builds need",
  usage: `hit self-check [--json]

Loads the configuration (creating it with the defaults when missing) and checks, one line
each: bash, bubblewrap (and that it can start a sandbox here), Landlock (and its ABI), which
sandbox builds run under (one of the two is required), git, bzip2 and xz (needed
only for git, .tar.bz2 and .tar.xz sources), a C compiler (cc) and make (needed by most
packages), that the store, source cache and build folder
are writable, and the free disk space of the store. Exits with 1 when a required check
fails.

example:
  hit self-check`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const { values, positionals } = parseOptions("self-check", OPTIONS, args);
    if (positionals.length > 0) {
      throw usageError("self-check", `unexpected argument "${positionals[0]}"`);
    }
    const results: CheckResult[] = [];
    let config: Config | undefined;
    try {
      config = await commandConfig(context);
      results.push({ name: "config", status: "ok", detail: config.file, required: true });
    } catch (error) {
      if (!(error instanceof HitError)) throw error;
      const where = formatLocation(error.location);
      results.push({
        name: "config",
        status: "failed",
        detail: where === "" ? error.message : `${where}: ${error.message}`,
        hint: error.hint,
        required: true,
      });
    }
    const path = context.env.PATH ?? SYSTEM_PATH;
    results.push(await programCheck("bash", path, true));
    results.push(...await sandboxChecks(context, config));
    results.push(await programCheck("git", path, false, "needed for git sources"));
    results.push(await programCheck("bzip2", SYSTEM_PATH, false, "needed for .tar.bz2 sources"));
    results.push(await programCheck("xz", SYSTEM_PATH, false, "needed for .tar.xz sources"));
    results.push(await programCheck("cc", path, false, "a C compiler, needed by most packages"));
    results.push(await programCheck("make", path, false, "needed by most packages"));
    if (config !== undefined) {
      results.push(await storeCheck(config));
      const { bavail, bsize } = await statfs(config.buildStore);
      results.push(diskCheck(Number(bavail) * Number(bsize), config.buildStore));
    }
    await context.stdout.write(
      values.json === true ? JSON.stringify(results, null, 2) + "\n" : renderChecks(results),
    );
    return selfCheckExitCode(results);
  },
};

async function programCheck(
  name: string,
  path: string,
  required: boolean,
  purpose?: string,
): Promise<CheckResult> {
  const found = await findProgram(name, path);
  if (found !== undefined) return { name, status: "ok", detail: found, required };
  return {
    name,
    status: "missing",
    detail: `not found in ${path}${purpose === undefined ? "" : `: ${purpose}`}`,
    hint: installHint(name),
    required,
  };
}

async function storeCheck(config: Config): Promise<CheckResult> {
  for (const dir of [config.buildStore, config.sourceCache, config.buildTemp]) {
    try {
      const probe = await Deno.makeTempFile({ dir, prefix: ".self-check-" });
      await Deno.remove(probe);
    } catch (error) {
      return {
        name: "store",
        status: "failed",
        detail: `cannot write in ${dir}: ${(error as Error).message}`,
        hint: `make it writable, or point ${config.file} at a folder you own`,
        required: true,
      };
    }
  }
  return {
    name: "store",
    status: "ok",
    detail: `${config.buildStore}, ${config.sourceCache} and ${config.buildTemp} are writable`,
    required: true,
  };
}

async function findProgram(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(":")) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      const info = await Deno.stat(candidate);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}
