/**
 * The plan of a Slurm build (ENGINES.md §2.7), pure: which packages share a job
 * (`--slurm-group`), the `sbatch` arguments of each job, the command the job runs, and the
 * build request file through which the login node hands one artifact to `hit build-artifact`
 * on a compute node. Runs nothing and touches no file.
 */
import { HitError } from "../errors.ts";
import { configDocument, type SelfCommand } from "./build_artifact.ts";
import type { Config } from "../core/config.ts";
import { configFromJson } from "../core/config.ts";
import { isMap, type ValueMap } from "../spec/values.ts";
import { shellWord } from "./missing_sources.ts";
import type { BuildUser, SandboxKind, SandboxLimits } from "./sandbox.ts";

/** How jobs are submitted: `--slurm-*` options, or the `executor:` configuration key. */
export interface SlurmOptions {
  partition?: string;
  /** `--time` of each job, in Slurm's format (`MM`, `HH:MM:SS`, `D-HH`). */
  time?: string;
  account?: string;
  qos?: string;
  /** More `sbatch` arguments, as they are. */
  extraArgs: string[];
  /** Build a chain of up to this many packages in one job (1: one job per package). */
  group: number;
}

/** A package of the run, as the plan needs it. */
export interface PlannedPackage {
  name: string;
  id: string;
  /** Its build dependencies among the packages of the run. */
  deps: readonly string[];
}

/** One Slurm job: packages built one after the other, and the jobs it waits for. */
export interface JobGroup {
  /** In build order; each but the first depends on the one before it. */
  members: string[];
  /** Indices (into the plan) of the jobs of its members' dependencies. */
  after: number[];
}

/**
 * The jobs of a run, in submission order. With `group` > 1, a package joins the job of its one
 * build dependency when it is that dependency's only dependant in the run (a chain), up to
 * `group` packages a job: each job and each dependency level costs about a second of Slurm.
 */
export function planJobGroups(packages: readonly PlannedPackage[], group: number): JobGroup[] {
  const dependants = new Map<string, number>();
  for (const pkg of packages) {
    for (const dep of pkg.deps) dependants.set(dep, (dependants.get(dep) ?? 0) + 1);
  }
  const groups: JobGroup[] = [];
  const groupOf = new Map<string, number>();
  for (const pkg of packages) {
    const only = pkg.deps.length === 1 ? pkg.deps[0] : undefined;
    const joined = only === undefined ? undefined : groupOf.get(only);
    if (
      joined !== undefined && dependants.get(only!) === 1 &&
      groups[joined].members.at(-1) === only && groups[joined].members.length < group
    ) {
      groups[joined].members.push(pkg.name);
      groupOf.set(pkg.name, joined);
      continue;
    }
    const after = [...new Set(pkg.deps.map((dep) => groupOf.get(dep)))]
      .filter((index): index is number => index !== undefined);
    groupOf.set(pkg.name, groups.length);
    groups.push({ members: [pkg.name], after });
  }
  return groups;
}

/** The `sbatch` arguments of one job (without `--parsable`). */
export function sbatchArgs(
  job: {
    name: string;
    after: readonly string[];
    cpus: number;
    /** Its working folder and log file: on the shared store, as the login node's may not be. */
    dir: string;
    output: string;
    command: string;
  },
  options: SlurmOptions,
): string[] {
  return [
    `--job-name=${job.name}`,
    ...(job.after.length > 0 ? [`--dependency=afterok:${job.after.join(":")}`] : []),
    // Dependants of a failed job are cancelled instead of pending forever (ENGINES.md §2.5).
    "--kill-on-invalid-dep=yes",
    "--nodes=1",
    "--ntasks=1",
    `--cpus-per-task=${job.cpus}`,
    `--chdir=${job.dir}`,
    `--output=${job.output}`,
    ...(options.partition ? [`--partition=${options.partition}`] : []),
    ...(options.time ? [`--time=${options.time}`] : []),
    ...(options.account ? [`--account=${options.account}`] : []),
    ...(options.qos ? [`--qos=${options.qos}`] : []),
    ...options.extraArgs,
    `--wrap=${job.command}`,
  ];
}

/** The job name of a package: `hit:NAME/HASH7`, `+N` more packages when grouped. */
export function jobName(id: string, more: number): string {
  const [name, hash] = id.split("/");
  return `hit:${name}/${hash.slice(0, 7)}${more > 0 ? `+${more}` : ""}`;
}

/** The shell command a job runs: `hit build-artifact` on its request files. */
export function jobCommand(self: SelfCommand, requests: readonly string[]): string {
  const env = Object.entries(self.env).map(([key, value]) => shellWord(`${key}=${value}`));
  return [
    "exec",
    ...(env.length > 0 ? ["env", ...env] : []),
    ...[...self.argv, "build-artifact", ...requests].map(shellWord),
  ].join(" ");
}

/** What `hit build-artifact` is asked to build: one artifact, with everything it needs. */
export interface BuildRequest {
  id: string;
  name: string;
  spec: ValueMap;
  /** The sandbox the login node chose; the node starts the same kind. */
  sandbox: SandboxKind;
  limits: SandboxLimits;
  /** Host folders the sandbox shows (`sandbox_paths`, the profile's HOST_* tools). */
  hostPaths: string[];
  keepBuild: "always" | "never" | "error";
  cpus: number;
  config: Config;
  /** The user a root build runs as (`sandbox_uid:`), when the login node's `hit` is root. */
  buildUser?: BuildUser;
}

/** The JSON text of a build request file. */
export function formatBuildRequest(request: BuildRequest): string {
  return JSON.stringify({
    hit_build_request: 1,
    id: request.id,
    name: request.name,
    spec: request.spec,
    sandbox: request.sandbox,
    limits: request.limits,
    host_paths: request.hostPaths,
    keep_build: request.keepBuild,
    cpus: request.cpus,
    config: configDocument(request.config),
    ...(request.buildUser === undefined ? {} : { build_user: request.buildUser }),
  }) + "\n";
}

/**
 * Reads a build request file's text.
 * @throws {HitError} naming `file` when it is not one.
 */
export function parseBuildRequest(text: string, file: string): BuildRequest {
  const fail = (why: string): never => {
    throw new HitError(`read build request: ${why}`, {
      location: { file },
      hint: `build requests are written by "hit build --executor slurm"; submit the build again`,
    });
  };
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(text);
  } catch {
    fail("not JSON");
  }
  if (doc?.hit_build_request !== 1) fail("not a hit build request");
  const { id, name, spec, sandbox, limits, host_paths: hostPaths, keep_build: keepBuild, cpus } =
    doc;
  if (typeof id !== "string" || !id.includes("/") || typeof name !== "string") fail("no id");
  if (!isMap(spec as ValueMap)) fail(`"spec" must be a build spec`);
  if (sandbox !== "bwrap" && sandbox !== "landlock" && sandbox !== "none") {
    fail(`"sandbox" must be "bwrap", "landlock" or "none"`);
  }
  if (!isMap(limits as ValueMap)) fail(`"limits" must be a mapping`);
  if (!Array.isArray(hostPaths) || !hostPaths.every((path) => typeof path === "string")) {
    fail(`"host_paths" must be a list of paths`);
  }
  if (keepBuild !== "always" && keepBuild !== "never" && keepBuild !== "error") {
    fail(`"keep_build" must be "always", "never" or "error"`);
  }
  if (!Number.isInteger(cpus) || (cpus as number) < 1) fail(`"cpus" must be a whole number`);
  const user = doc.build_user as BuildUser | undefined;
  if (user !== undefined && !(Number.isInteger(user?.uid) && Number.isInteger(user?.gid))) {
    fail(`"build_user" must be a uid and a gid`);
  }
  return {
    id: id as string,
    name: name as string,
    spec: spec as ValueMap,
    sandbox: sandbox as SandboxKind,
    limits: limits as SandboxLimits,
    hostPaths: hostPaths as string[],
    keepBuild: keepBuild as BuildRequest["keepBuild"],
    cpus: cpus as number,
    config: configFromJson(JSON.stringify(doc.config)),
    ...(user === undefined ? {} : { buildUser: { uid: user.uid, gid: user.gid } }),
  };
}
