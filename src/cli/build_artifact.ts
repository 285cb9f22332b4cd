/**
 * `hit build-artifact REQUEST.json…`: what a Slurm job runs on a compute node. Builds each
 * requested artifact in order, offline, against the shared store and source cache: it first
 * checks that the node sees the store and the source cache and that every dependency is in the
 * store, then builds in the sandbox and commits under the artifact's lock. Build output goes to
 * stdout, which is the job's log.
 */
import { HitError } from "../errors.ts";
import { artifactState } from "../core/build_store.ts";
import { FileLock } from "../core/locks.ts";
import { buildArtifact, BuildFailure } from "../stages/build_artifact.ts";
import { chooseSandbox } from "../stages/sandbox_select.ts";
import { sandboxFilesDir } from "../stages/sandbox_bwrap.ts";
import { openSourceStore } from "../stages/source_store.ts";
import { type BuildRequest, parseBuildRequest } from "../stages/slurm_plan.ts";
import type { ValueMap } from "../spec/values.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";

/** Exit code when the node cannot build: the store is not visible or a dependency is missing. */
export const NOT_READY_EXIT = 66;

const OPTIONS: readonly OptionSpec[] = [
  { name: "offline", description: "accepted for clarity: builds never use the network" },
];

/**
 * Parses the arguments after `hit build-artifact`: the request files.
 * @throws {HitError} (exit 2) without one.
 */
export function parseBuildArtifactArgs(args: string[]): string[] {
  const { positionals } = parseOptions("build-artifact", OPTIONS, args);
  if (positionals.length === 0) throw usageError("build-artifact", "missing a build request file");
  return positionals;
}

/** The `build-artifact` command. */
export const buildArtifactCommand: Command = {
  name: "build-artifact",
  summary: "build artifacts from build request files (what Slurm jobs of hit build run)",
  usage: `hit build-artifact REQUEST.json [REQUEST.json ...]

Builds the artifact of each request file, in order, offline, into the store the request names,
after checking that this machine sees the store and the source cache at the same paths and that
every dependency is built. "hit build --executor slurm" writes the request files and submits
jobs that run this command; it is not meant to be run by hand, but can be, to retry one.

example:
  hit build-artifact ~/.hashdist/bld/.slurm/20261207T230000-4711/zlib-abcdefghijkl.json`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const files = parseBuildArtifactArgs(args);
    const node = context.env.SLURMD_NODENAME ?? Deno.hostname();
    for (const file of files) {
      const request = await readRequest(file, node);
      await checkReady(request, node);
      await context.stdout.write(`hit: building ${request.id} on ${node}\n`);
      let pending = Promise.resolve();
      // The kind the login node chose, set up for this node (its bwrap, its Landlock stage).
      const setup = await chooseSandbox(request.sandbox, {
        filterDir: sandboxFilesDir(request.config.buildStore),
        limits: request.limits,
        hostPaths: request.hostPaths,
        stage: context.landlockStage?.(),
        // As the login node's root build would: as the unprivileged `sandbox_uid`.
        buildUser: Deno.uid() === 0 ? request.buildUser : undefined,
        env: context.env,
      });
      const sources = openSourceStore(request.config, { offline: true });
      try {
        const outcome = await buildArtifact(request.spec, request.id, { isProfile: false }, {
          config: request.config,
          sandbox: request.sandbox,
          setup,
          onWarning: (message) => {
            pending = pending.then(() => context.stdout.write(`warning: ${message}\n`));
          },
          self: context.self(),
          unpackSource: (key, target) => sources.unpack(key, target),
          cpuCount: request.cpus,
          keepBuild: request.keepBuild,
          onOutput: (line) => {
            pending = pending.then(() => context.stdout.write(line + "\n"));
          },
        });
        await pending;
        await context.stdout.write(
          `hit: ${outcome.status === "built" ? "built" : "already built"} ${request.id}\n`,
        );
      } catch (error) {
        await pending;
        if (error instanceof BuildFailure && error.buildDir) {
          error.addContext(`the build folder is kept on ${node}: ${error.buildDir}`);
        }
        throw error;
      }
    }
    return 0;
  },
};

async function readRequest(file: string, node: string): Promise<BuildRequest> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new HitError(`read build request: node "${node}" does not see ${file}`, {
      hint: "the build store must be on a file system every node mounts at the same path",
      exitCode: NOT_READY_EXIT,
    });
  }
  return parseBuildRequest(text, file);
}

/**
 * Checks that this node sees the store and source cache and that every dependency is built:
 * Slurm counts a dependency on a job it has forgotten as satisfied (ENGINES.md §2.5).
 * @throws {HitError} (exit 66) saying what is missing.
 */
async function checkReady(request: BuildRequest, node: string): Promise<void> {
  const { buildStore, sourceCache } = request.config;
  for (const [what, dir] of [["build store", buildStore], ["source cache", sourceCache]]) {
    try {
      await Deno.stat(dir);
    } catch {
      throw new HitError(`build "${request.id}": node "${node}" does not see the ${what} ${dir}`, {
        hint: "the store and the source cache must be on a file system every node mounts at " +
          "the same path",
        exitCode: NOT_READY_EXIT,
      });
    }
  }
  // Build folders may be on a disk of the node's own.
  await Deno.mkdir(request.config.buildTemp, { recursive: true });
  try {
    const probe = await FileLock.acquire(`${buildStore}/.locks/node-probe.lock`);
    probe.release();
  } catch (error) {
    throw new HitError(`build "${request.id}": cannot lock files in ${buildStore} on "${node}"`, {
      context: [String(error)],
      hint: "the store's file system must support flock() on every node (NFS: use lockd)",
      exitCode: NOT_READY_EXIT,
    });
  }
  const imports = (request.spec.build as ValueMap | undefined)?.import;
  const missing: string[] = [];
  for (const entry of Array.isArray(imports) ? imports : []) {
    const id = String((entry as ValueMap).id);
    if (await artifactState(buildStore, id) !== "built") missing.push(id);
  }
  if (missing.length > 0) {
    throw new HitError(
      `build "${request.id}": its dependencies are not in the store: ${missing.join(", ")}`,
      {
        location: { package: request.name },
        hint: "Slurm counts a dependency on a job it no longer knows as satisfied; run " +
          `"hit build" again to build the dependencies first`,
        exitCode: NOT_READY_EXIT,
      },
    );
  }
}
