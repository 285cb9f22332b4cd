/**
 * `hit build`: builds every missing package of a profile into the store (independent ones at
 * once, within one CPU budget), then the profile artifact, and points a link in the current
 * folder at it. Parsing is pure, progress is `build_progress.ts`; `run` wires the configuration,
 * the source cache, the sandbox and Ctrl-C together.
 */
import { basename, dirname, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { fileError } from "../core/file_error.ts";
import { holdBuildLock } from "../core/gc.ts";
import { openPullRemotes, pullFromRemotes } from "../stages/pull_remotes.ts";
import { pushClosure, pushTarget } from "./push.ts";
import { type BuildContext, BuildFailure } from "../stages/build_artifact.ts";
import { recordProfileFile } from "../core/profile_file_record.ts";
import { buildProfile, PackagesFailed } from "../stages/build_profile.ts";
import { SANDBOX_NAMES, type SandboxName } from "../core/config.ts";
import { buildSandbox } from "./build_sandbox.ts";
import { planBuild } from "../stages/build_plan.ts";
import { artifactState } from "../core/build_store.ts";
import { openSourceStore } from "../stages/source_store.ts";
import { reclaimDownloads } from "../core/download_temp.ts";
import { openSourceCache } from "../core/source_cache.ts";
import { listenForInterrupts } from "./interrupts.ts";
import { FetchWorkers } from "../stages/fetch_stage.ts";
import { developProfile } from "../stages/develop_profile.ts";
import type { LinkAction } from "../spec/profile_links.ts";
import { checkOfflineSources, prefetchCommand } from "../stages/missing_sources.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import { chooseProgressMode, ProgressWriter } from "./build_progress.ts";
import {
  chooseExecutor,
  EXECUTOR_OPTIONS,
  type ExecutorArgs,
  executorArgs,
} from "./build_executor.ts";
import { reclaimAndReport } from "./reclaim_leftovers.ts";
import {
  buildPlanJson,
  type BuildResult,
  renderBuildPlan,
  renderBuildSummary,
} from "./build_plan.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { isOffline, SOURCE_OPTIONS, withMirrors } from "./source_options.ts";
import { CHECK_OPTIONS, renderCheckResults, runCheck } from "./build_check.ts";
import { PROFILE_OPTION, resolveProfileArg } from "./profile_arg.ts";

/** The parsed command line of `hit build`. */
export interface BuildArgs {
  profile: string;
  overrides: Record<string, string>;
  /** The CPU budget of the run, shared by the packages building at once. */
  jobs: number;
  /** One package at a time, each with every CPU (HashDist's way). */
  serial: boolean;
  /** After a failure, build every package that does not depend on it. */
  keepGoing: boolean;
  /** The name of the link to the profile artifact (default: the profile's base name). */
  output: string;
  keepBuild: "always" | "never" | "error";
  sandbox?: SandboxName;
  packages: string[];
  offline: boolean;
  /** Extra mirrors (`--mirror`), tried before the configured ones. */
  mirrors: string[];
  verbose: boolean;
  quiet: boolean;
  /** Build stored artifacts again and compare (`--check`), keeping the second builds (`--keep`). */
  check: boolean;
  keep: boolean;
  /** Where packages build: `--executor` and the `--slurm-*` options. */
  executor: ExecutorArgs;
  /** Whether `-j` was given (a Slurm job then asks for that many CPUs). */
  jobsGiven: boolean;
  /** Push what was built (and its closure) to the push remote afterwards. */
  push: boolean;
  /** Ask no remote: build everything here. */
  noRemote: boolean;
  /** Print what would be done, and do nothing. */
  dryRun: boolean;
  json: boolean;
}

/** The options of `hit build`; `hit develop` shares most of them. */
export const OPTIONS: readonly OptionSpec[] = [
  PROFILE_OPTION,
  {
    name: "jobs",
    short: "j",
    value: "N",
    description: "CPUs for the whole build, shared by the packages building at once " +
      "(default: all)",
  },
  {
    name: "keep-going",
    short: "k",
    description: "after a failure, build every package that does not depend on it",
  },
  { name: "serial", description: "one package at a time, each with all CPUs (as HashDist)" },
  { name: "output", short: "o", value: "NAME", description: "name of the link to the profile" },
  { name: "keep-build", description: "keep build folders of successful builds too" },
  { name: "no-keep-build", description: "remove build folders of failed builds too" },
  {
    name: "sandbox",
    value: "KIND",
    choices: ["auto", "bwrap", "landlock", "none"],
    description: `"auto" (default: bwrap, else landlock), "bwrap", "landlock" or "none"`,
  },
  { name: "package", value: "NAME", description: "build only this package (and no profile)" },
  ...SOURCE_OPTIONS,
  ...EXECUTOR_OPTIONS,
  { name: "push", description: "push the profile and its artifacts to the push remote" },
  { name: "no-remote", description: "pull nothing from the remotes: build everything here" },
  { name: "verbose", short: "v", description: "stream the build output" },
  { name: "quiet", short: "q", description: "print only errors and the result" },
  {
    name: "dry-run",
    short: "n",
    description: "print what would be fetched (bytes where known), pulled and built; do nothing",
  },
  { name: "json", description: "print the result (or the plan) as JSON (fields as in the README)" },
];

// `hit build` alone: checking reproducibility.
const BUILD_OPTIONS: readonly OptionSpec[] = [...OPTIONS, ...CHECK_OPTIONS];

/**
 * Parses the arguments after `hit build`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseBuildArgs(args: string[], cpus: number): BuildArgs {
  const { values, positionals, repeated } = parseOptions("build", BUILD_OPTIONS, args);
  const { overrides, others } = splitOverrides("build", positionals);
  if (others.length > 1) throw usageError("build", `unexpected argument "${others[1]}"`);
  const option = values.profile as string | undefined;
  if (option !== undefined && others.length > 0) {
    throw usageError("build", `profile given twice: "${others[0]}" and "${option}"`);
  }
  const profile = option ?? others[0] ?? "default.yaml";
  return buildArgsFrom("build", { values, repeated, profile, overrides, cpus });
}

/**
 * The build options of a command line whose profile and overrides are already known (shared
 * by `hit build` and `hit develop`).
 * @throws {HitError} (exit 2) on bad usage.
 */
export function buildArgsFrom(
  command: string,
  parsed: {
    values: Record<string, string | true>;
    repeated?: Record<string, string[]>;
    profile: string;
    overrides: Record<string, string>;
    cpus: number;
  },
): BuildArgs {
  const { values, repeated, profile, overrides, cpus } = parsed;
  let jobs = cpus;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!/^\d{1,5}$/.test(String(values.jobs)) || jobs < 1) {
      throw usageError(command, `"-j" needs a whole number of CPUs, got "${values.jobs}"`);
    }
  }
  let output = values.output as string | undefined;
  if (output === undefined) {
    if (!profile.endsWith(".yaml") && command === "build") {
      throw usageError(
        "build",
        `the profile "${profile}" does not end in ".yaml"`,
        'name the link with "-o NAME"',
      );
    }
    output = basename(profile, ".yaml");
  }
  const sandbox = values.sandbox as string | undefined;
  if (sandbox !== undefined && !(SANDBOX_NAMES as readonly string[]).includes(sandbox)) {
    throw usageError(
      command,
      `unknown sandbox "${sandbox}"`,
      `use ${SANDBOX_NAMES.map((name) => `"${name}"`).join(", ")}`,
    );
  }
  if (values["keep-build"] && values["no-keep-build"]) {
    throw usageError(command, `"--keep-build" and "--no-keep-build" conflict`);
  }
  if (values.keep && !values.check) {
    throw usageError(command, `"--keep" keeps the second builds of "--check"; give both`);
  }
  return {
    profile,
    overrides,
    jobs,
    serial: values.serial === true,
    keepGoing: values["keep-going"] === true,
    output,
    keepBuild: values["keep-build"] ? "always" : values["no-keep-build"] ? "never" : "error",
    sandbox: sandbox as SandboxName | undefined,
    packages: values.package === undefined ? [] : [values.package as string],
    offline: values.offline === true,
    mirrors: repeated?.mirror ?? [],
    verbose: values.verbose === true,
    check: values.check === true,
    keep: values.keep === true,
    executor: executorArgs(command, values, repeated),
    jobsGiven: values.jobs !== undefined,
    push: values.push === true,
    noRemote: values["no-remote"] === true,
    quiet: values.quiet === true || values.json === true,
    dryRun: values["dry-run"] === true,
    json: values.json === true,
  };
}

/** The `build` command. */
export const buildCommand: Command = {
  name: "build",
  summary: "build the packages of a profile and link the profile",
  usage: `hit build [PROFILE] [-j N] [-k] [-o NAME] [--sandbox KIND] [NAME=VALUE ...]
       hit build --check [PROFILE] [--package NAME] [--keep]

Builds every package of the profile that is not in the store yet (from source, in the OS
sandbox), then the profile artifact, and points the link NAME (default: the profile's file
name without ".yaml") in the current folder at it. Packages whose build dependencies are built
build at once; together they never use more than N CPUs (each gets its share as
HASHDIST_CPU_COUNT). After a failure no new build starts (with -k, every package that does not
depend on it still builds); Ctrl-C stops every build and leaves only complete artifacts.
With --executor slurm, each missing package builds as a Slurm batch job instead, asking for N
CPUs (default: a node), on a store every node mounts (see "Clusters" in the README).

With --check, builds each package that is in the store again, in a fresh staging folder under
the same sandbox, and compares it with the stored artifact (hit's own files and the log
excepted): prints "reproducible" or the paths that differ with a hint each, and exits 1 when
any differs. The store is not changed; --keep keeps the second builds and prints where.

Before building a package, the remotes ("hit remote") are asked for its artifact; what they
hold is pulled instead (--no-remote builds everything here). --push uploads the result.

examples:
  hit build examples/stack.yaml
  hit build stack.yaml -j 4 -k -o mystack
  hit build stack.yaml --push
  hit build --check examples/stack.yaml --package libgreet --keep
  hit build stack.yaml --executor slurm --slurm-partition compute --slurm-time 1:00:00`,
  options: BUILD_OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    return await runBuild(parseBuildArgs(args, navigator.hardwareConcurrency || 1), context);
  },
};

/** What `hit develop` asks of a build: a writable profile in `target` instead of the store. */
export interface DevelopRequest {
  target: string;
  link: LinkAction;
}

/**
 * Runs a build: packages into the store, then the profile artifact and its link, or, for
 * `hit develop`, the profile into a folder of the user's.
 */
export async function runBuild(
  parsed: BuildArgs,
  context: CommandContext,
  develop?: DevelopRequest,
): Promise<number> {
  {
    const resolved = await resolveProfileArg(parsed.profile, context, {
      overrides: parsed.overrides,
      requirePackages: true,
    });
    for (const name of parsed.packages) {
      if (!resolved.packages.has(name)) {
        throw new HitError(`build: no package "${name}" in profile "${parsed.profile}"`);
      }
    }
    // Sources (source_options.ts): --offline or HIT_OFFLINE, --mirror; offline, every missing
    // source is listed at once before any build starts.
    const offline = isOffline(parsed.offline, context.env);
    const config = withMirrors(await commandConfig(context), parsed.mirrors, context.cwd);
    if (offline) {
      await checkOfflineSources(resolved, config, {
        only: parsed.packages,
        fetchCommand: prefetchCommand(parsed.profile, parsed.overrides),
      });
    }
    if (parsed.dryRun) {
      const profileBuilt = await artifactState(config.buildStore, resolved.profileArtifactId) ===
        "built";
      // Which packages a remote has: a manifest check per package, not with --offline.
      const remotes = await openPullRemotes(config, context.env, {
        noRemote: parsed.noRemote || offline,
        offline,
      });
      const plan = await planBuild(resolved, config, {
        only: parsed.packages,
        profileBuilt,
        remotes,
      });
      await context.stdout.write(
        parsed.json ? JSON.stringify(buildPlanJson(plan), null, 2) + "\n" : renderBuildPlan(plan),
      );
      return 0;
    }
    const started = performance.now();
    const setup = await buildSandbox(parsed.sandbox, {
      config,
      parameters: { ...resolved.profile.parameters, ...parsed.overrides },
      context,
      quiet: parsed.quiet,
    });
    const sandbox = setup.kind;
    const link = parsed.packages.length > 0 || develop
      ? undefined
      : resolve(context.cwd, parsed.output);
    if (link !== undefined) await checkLinkFolder(link);
    const controller = new AbortController();
    // The temp files of downloads a killed `hit` left behind.
    await reclaimDownloads(openSourceCache(config));
    using workers = new FetchWorkers();
    // Until the progress view exists, warnings go straight to stderr.
    let warn = (message: string) => {
      context.stderr.write(`warning: ${message}\n`).catch(() => {});
    };
    const sources = openSourceStore(config, {
      offline,
      env: context.env,
      signal: controller.signal,
      downloader: workers.download,
      onWarning: (message) => warn(message),
    });
    const remotes = await openPullRemotes(config, context.env, {
      noRemote: parsed.noRemote,
      offline,
    });
    const pushTo = parsed.push ? pushTarget(config, undefined) : undefined;
    // Held shared for the whole run: no `hit gc` removes what this run built before it is linked.
    using _gcLock = await holdBuildLock(config.buildStore, {
      onWait: () => context.stderr.write("waiting for hit gc to finish\n").catch(() => {}),
    });
    // How many artifacts came from each remote, for the summary.
    const pulledFrom = new Map<string, number>();
    // Under the build lock: no `hit gc` runs, and each leftover is checked under its own lock.
    await reclaimAndReport(config, context, { quiet: parsed.quiet });
    using _interrupts = listenForInterrupts(controller);
    const build: BuildContext = {
      config,
      sandbox,
      setup,
      onWarning: (message) => warn(message),
      self: context.self(),
      unpackSource: (key, target) => sources.unpack(key, target),
      cpuCount: parsed.jobs,
      keepBuild: parsed.keepBuild,
      signal: controller.signal,
    };
    if (parsed.check) {
      let results;
      {
        await using progress = openProgress(parsed, context);
        results = await runCheck(resolved, parsed, build, {
          sources,
          onEvent: (event) => progress.event(event),
        });
      }
      // After the progress block is gone: the report is the command's output.
      await context.stdout.write(renderCheckResults(results));
      return results.some((result) => result.differences.length > 0) ? 1 : 0;
    }
    let result;
    try {
      await using progress = openProgress(parsed, context);
      warn = (message) => progress.event({ type: "warning", message });
      result = await buildProfile(resolved, sources, build, {
        link,
        only: parsed.packages.length > 0
          ? parsed.packages
          : develop
          ? resolved.buildOrder
          : undefined,
        serial: parsed.serial,
        machineBudget: !parsed.jobsGiven,
        keepGoing: parsed.keepGoing,
        onEvent: (event) => {
          if (event.type === "pulled") {
            pulledFrom.set(event.from, (pulledFrom.get(event.from) ?? 0) + 1);
          }
          progress.event(event);
        },
        pull: remotes.length === 0 ? undefined : pullFromRemotes(
          remotes,
          config.buildStore,
          (name, message) => progress.event({ type: "warning", name, message }),
        ),
        executor: chooseExecutor(parsed.executor, config, build, {
          env: context.env,
          cpus: parsed.jobsGiven ? parsed.jobs : undefined,
        }),
      });
    } catch (error) {
      if (error instanceof PackagesFailed) await context.stderr.write(renderLogTails(error));
      throw error;
    }
    if (develop) {
      await developProfile(resolved, develop, {
        config,
        sandbox,
        setup,
        self: context.self(),
        unpackSource: (key, target) => sources.unpack(key, target),
        cpuCount: parsed.jobs,
        keepBuild: parsed.keepBuild,
      });
      await context.stdout.write(`Development profile ${develop.target} successful\n`);
      return 0;
    }
    const pulledNote = result.pulled.length === 0
      ? ""
      : ` (pulled ${
        [...pulledFrom].map(([remote, count]) => `${count} from "${remote}"`).join(", ")
      }, built ${result.built.length})`;
    if (result.link !== undefined) {
      await recordProfileFile(config.cache, result.link, resolve(context.cwd, resolved.path));
    }
    const summary: BuildResult = {
      built: result.built,
      pulled: result.pulled,
      present: result.cached,
      link: result.link ?? null,
      seconds: (performance.now() - started) / 1000,
    };
    if (parsed.json) {
      await context.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    } else if (result.link !== undefined) {
      if (!parsed.quiet) await context.stderr.write(renderBuildSummary(summary));
      const verb = result.built.length === 0 && result.pulled.length === 0
        ? "Up to date"
        : "Profile build successful";
      await context.stdout.write(`${verb}, link at: ${parsed.output}${pulledNote}\n`);
    } else {
      if (!parsed.quiet) await context.stderr.write(renderBuildSummary(summary));
      await context.stdout.write(
        `built ${result.built.length}, already built ${result.cached.length}${pulledNote}\n`,
      );
    }
    if (pushTo !== undefined) {
      // Every package, build-only ones too: a node that pulls them builds nothing.
      const names = parsed.packages.length > 0 ? parsed.packages : resolved.buildOrder;
      const ids = names.map((name) => resolved.packages.get(name)!.artifactId);
      if (result.profileDir !== undefined) ids.push(resolved.profileArtifactId);
      await pushClosure(ids, pushTo, config, context);
    }
    return 0;
  }
}

/**
 * Checks, before anything is built, that the profile link can be made in its folder.
 * @throws {HitError} naming the folder when it is missing, not a folder, or not writable.
 */
async function checkLinkFolder(link: string): Promise<void> {
  try {
    const probe = await Deno.makeTempFile({ dir: dirname(link), prefix: ".hit-link-" });
    await Deno.remove(probe);
  } catch (error) {
    throw fileError(`build: make the profile link "${link}"`, error, dirname(link));
  }
}

/** The last lines of the log of each failed package, for stderr. */
export function renderLogTails(error: PackagesFailed): string {
  return error.failures.map(({ name, error }) =>
    error instanceof BuildFailure && error.logTail.length > 0
      ? `--- ${name}: last ${error.logTail.length} lines of ${error.logPath} ---\n` +
        error.logTail.join("\n") + "\n---\n"
      : ""
  ).join("");
}

/** The progress display of a build on stderr: live, plain lines or nothing. */
function openProgress(parsed: BuildArgs, context: CommandContext): ProgressWriter {
  return new ProgressWriter(context.stderr, {
    mode: chooseProgressMode({
      isTerminal: context.stderr.isTerminal,
      term: context.env.TERM,
      quiet: parsed.quiet,
    }),
    color: !context.noColor,
    verbose: parsed.verbose,
    now: () => performance.now(),
    clock: () => new Date(),
    size: terminalSize,
  });
}

/** The terminal's size for the live progress block; 80×24 when it cannot be read. */
function terminalSize(): { columns: number; rows: number } {
  try {
    return Deno.consoleSize();
  } catch {
    return { columns: 80, rows: 24 };
  }
}
