/**
 * The Slurm executor of `hit build --executor slurm` (ENGINES.md §2.7): submits one job per
 * missing artifact (or per chain, `--slurm-group`) up front with `afterok` dependencies, watches
 * them with `squeue --json` and their log files, and reports the same events as a local build.
 * A job counts as done only when Slurm says COMPLETED and its artifacts are in the store. On a
 * failure (without keep-going) and on an interrupt it cancels every unfinished job of the run,
 * by id. Writes only the run's folder `STORE/.slurm/RUN/` (build requests; Slurm writes the logs
 * there), removed when every package was built.
 */
import { join } from "node:path";
import { HitError } from "../errors.ts";
import { cancelJobs, partitionCpus, readJobs, type SlurmEnv, submitJob } from "../core/slurm.ts";
import type { PackageResult } from "../spec/resolve.ts";
import type { BuildContext } from "./build_artifact.ts";
import type { ExecutorRun, PackageExecutor, PackagesRun } from "./build_profile.ts";
import { interrupted } from "./build_profile.ts";
import {
  formatBuildRequest,
  jobCommand,
  jobName,
  planJobGroups,
  sbatchArgs,
  type SlurmOptions,
} from "./slurm_plan.ts";
import { JobWatch, type WatchedJob } from "./slurm_watch.ts";

/** What the Slurm executor needs besides the packages. */
export interface SlurmExecutorOptions {
  slurm: SlurmOptions;
  /** The environment Slurm's commands run with (and jobs inherit). */
  env: SlurmEnv;
  /** CPUs each job asks for, before clamping to the partition's nodes; default: a whole node. */
  cpus?: number;
  /** How often `squeue` is asked, in milliseconds (default 1000). */
  pollInterval?: number;
}

/** Job states after which a job never runs again. */
const FAILED_STATES = new Set([
  "FAILED",
  "TIMEOUT",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "BOOT_FAIL",
  "DEADLINE",
  "PREEMPTED",
  "CANCELLED",
]);

/** How many polls in a row `squeue` may fail before the run gives up (about 30 s). */
const MAX_MISSED_POLLS = 30;

/** The executor that builds through Slurm with `context`'s store, sandbox and `hit`. */
export function slurmExecutor(
  context: BuildContext,
  options: SlurmExecutorOptions,
): PackageExecutor {
  return (packages, run) => buildOnSlurm(packages, run, context, options);
}

async function buildOnSlurm(
  packages: PackageResult[],
  run: ExecutorRun,
  context: BuildContext,
  options: SlurmExecutorOptions,
): Promise<PackagesRun> {
  const result: PackagesRun = { built: [], cached: [], failures: [], stopped: [], skipped: [] };
  if (packages.length === 0) return result;
  const store = context.config.buildStore;
  const { env, slurm } = options;
  const nodeCpus = await partitionCpus(slurm.partition, env);
  // Slurm accepts an impossible `--cpus-per-task` and leaves the job pending forever (§2.3).
  const cpus = Math.max(1, Math.min(options.cpus ?? nodeCpus, nodeCpus));
  const runDir = join(store, ".slurm", runName());
  await Deno.mkdir(runDir, { recursive: true });
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const inRun = (names: readonly string[]) => names.filter((name) => byName.has(name));
  const groups = planJobGroups(
    packages.map((pkg) => ({ name: pkg.name, id: pkg.artifactId, deps: inRun(pkg.buildDeps) })),
    run.serial ? 1 : slurm.group,
  );

  const jobs: WatchedJob[] = [];
  const self = context.self;
  try {
    for (const group of groups) {
      if (run.signal?.aborted) break;
      const members = group.members.map((name) => byName.get(name)!);
      const requests: string[] = [];
      for (const pkg of members) {
        const file = join(runDir, `${fileStem(pkg.artifactId)}.json`);
        await Deno.writeTextFile(
          file,
          formatBuildRequest({
            id: pkg.artifactId,
            name: pkg.name,
            spec: pkg.buildSpec,
            sandbox: context.sandbox,
            limits: context.setup?.limits ?? {},
            hostPaths: context.setup?.hostPaths ?? [],
            keepBuild: context.keepBuild,
            cpus,
            config: context.config,
            buildUser: context.setup?.buildUser,
          }),
        );
        requests.push(file);
      }
      const first = members[0].artifactId;
      const log = join(runDir, `${fileStem(first)}.%j.log`);
      const id = await submitJob(
        sbatchArgs({
          name: jobName(first, members.length - 1),
          after: group.after.map((index) => jobs[index].id),
          cpus,
          dir: runDir,
          output: log,
          command: jobCommand(self, requests),
        }, slurm),
        env,
      );
      const waiting = group.after.length > 0 ? "dependencies" : "resources";
      jobs.push({
        id,
        members,
        log: log.replace("%j", id),
        logOffset: 0,
        done: 0,
        started: false,
        queued: waiting,
        startedAt: performance.now(),
        finished: false,
      });
      // Every job id is shown as soon as it exists, even if the job starts before the next poll.
      for (const pkg of members) {
        run.emit({ type: "queued", name: pkg.name, id: pkg.artifactId, job: id, waiting });
      }
    }
  } catch (error) {
    await cancelJobs(jobs.map((job) => job.id), env).catch(() => {});
    if (error instanceof HitError) {
      error.addContext(`while submitting the Slurm jobs of this build`);
      if (jobs.length > 0) error.addContext(`cancelled the jobs submitted so far: ${ids(jobs)}`);
    }
    throw error;
  }

  const watch = new JobWatch(jobs, result, run, store);
  let misses = 0;
  while (jobs.some((job) => !job.finished)) {
    if (run.signal?.aborted) {
      const open = jobs.filter((job) => !job.finished);
      await cancelJobs(open.map((job) => job.id), env);
      await waitUntilEnded(open, env);
      for (const job of open) await watch.stop(job);
      throw interruptedOnSlurm(result, open);
    }
    let states;
    try {
      states = await readJobs(jobs.filter((job) => !job.finished).map((job) => job.id), env);
      misses = 0;
    } catch (error) {
      // A controller that restarts does not answer for a while; the jobs go on meanwhile.
      if (error instanceof HitError && ++misses < MAX_MISSED_POLLS) {
        await sleep(options.pollInterval ?? 1000, run.signal);
        continue;
      }
      const open = jobs.filter((job) => !job.finished);
      await cancelJobs(open.map((job) => job.id), env).catch(() => {});
      if (error instanceof HitError) {
        error.addContext(`while watching the Slurm jobs of this build`);
        error.addContext(`tried to cancel the unfinished jobs: ${ids(open)}`);
      }
      throw error;
    }
    let failed = false;
    for (const job of jobs) {
      if (job.finished) continue;
      await watch.update(job, states.get(job.id));
      failed ||= job.finished && watch.failedJob(job);
    }
    if (failed && !run.keepGoing) {
      const open = jobs.filter((job) => !job.finished);
      await cancelJobs(open.map((job) => job.id), env);
      await waitUntilEnded(open, env);
      for (const job of open) await watch.stop(job);
      break;
    }
    if (jobs.every((job) => job.finished)) break;
    await sleep(options.pollInterval ?? 1000, run.signal);
  }
  // The requests and logs of a run that built everything are in the artifacts now (their
  // `build.log.gz`); those of a failed run stay, for the log paths it showed.
  if (result.failures.length === 0 && result.skipped.length === 0) {
    await Deno.remove(runDir, { recursive: true });
  }
  return result;
}

/** The error of an interrupted Slurm run, naming the jobs it cancelled. */
function interruptedOnSlurm(result: PackagesRun, cancelled: WatchedJob[]): HitError {
  const error = interrupted(result.stopped, result.skipped);
  if (cancelled.length > 0) error.context.push(`cancelled Slurm jobs: ${ids(cancelled)}`);
  return error;
}

/** Waits (up to 60 s) until Slurm reports none of `jobs` pending or running. */
async function waitUntilEnded(jobs: WatchedJob[], env: SlurmEnv): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const states = await readJobs(jobs.map((job) => job.id), env);
    const open = [...states.values()].filter((job) =>
      !FAILED_STATES.has(job.state) && job.state !== "COMPLETED"
    );
    if (open.length === 0) return;
    await sleep(250);
  }
}

function ids(jobs: WatchedJob[]): string {
  return jobs.map((job) => job.id).join(", ");
}

function fileStem(id: string): string {
  const [name, hash] = id.split("/");
  return `${name}-${hash.slice(0, 12)}`;
}

/** A folder name unique to this run: the time, then the process id. */
function runName(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  return `${stamp}-${Deno.pid}`;
}

/** Waits `ms` milliseconds, or less when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
