/**
 * The DAG scheduler of `hit build`: which package builds may start now, and with how many CPUs
 * each, so that the whole run stays within one CPU budget. The state transitions
 * (`createSchedule`, `takeStarts`, `recordFinish`, `stopSchedule`) are pure; `runSchedule` drives
 * them with the caller's build function. Runs nothing and touches no file itself.
 *
 * Budget policy: a split recomputed as builds start and end. A package holds the job slots it
 * was started with (its `HASHDIST_CPU_COUNT`, the `make -j` of its build) until it ends. Whenever
 * slots are free, the ready packages (every build dependency in the store), highest priority
 * first, share them evenly, one at least and the whole budget at most each. A GNU make jobserver
 * would let a running `make` take up CPUs that free up later, but it does not work here: Debian
 * 12's make 4.3 passes the jobserver only as inherited pipe fds (no `fifo:`), which
 * `Deno.Command` cannot hand to a child, and the corpus's scripts run `make -j
 * ${HASHDIST_CPU_COUNT}`, which makes make 4.3 print "-jN forced in submake: resetting jobserver
 * mode" and start N job slots of its own (checked with make 4.3 here).
 *
 * So the CPUs follow what each build can use through the kernel instead: when the budget is
 * every CPU of the machine (`machineCpus`, the default `-j`), there are twice as many slots as
 * CPUs (the kernel still gives the builds no more than the machine's CPUs). A package that configures or installs (one process) leaves most of its slots idle, and
 * another package's `make` in the other slots gets the idle CPUs; when both compile, the kernel
 * shares the CPUs between them. With another budget the slots are the budget, so the builds'
 * `make -j` add up to `-j` at most. On the real stack of `shared/sources` (2 cores) a fixed split
 * was 1.12 times the lower bound (`deno task bench build`): a package that started alone held
 * every CPU through its single-threaded configure while the next ready package waited.
 *
 * Priority is the longest chain of packages waiting on a package, then how many wait on it,
 * then the profile's build order.
 */

/** A package to build and its build dependencies among the packages of the run. */
export interface ScheduleNode {
  name: string;
  deps: readonly string[];
}

/** Options of `createSchedule`. */
export interface ScheduleOptions {
  /** The CPU budget of the whole run (`hit build -j N`). */
  cpus: number;
  /** One package at a time, each with every CPU: what HashDist did. */
  serial?: boolean;
  /**
   * The machine's CPUs: a budget of exactly this many (the default `-j`) has twice as many job
   * slots (see the budget policy above). Otherwise the slots are the budget.
   */
  machineCpus?: number;
  /** After a failure, build every package that does not depend on it (`--keep-going`). */
  keepGoing?: boolean;
}

/** Why a package was not built: a build dependency failed, or the run stopped. */
export type SkipReason = { kind: "dependency"; failed: string } | { kind: "stopped" };

/** The state of a scheduled run. */
export interface Schedule {
  readonly cpus: number;
  /** Job slots the running builds may hold together: `cpus`, or twice that (oversubscribed). */
  readonly slots: number;
  readonly serial: boolean;
  readonly keepGoing: boolean;
  /** Build dependencies of each package, within the run. */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  /** Packages that depend on each package, within the run. */
  readonly dependants: ReadonlyMap<string, readonly string[]>;
  /** Packages not started yet, highest priority first. */
  waiting: string[];
  /** Running packages and the CPUs each holds. */
  running: Map<string, number>;
  built: Set<string>;
  failed: Set<string>;
  skipped: Map<string, SkipReason>;
  /** No package starts any more (a failure without `keepGoing`, or an interrupt). */
  stopped: boolean;
}

/** A build to start now, with its CPUs. */
export interface ScheduledStart {
  name: string;
  cpus: number;
}

/**
 * A schedule of `nodes` (in the profile's build order); dependencies outside `nodes` count as
 * built already.
 * @throws {Error} when `cpus` is not a positive whole number or the dependencies form a cycle
 * (resolving a profile rejects both first).
 */
export function createSchedule(nodes: readonly ScheduleNode[], options: ScheduleOptions): Schedule {
  if (!Number.isInteger(options.cpus) || options.cpus < 1) {
    throw new Error(`schedule builds: the CPU budget must be a positive whole number`);
  }
  const names = new Set(nodes.map((node) => node.name));
  const deps = new Map<string, string[]>();
  const dependants = new Map<string, string[]>(nodes.map((node) => [node.name, []]));
  for (const node of nodes) {
    const inside = [...new Set(node.deps)].filter((dep) => names.has(dep));
    deps.set(node.name, inside);
    for (const dep of inside) dependants.get(dep)!.push(node.name);
  }
  const order = new Map(nodes.map((node, index) => [node.name, index]));
  const chain = longestChains(nodes, dependants);
  const waitingOn = new Map(nodes.map((node) => [node.name, transitive(node.name, dependants)]));
  const waiting = nodes.map((node) => node.name).sort((a, b) =>
    chain.get(b)! - chain.get(a)! || waitingOn.get(b)! - waitingOn.get(a)! ||
    order.get(a)! - order.get(b)!
  );
  return {
    cpus: options.cpus,
    slots: options.cpus === options.machineCpus ? 2 * options.cpus : options.cpus,
    serial: options.serial ?? false,
    keepGoing: options.keepGoing ?? false,
    deps,
    dependants,
    waiting,
    running: new Map(),
    built: new Set(),
    failed: new Set(),
    skipped: new Map(),
    stopped: false,
  };
}

/** Ready packages to start now and their CPUs; records them as running. */
export function takeStarts(schedule: Schedule): ScheduledStart[] {
  if (schedule.stopped) return [];
  let held = 0;
  for (const cpus of schedule.running.values()) held += cpus;
  const free = schedule.slots - held;
  const ready = schedule.waiting.filter((name) =>
    schedule.deps.get(name)!.every((dep) => schedule.built.has(dep))
  );
  if (free < 1 || ready.length === 0) return [];
  let starts: ScheduledStart[];
  if (schedule.serial) {
    starts = schedule.running.size > 0 ? [] : [{ name: ready[0], cpus: schedule.cpus }];
  } else {
    const count = Math.min(ready.length, free);
    const share = Math.floor(free / count);
    const extra = free - share * count;
    starts = ready.slice(0, count).map((name, i) => ({
      name,
      cpus: Math.min(schedule.cpus, share + (i < extra ? 1 : 0)),
    }));
  }
  for (const start of starts) {
    schedule.running.set(start.name, start.cpus);
    schedule.waiting.splice(schedule.waiting.indexOf(start.name), 1);
  }
  return starts;
}

/**
 * Records the end of a running build; returns the packages this leaves unbuilt: every waiting
 * package after a failure, or with `keepGoing` those that depend on it.
 */
export function recordFinish(
  schedule: Schedule,
  name: string,
  outcome: "built" | "failed",
): { name: string; reason: SkipReason }[] {
  if (!schedule.running.delete(name)) {
    throw new Error(`schedule builds: "${name}" finished but was not running`);
  }
  if (outcome === "built") {
    schedule.built.add(name);
    return [];
  }
  schedule.failed.add(name);
  if (!schedule.keepGoing) return stopSchedule(schedule);
  const skipped: { name: string; reason: SkipReason }[] = [];
  const reason: SkipReason = { kind: "dependency", failed: name };
  for (const dependant of transitiveList(name, schedule.dependants)) {
    const at = schedule.waiting.indexOf(dependant);
    if (at < 0) continue;
    schedule.waiting.splice(at, 1);
    schedule.skipped.set(dependant, reason);
    skipped.push({ name: dependant, reason });
  }
  return skipped;
}

/** Starts nothing more: every waiting package is skipped; returns them. */
export function stopSchedule(schedule: Schedule): { name: string; reason: SkipReason }[] {
  schedule.stopped = true;
  const reason: SkipReason = { kind: "stopped" };
  const skipped = schedule.waiting.map((name) => ({ name, reason }));
  for (const { name } of skipped) schedule.skipped.set(name, reason);
  schedule.waiting = [];
  return skipped;
}

/** Callbacks and the interrupt of `runSchedule`. */
export interface RunScheduleOptions {
  /** Aborting it stops new starts; the build function stops what is running. */
  signal?: AbortSignal;
  /** Called when a build has ended and the schedule knows it, before any new start. */
  onFinish?: (name: string, outcome: "built" | "failed") => void;
  /** Called for each package left unbuilt, as soon as it is. */
  onSkip?: (name: string, reason: SkipReason) => void;
}

/**
 * Runs `build` for every package of `schedule` as the budget allows, and waits for every
 * started build to end. `build` resolves to the outcome; if it throws, the error is thrown
 * once every other running build has ended.
 */
export async function runSchedule(
  schedule: Schedule,
  build: (name: string, cpus: number) => Promise<"built" | "failed">,
  options: RunScheduleOptions = {},
): Promise<void> {
  const onSkip = options.onSkip ?? (() => {});
  const active = new Map<string, Promise<void>>();
  const errors: unknown[] = [];
  const interrupted = new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve();
    options.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  const finish = (name: string, outcome: "built" | "failed") => {
    active.delete(name);
    const skipped = recordFinish(schedule, name, outcome);
    options.onFinish?.(name, outcome);
    for (const skip of skipped) onSkip(skip.name, skip.reason);
  };
  for (;;) {
    if (options.signal?.aborted && !schedule.stopped) {
      for (const skip of stopSchedule(schedule)) onSkip(skip.name, skip.reason);
    }
    for (const start of takeStarts(schedule)) {
      active.set(
        start.name,
        build(start.name, start.cpus).then(
          (outcome) => finish(start.name, outcome),
          (error) => {
            errors.push(error);
            finish(start.name, "failed");
            if (!schedule.stopped) {
              for (const skip of stopSchedule(schedule)) onSkip(skip.name, skip.reason);
            }
          },
        ),
      );
    }
    if (active.size === 0) break;
    // Once stopped, an interrupt has nothing left to wake the loop for.
    await Promise.race(schedule.stopped ? active.values() : [...active.values(), interrupted]);
  }
  if (errors.length > 0) throw errors[0];
  if (schedule.waiting.length > 0) {
    throw new Error(`schedule builds: a dependency cycle among ${schedule.waiting.join(", ")}`);
  }
}

/** For each package, the number of packages on the longest chain from it to a last one. */
function longestChains(
  nodes: readonly ScheduleNode[],
  dependants: ReadonlyMap<string, readonly string[]>,
): Map<string, number> {
  const chain = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (name: string): number => {
    const known = chain.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) throw new Error(`schedule builds: a dependency cycle through ${name}`);
    visiting.add(name);
    let longest = 0;
    for (const dependant of dependants.get(name)!) longest = Math.max(longest, visit(dependant));
    visiting.delete(name);
    chain.set(name, longest + 1);
    return longest + 1;
  };
  for (const node of nodes) visit(node.name);
  return chain;
}

function transitive(name: string, dependants: ReadonlyMap<string, readonly string[]>): number {
  return transitiveList(name, dependants).length;
}

/** Every package that depends on `name`, directly or not. */
function transitiveList(
  name: string,
  dependants: ReadonlyMap<string, readonly string[]>,
): string[] {
  const seen = new Set<string>();
  const stack = [...dependants.get(name)!];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...dependants.get(next)!);
  }
  return [...seen];
}
