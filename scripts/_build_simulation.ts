/**
 * What a stack build would take on more cores, simulated from measured per-package phase
 * profiles with `hit`'s own scheduler (`src/stages/scheduler.ts`). A profile is the busy cores
 * sampled while the package built alone with every core (`hit build --serial`); each sample is a
 * phase with its CPU work. A phase that kept at most about one core busy is serial (configure,
 * install); the others are `make`, taken to scale to every job the package was started with (an
 * optimistic model: the bound and both simulations share it). CPUs go to the running phases as
 * the kernel would give them: each what it can use while there is enough, else in proportion.
 * Pure.
 */
import { createSchedule, recordFinish, takeStarts } from "../src/stages/scheduler.ts";

/** One sample of a package's build: `seconds` long with `busy` cores busy. */
export interface PhaseSample {
  seconds: number;
  busy: number;
}

/** A package of the stack: its build dependencies and its measured profile. */
export interface SimPackage {
  name: string;
  deps: readonly string[];
  profile: readonly PhaseSample[];
}

/** A phase as simulated: its CPU work, and whether it is serial. */
interface Phase {
  work: number;
  serial: boolean;
}

/** Above this many busy cores a sample counts as parallel (`make -j`). */
const SERIAL_BUSY = 1.3;
const STEP = 0.05;

function phasesOf(profile: readonly PhaseSample[]): Phase[] {
  return profile.map((sample) => ({
    work: sample.seconds * Math.max(sample.busy, 0.05),
    serial: sample.busy <= SERIAL_BUSY,
  }));
}

/** Seconds a package takes alone with `jobs` jobs on at least that many cores. */
function aloneSeconds(phases: Phase[], jobs: number): number {
  return phases.reduce((sum, phase) => sum + phase.work / (phase.serial ? 1 : jobs), 0);
}

/** The lower bound on `cores`: max(critical path with every core, CPU work / cores). */
export function lowerBound(packages: readonly SimPackage[], cores: number): number {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const memo = new Map<string, number>();
  const path = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const pkg = byName.get(name)!;
    const own = aloneSeconds(phasesOf(pkg.profile), cores);
    const longest = Math.max(0, ...pkg.deps.filter((dep) => byName.has(dep)).map(path));
    memo.set(name, own + longest);
    return own + longest;
  };
  const work = packages.reduce(
    (sum, pkg) => sum + phasesOf(pkg.profile).reduce((s, phase) => s + phase.work, 0),
    0,
  );
  return Math.max(Math.max(0, ...packages.map((pkg) => path(pkg.name))), work / cores);
}

/** The simulated makespan of the stack on `cores`, one at a time or with the scheduler. */
export function simulate(
  packages: readonly SimPackage[],
  cores: number,
  way: "serial" | "scheduled",
): number {
  const phases = new Map(packages.map((pkg) => [pkg.name, phasesOf(pkg.profile)]));
  const schedule = createSchedule(
    packages.map((pkg) => ({ name: pkg.name, deps: pkg.deps })),
    { cpus: cores, serial: way === "serial", machineCpus: cores },
  );
  /** Each running package: its jobs, its phase index, and the work left in that phase. */
  const running = new Map<string, { jobs: number; phase: number; left: number }>();
  let time = 0;
  for (;;) {
    for (const start of takeStarts(schedule)) {
      const first = phases.get(start.name)![0];
      running.set(start.name, { jobs: start.cpus, phase: 0, left: first?.work ?? 0 });
    }
    if (running.size === 0) return time;
    const demand = new Map<string, number>();
    for (const [name, state] of running) {
      const phase = phases.get(name)![state.phase];
      demand.set(name, phase === undefined ? 0 : phase.serial ? 1 : state.jobs);
    }
    const total = [...demand.values()].reduce((sum, d) => sum + d, 0);
    const scale = total > cores ? cores / total : 1;
    time += STEP;
    for (const [name, state] of [...running]) {
      state.left -= demand.get(name)! * scale * STEP;
      const own = phases.get(name)!;
      while (state.left <= 0 && state.phase < own.length) {
        state.phase++;
        state.left += own[state.phase]?.work ?? 0;
      }
      if (state.phase >= own.length) {
        running.delete(name);
        recordFinish(schedule, name, "built");
      }
    }
  }
}
