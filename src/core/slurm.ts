/**
 * Slurm's client commands as `hit` uses them (ENGINES.md §2.3): `sbatch` to submit, `squeue
 * --json` to watch, `scancel` to cancel, `sinfo` for a partition's CPUs. Every call goes through
 * `runSlurm`, which turns a missing program or a failed call into a `HitError`. Runs only these
 * four programs; reads and writes no file.
 */
import { HitError } from "../errors.ts";

/** The environment Slurm's commands run with (it carries `SLURM_CONF`, `PATH`, …). */
export type SlurmEnv = Readonly<Record<string, string>>;

/** One job as `squeue --json` reports it. */
export interface SlurmJob {
  id: string;
  name: string;
  /** `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`, … */
  state: string;
  /** Why it waits or ended: `Dependency`, `Resources`, `DependencyNeverSatisfied`, … */
  reason: string;
  /** The node(s) it runs on; empty while pending. */
  nodes: string;
  /** The exit code of its batch script (0 when killed by a signal). */
  exitCode: number;
  /** Its time limit in minutes; undefined when unlimited. */
  timeLimit?: number;
}

// What the user can do about a failing Slurm command, by what it printed.
const HINTS: [RegExp, string][] = [
  [
    /unable to contact slurm controller|connection refused|slurm_load_partitions/i,
    `the Slurm controller does not answer: check "sinfo" and SLURM_CONF, or build locally ` +
    `without "--executor slurm"`,
  ],
  [/invalid partition/i, `list the partitions with "sinfo -s"`],
  [
    /invalid account|invalid qos/i,
    `list your accounts and QOS with "sacctmgr show assoc user=$USER"`,
  ],
];

/**
 * Runs Slurm's `program` with `args`; returns its standard output.
 * @throws {HitError} when the program is missing or exits non-zero (with its stderr's end).
 */
export async function runSlurm(
  program: "sbatch" | "squeue" | "scancel" | "sinfo",
  args: string[],
  env: SlurmEnv,
): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(program, {
      args,
      env: { ...env },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new HitError(`run "${program}": it is not installed or not on PATH`, {
        hint: `install Slurm's client commands (Debian: "slurm-client"), or build locally ` +
          `without "--executor slurm"`,
      });
    }
    throw error;
  }
  const decoder = new TextDecoder();
  if (!output.success) {
    const stderr = decoder.decode(output.stderr).trim();
    const tail = stderr.split("\n").slice(-5);
    throw new HitError(`run "${program}": exit ${output.code}: ${tail.at(-1) ?? "no message"}`, {
      context: tail.slice(0, -1),
      hint: HINTS.find(([pattern]) => pattern.test(stderr))?.[1] ??
        `the command was: ${program} ${args.join(" ")}`,
    });
  }
  return decoder.decode(output.stdout);
}

/**
 * Submits a batch job with `sbatch --parsable ARGS`; returns its id.
 * @throws {HitError} when `sbatch` fails or prints no id.
 */
export async function submitJob(args: string[], env: SlurmEnv): Promise<string> {
  const out = (await runSlurm("sbatch", ["--parsable", ...args], env)).trim();
  // `--parsable` prints `ID` or `ID;CLUSTER`.
  const id = out.split(";")[0];
  if (!/^\d+$/.test(id)) {
    throw new HitError(`submit a Slurm job: "sbatch" printed "${out}" instead of a job id`);
  }
  return id;
}

/**
 * The jobs `ids` as the controller knows them now; jobs it has forgotten are absent.
 * @throws {HitError} when `squeue` fails.
 */
export async function readJobs(
  ids: readonly string[],
  env: SlurmEnv,
): Promise<Map<string, SlurmJob>> {
  if (ids.length === 0) return new Map();
  const text = await runSlurm("squeue", ["--json", `--jobs=${ids.join(",")}`], env);
  // Slurm 22.05 ignores `--jobs` with `--json` and lists every job it knows.
  const wanted = new Set(ids);
  return new Map([...parseSqueueJson(text)].filter(([id]) => wanted.has(id)));
}

/**
 * The jobs of `squeue --json` output (Slurm 22.05 and later).
 * @throws {HitError} when it is not such a document.
 */
export function parseSqueueJson(text: string): Map<string, SlurmJob> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HitError(`read "squeue --json": not JSON: ${text.slice(0, 80)}`, {
      hint: "hit needs Slurm 22.05 or newer for squeue --json",
    });
  }
  const jobs = (doc as { jobs?: unknown }).jobs;
  if (!Array.isArray(jobs)) throw new HitError(`read "squeue --json": no "jobs" list`);
  const result = new Map<string, SlurmJob>();
  for (const raw of jobs) {
    const job = raw as Record<string, unknown>;
    const id = String(job.job_id);
    result.set(id, {
      id,
      name: String(job.name ?? ""),
      state: stateOf(job.job_state),
      reason: String(job.state_reason ?? ""),
      nodes: String(job.nodes ?? ""),
      exitCode: exitCodeOf(job.exit_code),
      timeLimit: numberOf(job.time_limit),
    });
  }
  return result;
}

/** Cancels the jobs `ids` (unknown and finished ones are ignored, as `scancel` does). */
export async function cancelJobs(ids: readonly string[], env: SlurmEnv): Promise<void> {
  if (ids.length > 0) await runSlurm("scancel", [...ids], env);
}

/**
 * The most CPUs one node of `partition` (or of the default partition) has.
 * @throws {HitError} when the partition does not exist or the controller does not answer.
 */
export async function partitionCpus(partition: string | undefined, env: SlurmEnv): Promise<number> {
  const args = ["-h", "-o", "%c %P"];
  const out = await runSlurm("sinfo", partition ? [...args, "-p", partition] : args, env);
  const rows = out.trim().split("\n").filter((line) => line.trim() !== "").map((line) =>
    line.trim().split(/\s+/)
  );
  // Without `-p`, `sinfo` lists every partition; the default one is marked with `*`.
  const chosen = partition ? rows : rows.filter((row) => row[1]?.endsWith("*"));
  const cpus = chosen.map((row) => parseInt(row[0], 10)).filter((n) => Number.isInteger(n));
  if (cpus.length === 0) {
    throw new HitError(
      partition
        ? `find Slurm partition "${partition}": "sinfo" does not list it`
        : `find the default Slurm partition: "sinfo" lists none`,
      { hint: `list the partitions with "sinfo -s" and name one with "--slurm-partition"` },
    );
  }
  return Math.max(...cpus);
}

// 22.05 gives a string; later versions a list of strings.
function stateOf(value: unknown): string {
  return Array.isArray(value) ? String(value[0] ?? "") : String(value ?? "");
}

// 22.05 gives a number (status << 8 | signal); later versions an object with a return code.
function exitCodeOf(value: unknown): number {
  if (typeof value === "number") return value >> 8;
  if (value !== null && typeof value === "object") {
    const code = (value as { return_code?: unknown }).return_code;
    return numberOf(code) ?? 0;
  }
  return 0;
}

// Later versions wrap numbers as {set, infinite, number}.
function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (value !== null && typeof value === "object") {
    const { set, infinite, number } = value as {
      set?: boolean;
      infinite?: boolean;
      number?: number;
    };
    if (set === false || infinite === true) return undefined;
    return typeof number === "number" ? number : undefined;
  }
  return undefined;
}
