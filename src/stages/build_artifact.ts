/**
 * The build stage: turns one build spec into an artifact in the store (HASHDIST.md §6.3).
 * Takes the artifact's lock, re-checks the store, prepares a build folder with the sources,
 * runs the job under the OS sandbox with the artifact's staging folder bound at its final
 * path, then commits by rename. Writes only the build folder, the staging folder and the log.
 */
import { join } from "node:path";
import { HitError } from "../errors.ts";
import {
  artifactDir,
  artifactState,
  ArtifactWrite,
  formatStoreJson,
  removeTree,
  writeReadOnly,
} from "../core/build_store.ts";
import type { Config } from "../core/config.ts";
import { KEPT_MARKER } from "../core/leftovers.ts";
import { type JobImport, type ProcessRunner, runJob, SOURCE_DATE_EPOCH } from "../core/run_job.ts";
import { fixMtimes } from "../core/source_mtimes.ts";
import { VERSION } from "../version.ts";
import type { ValueMap } from "../spec/values.ts";
import { LogPipes, readLogTail, writeAll } from "./log_pipes.ts";
import {
  sandboxCommand,
  type SandboxKind,
  type SandboxMounts,
  type SandboxSetup,
} from "./sandbox.ts";
import { checkArtifactFiles } from "../core/artifact_check.ts";
import { giveBack, giveTree, hitUser, setupForBuild } from "./build_user.ts";

/** How to run `hit` itself inside a job: the program, and what the sandbox must show it. */
export interface SelfCommand {
  argv: string[];
  /** Host paths the program needs, bound read-only in the sandbox. */
  readOnly: string[];
  /** Variables the program needs besides the job's environment (`DENO_DIR`). */
  env: Record<string, string>;
}

/** Unpacks the source `key` into `target` (the build folder or a folder below it). */
export type SourceUnpacker = (key: string, target: string) => Promise<void>;

/** Everything a build needs besides its spec. */
export interface BuildContext {
  config: Config;
  sandbox: SandboxKind;
  /** How to start processes under the sandbox (sandbox_select.ts); none with `none`. */
  setup?: SandboxSetup;
  /** Told of files the artifact check took setuid/setgid bits from. */
  onWarning?: (message: string) => void;
  self: SelfCommand;
  unpackSource: SourceUnpacker;
  /** `HASHDIST_CPU_COUNT` for package builds. */
  cpuCount: number;
  /** Keep the build folder: always, never, or only when the build fails (the default). */
  keepBuild: "always" | "never" | "error";
  /** Each line of build output, as it comes (for `-v` and progress). */
  onOutput?: (line: string) => void;
  /** Aborting it kills the build's processes; the build folder then goes too. */
  signal?: AbortSignal;
  /** The host name recorded in `build-info.json` and the log (default: this machine's). */
  host?: string;
}

/** What a build did. */
export interface BuildOutcome {
  /** `cached` when another process (or an earlier run) had already built it. */
  status: "built" | "cached";
  /** The artifact's folder; for a check build, the uncommitted staging folder holding it. */
  dir: string;
  /** The kept build folder, if any. */
  buildDir?: string;
}

/** A failed build: the error, with the log's path and last lines. */
export class BuildFailure extends HitError {
  logPath: string;
  logTail: string[];
  buildDir?: string;

  constructor(
    message: string,
    options: { logPath: string; logTail: string[]; buildDir?: string; cause?: unknown },
  ) {
    super(message, {
      hint: options.buildDir ? `the build folder is kept: ${options.buildDir}` : undefined,
      cause: options.cause,
    });
    this.logPath = options.logPath;
    this.logTail = options.logTail;
    this.buildDir = options.buildDir;
  }
}

/**
 * Builds artifact `id` from `spec` unless the store has it. With `check`, builds it again
 * although the store has it, into a staging folder seen by the job at the artifact's path, and
 * returns that folder uncommitted (`hit build --check`): the store is not changed.
 * @throws {BuildFailure} when the job fails; {HitError} for a missing import or source, or a
 * check of an artifact that is not built or without the sandbox.
 */
export async function buildArtifact(
  spec: ValueMap,
  id: string,
  options: { isProfile: boolean; check?: boolean },
  context: BuildContext,
): Promise<BuildOutcome> {
  const store = context.config.buildStore;
  if (options.check) await checkRebuildPossible(store, id, context.sandbox);
  // Unsandboxed, the job must run at the final path, so it builds there (HashDist's way). A
  // check build is never committed and leaves the store as it is; its caller holds the lock.
  await using artifact = await ArtifactWrite.begin(store, id, {
    staged: context.sandbox === "bwrap",
    check: options.check === true,
  });
  if (artifact === undefined) return { status: "cached", dir: artifactDir(store, id) };
  const started = new Date();
  const host = context.host ?? Deno.hostname();
  const buildDir = await makeBuildDir(context.config.buildTemp, id);
  const logPath = join(buildDir, "_hashdist", "build.log");
  let log: Deno.FsFile | undefined;
  try {
    const artifactJson = await artifact.describe(spec, context.sandbox);
    const deps = artifactJson.dependencies.map((dep) => artifactDir(store, dep));
    const { setup, buildUid } = await setupForBuild(
      context.setup,
      { given: [buildDir, artifact.outputDir], shown: [...deps, ...context.self.readOnly] },
      (message) => context.onWarning?.(`build "${id}": ${message}`),
    );
    if (setup?.details) {
      artifactJson.sandbox_details = buildUid === undefined
        ? setup.details
        : { ...setup.details, build_uid: buildUid };
    }
    await Deno.mkdir(join(buildDir, "job"));
    await Deno.mkdir(join(buildDir, "_hashdist"));
    // Read back through this handle, never by path: the build can replace the path with a
    // symlink to a host file, or a FIFO.
    log = await Deno.open(logPath, { read: true, create: true, append: true });
    await writeAll(
      log,
      encode(`hit ${VERSION}: build of ${id} on ${host} started ${started.toISOString()}\n`),
    );
    await writeReadOnly(join(buildDir, "build.json"), formatStoreJson(spec) + "\n");
    for (const source of sourcesOf(spec)) {
      await context.unpackSource(source.key, join(buildDir, source.target));
    }
    await fixMtimes(buildDir, SOURCE_DATE_EPOCH);
    const mounts: SandboxMounts = {
      writable: [{ from: buildDir, to: buildDir }, { from: artifact.outputDir, to: artifact.dir }],
      readOnly: deps,
      tmp: join(buildDir, "_hashdist", "tmp"),
    };
    await Deno.mkdir(mounts.tmp!);
    const user = setup?.buildUser;
    if (user !== undefined) {
      await giveTree(buildDir, user);
      await giveTree(artifact.outputDir, user);
      // The log stays hit's: the build writes it through its output only.
      await giveTree(logPath, hitUser());
    }
    const runner = makeRunner({ ...context, setup }, mounts, log);
    await using pipes = new LogPipes(join(buildDir, "job"), log);
    await runJob(spec.build as ValueMap, {
      buildDir,
      artifactDir: artifact.dir,
      jobDir: join(buildDir, "job"),
      imports: importsOf(spec, store),
      cpuCount: options.isProfile ? undefined : context.cpuCount,
      configJson: JSON.stringify(configDocument(context.config)),
      run: runner,
      logpipe: (heading, level) => pipes.open(heading, level),
    });
    await pipes.close();
    const finished = new Date();
    await writeAll(log, encode(`hit: build of ${id} finished ${finished.toISOString()}\n`));
    await checkArtifactFiles(artifact.outputDir, {
      onStripped: (message) => context.onWarning?.(`build "${id}": ${message}`),
    });
    // After the check: a change of owner would take setuid bits off without its warning.
    if (user !== undefined) await giveBack(artifact.outputDir);
    await artifact.commit({
      log,
      spec,
      artifactJson,
      buildInfo: {
        hit_version: VERSION,
        host,
        started: started.toISOString(),
        finished: finished.toISOString(),
      },
    });
    log.close();
    log = undefined;
    const keep = context.keepBuild === "always" && !options.isProfile;
    if (keep) await markKept(buildDir);
    else await removeTree(buildDir);
    const kept = keep ? buildDir : undefined;
    return {
      status: "built",
      dir: options.check ? artifact.outputDir : artifact.dir,
      buildDir: kept,
    };
  } catch (error) {
    const keep = context.keepBuild !== "never" && !options.isProfile && !context.signal?.aborted;
    // The tail is shown even when the folder goes (a failed profile build says why).
    const tail = log !== undefined ? await readLogTail(log, 20) : [];
    log?.close();
    await artifact.discard();
    if (keep) await markKept(buildDir);
    else await removeTree(buildDir);
    if (error instanceof HitError || error instanceof Error) {
      throw new BuildFailure(`build "${id}": ${error.message}`, {
        logPath,
        logTail: tail,
        buildDir: keep ? buildDir : undefined,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * A check build needs the artifact in the store (to compare with) and the sandbox (to show the
 * job its staging folder at the artifact's path without touching the stored one).
 */
async function checkRebuildPossible(
  store: string,
  id: string,
  sandbox: SandboxKind,
): Promise<void> {
  if (await artifactState(store, id) !== "built") {
    throw new HitError(`check "${id}": the artifact is not in the store`, {
      hint: 'build it first with "hit build", then check it',
    });
  }
  if (sandbox !== "bwrap") {
    throw new HitError(`check "${id}": a check build needs the bwrap sandbox`, {
      hint: `this build would use "${sandbox}", under which the second build would have to ` +
        "write into the stored artifact; run the check with --sandbox=bwrap (bubblewrap)",
    });
  }
}

/** The configuration as in-job `hit` commands receive it (`HDIST_CONFIG`, Q14). */
export function configDocument(config: Config): Record<string, unknown> {
  return {
    build_stores: [{ dir: config.buildStore }],
    source_caches: [{ dir: config.sourceCache }, ...config.mirrors.map((url) => ({ url }))],
    build_temp: config.buildTemp,
    cache: config.cache,
    gc_roots: config.gcRoots,
  };
}

/** Marks a build folder as kept on purpose: no later `hit build` reclaims it, only `hit gc`. */
async function markKept(buildDir: string): Promise<void> {
  try {
    // `createNew` never follows a symlink the build may have left at that name.
    await Deno.writeTextFile(join(buildDir, KEPT_MARKER), "", { createNew: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
}

async function makeBuildDir(buildTemp: string, id: string): Promise<string> {
  const [name, hash] = id.split("/");
  const base = join(buildTemp, `${name}-${hash.slice(0, 12)}`);
  for (let i = 0;; i++) {
    const dir = i === 0 ? base : `${base}-${i}`;
    try {
      await Deno.mkdir(dir, { recursive: false });
      return dir;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
}

function sourcesOf(spec: ValueMap): { key: string; target: string }[] {
  const sources = spec.sources;
  if (!Array.isArray(sources)) return [];
  return sources.map((source) => {
    const { key, target } = source as ValueMap;
    const dir = String(target ?? ".");
    if (dir.startsWith("/") || dir.split("/").includes("..")) {
      throw new HitError(`unpack source "${key}": target "${dir}" leaves the build folder`);
    }
    return { key: String(key), target: dir };
  });
}

function importsOf(spec: ValueMap, store: string): JobImport[] {
  const build = spec.build as ValueMap;
  const list = Array.isArray(build.import) ? build.import : [];
  return list.map((entry) => {
    const { id, ref } = entry as ValueMap;
    return {
      id: String(id),
      ref: ref === null || ref === undefined ? null : String(ref),
      dir: artifactDir(store, String(id)),
    };
  });
}

function encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The longest line of build output handed to `onOutput`. */
const MAX_LINE = 64 * 1024;

/**
 * The process runner of a job: each process under the sandbox with `mounts` (or directly with
 * `--sandbox=none`), output appended to `log`. Only in-build `hit` commands see the `hit`
 * runtime; the build's own scripts do not.
 */
export function makeRunner(
  context: Pick<BuildContext, "setup" | "self" | "signal" | "onOutput">,
  mounts: SandboxMounts,
  log: Deno.FsFile,
): ProcessRunner {
  const withSelf: SandboxMounts = {
    ...mounts,
    readOnly: [...new Set([...mounts.readOnly, ...context.self.readOnly])],
  };
  return async (request) => {
    if (context.signal?.aborted) throw new HitError("run job: the build was interrupted");
    const isHit = request.kind === "hit";
    const argv = isHit ? [...context.self.argv, ...request.argv] : request.argv;
    const env = isHit ? { ...request.env, ...context.self.env } : request.env;
    const start = sandboxCommand(context.setup, isHit ? withSelf : mounts, {
      argv,
      env,
      cwd: request.cwd,
    });
    const child = new Deno.Command(start.program, {
      args: start.args,
      env: start.env,
      clearEnv: true,
      cwd: start.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // Its own session and process group: a terminal's Ctrl-C reaches `hit` alone, which then
      // kills the group (bwrap's `--die-with-parent` takes the sandbox down with it).
      detached: true,
    }).spawn();
    const kill = () => {
      try {
        Deno.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is gone already.
      }
    };
    context.signal?.addEventListener("abort", kill, { once: true });
    const captured: Uint8Array[] = [];
    const pump = async (stream: ReadableStream<Uint8Array>, capture: boolean) => {
      const decoder = new TextDecoder();
      let pending = "";
      for await (const chunk of stream) {
        if (capture) {
          captured.push(chunk);
          continue;
        }
        await writeAll(log, chunk);
        if (context.onOutput) {
          pending += decoder.decode(chunk, { stream: true });
          const lines = pending.split("\n");
          pending = lines.pop()!;
          // A line longer than MAX_LINE is shown cut short rather than held whole.
          if (pending.length > MAX_LINE) lines.push(pending.slice(0, MAX_LINE));
          if (pending.length > MAX_LINE) pending = "";
          for (const line of lines) context.onOutput(line);
        }
      }
      if (pending && context.onOutput) context.onOutput(pending);
    };
    const [status] = await Promise.all([
      child.status,
      pump(child.stdout, request.captureStdout),
      pump(child.stderr, false),
    ]).finally(() => context.signal?.removeEventListener("abort", kill));
    return {
      code: status.code,
      stdout: request.captureStdout ? new TextDecoder().decode(concat(captured)) : undefined,
    };
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
