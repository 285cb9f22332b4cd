/**
 * `hit build` of a whole profile (HASHDIST.md §6.3, §6.4): fetch what is missing, build the
 * missing packages (at once where their build dependencies allow, within one CPU budget: see
 * `scheduler.ts`), build the profile artifact, then point the user's link at it and register
 * the gc root. Reports progress as events; never prints.
 */
import { HitError } from "../errors.ts";
import { artifactDir, artifactState } from "../core/build_store.ts";
import { linkProfile } from "../core/gc_roots.ts";
import type { PackEntry } from "../spec/hit_pack.ts";
import type { PackageResult, ResolvedProfile } from "../spec/resolve.ts";
import { buildArtifact, type BuildContext, BuildFailure } from "./build_artifact.ts";
import { pulledEvent, pullPackages } from "./pull_remotes.ts";
import { createSchedule, runSchedule, type SkipReason } from "./scheduler.ts";

/** The source cache as the build needs it. */
export interface SourceStore {
  /** Stores a build-script bundle; returns its key. */
  putHitPack(entries: PackEntry[]): Promise<string>;
  /**
   * Makes `key` present in the cache, fetching it from mirrors or `url` if needed, reporting
   * the bytes of a download as they come.
   */
  ensure(
    key: string,
    url: string | undefined,
    repoName: string,
    onProgress?: (progress: { bytes: number; total?: number }) => void,
  ): Promise<void>;
  /** Unpacks `key` into `target`. */
  unpack(key: string, target: string): Promise<void>;
}

/** Progress of a profile build. */
export type BuildEvent =
  | { type: "plan"; toBuild: string[]; cached: string[] }
  | { type: "fetch"; name: string; key: string; bytes?: number; total?: number }
  | { type: "queued"; name: string; id: string; job: string; waiting: "dependencies" | "resources" }
  /** A source was downloaded (not found cached); git fetches report no bytes, so no event. */
  | { type: "fetched"; name: string; key: string; url?: string; bytes: number; seconds: number }
  | { type: "start"; name: string; id: string; cpus?: number; node?: string }
  | { type: "output"; name: string; line: string }
  | { type: "done"; name: string; id: string; seconds: number; status: "built" | "cached" }
  | { type: "failed"; name: string; id: string; seconds: number; error: HitError }
  | { type: "stopped"; name: string; id: string; seconds: number }
  | { type: "skipped"; name: string; reason: SkipReason }
  | { type: "pulled"; name: string; id: string; from: string; bytes: number; seconds: number }
  /** Something the user should know that does not stop the build (a member not unpacked). */
  | { type: "warning"; name?: string; message: string }
  | { type: "linked"; link: string; dir: string; upToDate: boolean };

/** Options of `buildProfile`. */
export interface BuildProfileOptions {
  /** The user's link to create (absolute or relative to the current folder); none to skip. */
  link?: string;
  /** Build only these packages (their build dependencies must be built), no profile. */
  only?: string[];
  /** One package at a time, each with every CPU of `context.cpuCount` (HashDist's way). */
  serial?: boolean;
  /**
   * The CPU budget was left to the machine (no `-j`): the scheduler may hand out more job slots
   * than CPUs. With a `-j N` the builds' job counts never add up to more than N.
   */
  machineBudget?: boolean;
  /** After a failure, build every package that does not depend on it. */
  keepGoing?: boolean;
  onEvent?: (event: BuildEvent) => void;
  /** Where the packages build: here (the default, `buildPackagesHere`) or elsewhere (Slurm). */
  executor?: PackageExecutor;
  /**
   * Asks the remotes for an artifact before it is built (`stages/pull_remotes.ts`); answers
   * where it came from, or undefined to build it here.
   */
  pull?: (name: string, id: string) => Promise<PulledFrom | undefined>;
}

/** Where a pulled artifact came from. */
export interface PulledFrom {
  remote: string;
  bytes: number;
}

/** What one run of package builds did. */
export interface PackagesRun {
  built: string[];
  cached: string[];
  failures: PackageFailure[];
  /** Packages whose build was stopped by an interrupt. */
  stopped: string[];
  skipped: { name: string; reason: SkipReason }[];
}

/** What an executor is given besides the packages. */
export interface ExecutorRun {
  /** Every source of `packages` is in the source cache by now. */
  emit: (event: BuildEvent) => void;
  keepGoing: boolean;
  serial: boolean;
  /** No `-j` was given (see `BuildProfileOptions.machineBudget`). */
  machineBudget: boolean;
  signal?: AbortSignal;
}

/**
 * Builds `packages` (in build order; their build dependencies outside the list are in the
 * store) and reports each as built, failed, stopped or skipped, never throwing for a package.
 */
export type PackageExecutor = (packages: PackageResult[], run: ExecutorRun) => Promise<PackagesRun>;

/** What a profile build made. */
export interface BuildProfileResult {
  built: string[];
  cached: string[];
  /** Packages (and "profile") pulled from a remote instead of built. */
  pulled: string[];
  profileDir?: string;
  link?: string;
}

/** One failed package of a run. */
export interface PackageFailure {
  name: string;
  error: HitError;
}

/** Packages that failed to build, and those left unbuilt because of them. */
export class PackagesFailed extends HitError {
  failures: PackageFailure[];
  /** Packages not built, with why. */
  skipped: { name: string; reason: SkipReason }[];

  constructor(failures: PackageFailure[], skipped: { name: string; reason: SkipReason }[]) {
    const only = failures.length === 1 ? failures[0].error : undefined;
    const context = only !== undefined
      ? [...only.context]
      : failures.map((failure) =>
        `"${failure.name}": ${failure.error.message}${
          failure.error instanceof BuildFailure && failure.error.buildDir
            ? ` (build folder kept: ${failure.error.buildDir})`
            : ""
        }`
      );
    if (skipped.length > 0) {
      context.push(
        `not built because of the ${failures.length === 1 ? "failure" : "failures"}: ${
          skipped.map((s) => `"${s.name}"`).join(", ")
        }`,
      );
    }
    super(
      only?.message ??
        `build: ${failures.length} packages failed: ${
          failures.map((failure) => `"${failure.name}"`).join(", ")
        }`,
      {
        location: only === undefined ? {} : { package: failures[0].name },
        context,
        hint: only?.hint ?? `show a package's log with "hit log NAME -p PROFILE"`,
      },
    );
    this.name = "PackagesFailed";
    this.failures = failures;
    this.skipped = skipped;
  }
}

/**
 * Builds every missing package of `resolved`, then the profile artifact and its link.
 * `context.cpuCount` is the CPU budget of the whole run; `context.signal` interrupts it.
 * @throws {PackagesFailed} when packages fail (after every running build has ended);
 * {HitError} (exit 130) when interrupted, or for a missing source.
 */
export async function buildProfile(
  resolved: ResolvedProfile,
  sources: SourceStore,
  context: BuildContext,
  options: BuildProfileOptions = {},
): Promise<BuildProfileResult> {
  const emit = options.onEvent ?? (() => {});
  const store = context.config.buildStore;
  const wanted = options.only ?? resolved.buildOrder;
  let toBuild: PackageResult[] = [];
  const cached: string[] = [];
  for (const name of resolved.buildOrder) {
    if (!wanted.includes(name)) continue;
    const pkg = resolved.packages.get(name)!;
    if (await artifactState(store, pkg.artifactId) === "built") cached.push(name);
    else toBuild.push(pkg);
  }
  // Every source before any build, so that a long build never waits on the network half-way.
  const fetchOptions = { signal: context.signal, onEvent: emit };
  const pulled: string[] = [];
  if (options.pull === undefined) {
    emit({ type: "plan", toBuild: toBuild.map((pkg) => pkg.name), cached });
    await ensureSources(toBuild, sources, fetchOptions);
  } else {
    // What a remote holds needs no sources and no build; the sources of a package no remote
    // has are fetched (one package at a time) while the other pulls go on.
    let fetching = Promise.resolve();
    let fetchError: unknown;
    pulled.push(
      ...await pullPackages(toBuild, {
        pull: options.pull,
        emit,
        signal: context.signal,
        isStored: async (name) =>
          await artifactState(store, resolved.packages.get(name)!.artifactId) === "built",
        onMissing: (pkg) => {
          fetching = fetching.then(async () => {
            if (fetchError !== undefined) return;
            try {
              await ensureSources([pkg], sources, fetchOptions);
            } catch (error) {
              fetchError = error;
            }
          });
        },
      }),
    );
    await fetching;
    if (fetchError !== undefined) throw fetchError;
    toBuild = toBuild.filter((pkg) => !pulled.includes(pkg.name));
    emit({ type: "plan", toBuild: toBuild.map((pkg) => pkg.name), cached });
  }

  const run: ExecutorRun = {
    emit,
    keepGoing: options.keepGoing ?? false,
    serial: options.serial ?? false,
    machineBudget: options.machineBudget ?? false,
    signal: context.signal,
  };
  const { built, cached: raced, failures, stopped, skipped } = options.executor
    ? await options.executor(toBuild, run)
    : await buildPackagesHere(resolved, context, toBuild, run);
  cached.push(...raced);
  const order = (a: string, b: string) =>
    resolved.buildOrder.indexOf(a) - resolved.buildOrder.indexOf(b);
  if (context.signal?.aborted) throw interrupted(stopped.sort(order), skipped);
  if (failures.length > 0) {
    failures.sort((a, b) => order(a.name, b.name));
    throw new PackagesFailed(failures, skipped.sort((a, b) => order(a.name, b.name)));
  }
  if (options.only) return { built, cached, pulled };

  const profileId = resolved.profileArtifactId;
  const profileDir = artifactDir(store, profileId);
  const upToDate = built.length === 0 && pulled.length === 0 &&
    await artifactState(store, profileId) === "built";
  const profileStarted = performance.now();
  const profileFrom = upToDate ? undefined : await options.pull?.("profile", profileId);
  if (profileFrom !== undefined) {
    pulled.push("profile");
    const seconds = (performance.now() - profileStarted) / 1000;
    emit({ type: "pulled", name: "profile", id: profileId, ...pulledEvent(profileFrom, seconds) });
  } else if (!upToDate) {
    emit({ type: "start", name: "profile", id: profileId });
    const started = performance.now();
    let outcome;
    try {
      outcome = await buildArtifact(resolved.profileBuildSpec, profileId, { isProfile: true }, {
        ...context,
        onOutput: (line) => emit({ type: "output", name: "profile", line }),
      });
    } catch (error) {
      if (error instanceof HitError && context.signal?.aborted) throw interrupted(["profile"], []);
      throw error;
    }
    emit({
      type: "done",
      name: "profile",
      id: profileId,
      seconds: (performance.now() - started) / 1000,
      status: outcome.status,
    });
  }
  let link: string | undefined;
  if (options.link !== undefined) {
    link = await linkProfile(profileDir, options.link, context.config.gcRoots);
    emit({ type: "linked", link, dir: profileDir, upToDate });
  }
  return { built, cached, pulled, profileDir, link };
}

/** The local executor: builds `toBuild` on this machine, within the run's CPU budget. */
export async function buildPackagesHere(
  resolved: ResolvedProfile,
  context: BuildContext,
  toBuild: PackageResult[],
  run: ExecutorRun,
): Promise<PackagesRun> {
  const emit = run.emit;
  const built: string[] = [];
  const cached: string[] = [];
  const failures: PackageFailure[] = [];
  const stopped: string[] = [];
  const skipped: { name: string; reason: SkipReason }[] = [];
  const schedule = createSchedule(
    toBuild.map((pkg) => ({ name: pkg.name, deps: pkg.buildDeps })),
    {
      cpus: context.cpuCount,
      serial: run.serial,
      keepGoing: run.keepGoing,
      machineCpus: run.machineBudget ? navigator.hardwareConcurrency : undefined,
    },
  );
  // The event of each ended build, emitted once the schedule knows, so that no start is ever
  // reported after the failure that stopped the run.
  const ended = new Map<string, BuildEvent>();
  await runSchedule(schedule, async (name, cpus) => {
    const pkg = resolved.packages.get(name)!;
    emit({ type: "start", name, id: pkg.artifactId, cpus });
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const outcome = await buildArtifact(pkg.buildSpec, pkg.artifactId, { isProfile: false }, {
        ...context,
        cpuCount: cpus,
        onOutput: (line) => emit({ type: "output", name, line }),
      });
      (outcome.status === "built" ? built : cached).push(name);
      const status = outcome.status;
      ended.set(name, { type: "done", name, id: pkg.artifactId, seconds: seconds(), status });
      return "built";
    } catch (error) {
      if (!(error instanceof HitError)) throw error;
      if (context.signal?.aborted) {
        stopped.push(name);
        ended.set(name, { type: "stopped", name, id: pkg.artifactId, seconds: seconds() });
      } else {
        error.location.package ??= name;
        failures.push({ name, error });
        ended.set(name, { type: "failed", name, id: pkg.artifactId, seconds: seconds(), error });
      }
      return "failed";
    }
  }, {
    signal: context.signal,
    onFinish: (name) => {
      const event = ended.get(name);
      if (event !== undefined) emit(event);
    },
    onSkip: (name, reason) => {
      skipped.push({ name, reason });
      emit({ type: "skipped", name, reason });
    },
  });
  return { built, cached, failures, stopped, skipped };
}

/**
 * Makes every source of `packages`, and their build-script bundles, present in the cache.
 * @throws {HitError} for a source no mirror or URL has (naming the package), or when
 * interrupted.
 */
export async function ensureSources(
  packages: readonly PackageResult[],
  sources: SourceStore,
  options: { signal?: AbortSignal; onEvent?: (event: BuildEvent) => void } = {},
): Promise<void> {
  const emit = options.onEvent ?? (() => {});
  for (const pkg of packages) {
    await sources.putHitPack(pkg.bundle.entries);
    for (const source of pkg.sources) {
      if (options.signal?.aborted) throw interrupted([], []);
      emit({ type: "fetch", name: pkg.name, key: source.key });
      const started = performance.now();
      // The last progress report of the download that stored the source holds its size.
      let downloaded: number | undefined;
      try {
        await sources.ensure(
          source.key,
          source.url,
          pkg.name,
          ({ bytes, total }) => {
            downloaded = bytes;
            emit({ type: "fetch", name: pkg.name, key: source.key, bytes, total });
          },
        );
      } catch (error) {
        if (options.signal?.aborted) throw interrupted([], []);
        if (error instanceof HitError) {
          error.location.package ??= pkg.name;
          error.addContext(`while fetching the sources of package "${pkg.name}"`);
        }
        throw error;
      }
      if (downloaded !== undefined) {
        const seconds = (performance.now() - started) / 1000;
        const { key, url } = source;
        emit({ type: "fetched", name: pkg.name, key, url, bytes: downloaded, seconds });
      }
    }
  }
}

/** The error of an interrupted run: what was stopped, and what never started. */
export function interrupted(stopped: string[], skipped: { name: string }[]): HitError {
  const context: string[] = [];
  const quote = (names: string[]) => names.map((name) => `"${name}"`).join(", ");
  if (stopped.length > 0) context.push(`stopped: ${quote(stopped)}`);
  if (skipped.length > 0) context.push(`not started: ${quote(skipped.map((s) => s.name))}`);
  return new HitError("build: interrupted", {
    context,
    hint: "the store holds only complete artifacts; run the same command again to go on",
    exitCode: 130,
  });
}
