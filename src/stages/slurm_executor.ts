/**
 * The Slurm executor of `hit build --executor slurm` (ENGINES.md §2.7): submits one job per
 * missing artifact (or per chain, `--slurm-group`) up front with `afterok` dependencies, watches
 * them with `squeue --json` and their log files, and reports the same events as a local build.
 * A job counts as done only when Slurm says COMPLETED and its artifacts are in the store. On a
 * failure (without keep-going) and on an interrupt it cancels every unfinished job of the run,
 * by id. Writes only the run's folder `STORE/.slurm/RUN/` (build requests; Slurm writes the logs).
 */
import { join } from "node:path";
import { HitError } from "../errors.ts";
import { artifactState } from "../core/build_store.ts";
import {
  cancelJobs,
  partitionCpus,
  readJobs,
  type SlurmEnv,
  type SlurmJob,
  submitJob,
} from "../core/slurm.ts";
import type { PackageResult } from "../spec/resolve.ts";
import { type BuildContext, BuildFailure } from "./build_artifact.ts";
import type { ExecutorRun, PackageExecutor, PackagesRun } from "./build_profile.ts";
import { interrupted } from "./build_profile.ts";
import type { SkipReason } from "./scheduler.ts";
import {
  formatBuildRequest,
  jobCommand,
  jobName,
  planJobGroups,
  sbatchArgs,
  type SlurmOptions,
} from "./slurm_plan.ts";

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

/** One submitted job and what the watcher knows of it. */
interface WatchedJob {
  id: string;
  members: PackageResult[];
  log: string;
  /** How far its log has been read. */
  logOffset: number;
  /** Members already reported done. */
  done: number;
  /** Whether its first unfinished member was reported as started. */
  started: boolean;
  queued?: "dependencies" | "resources";
  startedAt: number;
  finished: boolean;
}

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

  const watch = new Watch(jobs, result, run, store);
  while (jobs.some((job) => !job.finished)) {
    if (run.signal?.aborted) {
      const open = jobs.filter((job) => !job.finished);
      await cancelJobs(open.map((job) => job.id), env);
      await waitUntilEnded(open, env);
      for (const job of open) await watch.stop(job);
      throw interruptedOnSlurm(result, open);
    }
    const states = await readJobs(jobs.filter((job) => !job.finished).map((job) => job.id), env);
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
  return result;
}

/** Turns job states into build events and the run's result. */
class Watch {
  #jobs: WatchedJob[];
  #result: PackagesRun;
  #run: ExecutorRun;
  #store: string;
  #failedJobs = new Set<WatchedJob>();

  constructor(jobs: WatchedJob[], result: PackagesRun, run: ExecutorRun, store: string) {
    this.#jobs = jobs;
    this.#result = result;
    this.#run = run;
    this.#store = store;
  }

  failedJob(job: WatchedJob): boolean {
    return this.#failedJobs.has(job);
  }

  /** Takes the state Slurm reports for `job` (undefined: the controller forgot it). */
  async update(job: WatchedJob, state: SlurmJob | undefined): Promise<void> {
    const emit = this.#run.emit;
    if (state?.state === "PENDING") {
      // "None": the scheduler has not looked at it since its last change.
      const waiting = /^Dependency/.test(state.reason)
        ? "dependencies"
        : state.reason === "None"
        ? job.queued
        : "resources";
      if (waiting !== undefined && job.queued !== waiting) {
        job.queued = waiting;
        for (const pkg of job.members.slice(job.done)) {
          emit({ type: "queued", name: pkg.name, id: pkg.artifactId, job: job.id, waiting });
        }
      }
      return;
    }
    if (state?.state === "RUNNING" || state?.state === "COMPLETING") {
      this.#begin(job, state.nodes);
      await this.#readLog(job);
      // The last package of a job counts once Slurm says COMPLETED; the others of a chain as
      // soon as their artifacts are in, since the job goes on with the next.
      await this.#reportBuilt(job, { node: state.nodes, last: false });
      return;
    }
    // A short job may have started and ended between two polls.
    if (state?.nodes) this.#begin(job, state.nodes);
    await this.#readLog(job);
    await this.#reportBuilt(job, { node: state?.nodes, last: true });
    job.finished = true;
    if (job.done === job.members.length) return;
    if (state?.state === "CANCELLED" && /^Dependency/.test(state.reason)) {
      for (const pkg of job.members.slice(job.done)) this.#skip(pkg, this.#failedDependency(pkg));
      return;
    }
    const pkg = job.members[job.done];
    this.#failedJobs.add(job);
    const seconds = (performance.now() - job.startedAt) / 1000;
    const error = await this.#failure(job, pkg, state);
    error.location.package ??= pkg.name;
    this.#result.failures.push({ name: pkg.name, error });
    emit({ type: "failed", name: pkg.name, id: pkg.artifactId, seconds, error });
    for (const rest of job.members.slice(job.done + 1)) {
      this.#skip(rest, { kind: "dependency", failed: pkg.name });
    }
  }

  /** Records `job`, cancelled by this run, as stopped (running) or skipped (waiting). */
  async stop(job: WatchedJob): Promise<void> {
    // It may have committed its artifacts just before it was cancelled.
    await this.#reportBuilt(job, { last: true });
    job.finished = true;
    const rest = job.members.slice(job.done);
    if (rest.length === 0) return;
    const [first, ...others] = rest;
    if (job.started) {
      this.#result.stopped.push(first.name);
      const seconds = (performance.now() - job.startedAt) / 1000;
      this.#run.emit({ type: "stopped", name: first.name, id: first.artifactId, seconds });
    } else {
      this.#skip(first, { kind: "stopped" });
    }
    for (const pkg of others) this.#skip(pkg, { kind: "stopped" });
  }

  #skip(pkg: PackageResult, reason: SkipReason): void {
    this.#result.skipped.push({ name: pkg.name, reason });
    this.#run.emit({ type: "skipped", name: pkg.name, reason });
  }

  /** The failed package `pkg` waited for, directly or through skipped ones. */
  #failedDependency(pkg: PackageResult): SkipReason {
    const failed = new Set(this.#result.failures.map((failure) => failure.name));
    const skipped = new Map(this.#result.skipped.map((skip) => [skip.name, skip.reason]));
    for (const dep of pkg.buildDeps) {
      if (failed.has(dep)) return { kind: "dependency", failed: dep };
      const reason = skipped.get(dep);
      if (reason?.kind === "dependency") return reason;
    }
    const first = this.#result.failures[0]?.name;
    return first === undefined ? { kind: "stopped" } : { kind: "dependency", failed: first };
  }

  /** Reports the first unfinished member of `job` as started on `node`, unless it is. */
  #begin(job: WatchedJob, node: string): void {
    if (job.started || job.done >= job.members.length) return;
    job.started = true;
    job.startedAt = performance.now();
    const pkg = job.members[job.done];
    this.#run.emit({ type: "start", name: pkg.name, id: pkg.artifactId, node });
  }

  /**
   * Reports the members of `job` whose artifacts are in the store now, in order, each next one
   * as started on `node`; the last member only when `last`.
   */
  async #reportBuilt(job: WatchedJob, options: { node?: string; last: boolean }): Promise<void> {
    const end = options.last ? job.members.length : job.members.length - 1;
    while (job.done < end) {
      const pkg = job.members[job.done];
      if (await artifactState(this.#store, pkg.artifactId) !== "built") return;
      const seconds = (performance.now() - job.startedAt) / 1000;
      this.#result.built.push(pkg.name);
      this.#run.emit({
        type: "done",
        name: pkg.name,
        id: pkg.artifactId,
        seconds,
        status: "built",
      });
      job.done++;
      job.started = false;
      if (options.node) this.#begin(job, options.node);
    }
  }

  /** Emits the new lines of `job`'s log as output of its running member. */
  async #readLog(job: WatchedJob): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(job.log);
    } catch {
      return;
    }
    if (bytes.length <= job.logOffset) return;
    const end = bytes.lastIndexOf(10) + 1;
    if (end <= job.logOffset) return;
    const text = new TextDecoder().decode(bytes.subarray(job.logOffset, end));
    job.logOffset = end;
    const pkg = job.members[Math.min(job.done, job.members.length - 1)];
    for (const line of text.split("\n").slice(0, -1)) {
      this.#run.emit({ type: "output", name: pkg.name, line });
    }
  }

  /** The error of a job that ended without `pkg`'s artifact, with its log's end. */
  async #failure(job: WatchedJob, pkg: PackageResult, state: SlurmJob | undefined) {
    let tail: string[] = [];
    try {
      const lines = (await Deno.readTextFile(job.log)).split("\n");
      if (lines.at(-1) === "") lines.pop();
      tail = lines.slice(-20);
    } catch {
      // No log: the job never started on a node that sees the store.
    }
    return new BuildFailure(
      `build "${pkg.artifactId}": Slurm job ${job.id} ${describeJobEnd(state)}`,
      {
        logPath: job.log,
        logTail: tail,
      },
    );
  }
}

/** What ended a job that did not leave its artifact in the store ("was killed by …"). */
export function describeJobEnd(state: SlurmJob | undefined): string {
  if (state === undefined) {
    return "is gone from the queue and its artifact is not in the store";
  }
  if (state.state === "TIMEOUT") {
    const limit = state.timeLimit === undefined ? "" : ` of ${state.timeLimit} minutes`;
    return `was killed by its time limit${limit} (raise it with "--slurm-time")`;
  }
  if (state.state === "COMPLETED") {
    return "says COMPLETED but its artifact is not in the store (does the node see the store?)";
  }
  const detail = state.state === "FAILED" ? ` with exit code ${state.exitCode}` : "";
  return `ended ${state.state}${detail} (${state.reason})`;
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
