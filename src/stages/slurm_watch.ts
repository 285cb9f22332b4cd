/**
 * Watching the jobs of a Slurm build: turns what `squeue` says of each job, the artifacts in the
 * store and the job's log into the build events of a local build and the run's result. A package
 * counts as built only once its artifact is in the store, and the last package of a job only once
 * Slurm also says COMPLETED. Reads the store and the job logs; runs nothing.
 */
import { artifactState } from "../core/build_store.ts";
import type { SlurmJob } from "../core/slurm.ts";
import type { PackageResult } from "../spec/resolve.ts";
import { BuildFailure } from "./build_artifact.ts";
import type { ExecutorRun, PackagesRun } from "./build_profile.ts";
import type { SkipReason } from "./scheduler.ts";

/** One submitted job and what the watcher knows of it. */
export interface WatchedJob {
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

/** Turns job states into build events and the run's result. */
export class JobWatch {
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
