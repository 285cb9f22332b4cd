/**
 * The job runner (HASHDIST.md §5.3–5.5): interprets a build spec's job (`set`, `prepend_path`,
 * `cmd`, `hit`, nested `commands` …) into an ordered series of process runs, each with its
 * exact environment and folder. How a process runs (under bwrap or not) is the caller's
 * `ProcessRunner`; this module decides only what runs.
 */
import { isAbsolute, join, normalize } from "node:path";
import { HitError } from "../errors.ts";
import { isMap, type Value, type ValueMap } from "../spec/values.ts";
import { substituteJobVars } from "./job_vars.ts";

/** One import of a job: an artifact and the variable prefix it is known by. */
export interface JobImport {
  id: string;
  ref: string | null;
  /** The artifact's folder in the build store. */
  dir: string;
}

/** A process the job wants run. */
export interface ProcessRequest {
  /** `cmd`: a program and its arguments; `hit`: a `hit` sub-command and its arguments. */
  kind: "cmd" | "hit";
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** Whether stdout is wanted back (`to_var`, `append_to_file`) rather than logged. */
  captureStdout: boolean;
}

/** The outcome of a process run. */
export interface ProcessResult {
  code: number;
  stdout?: string;
}

/** Runs one process of a job; stdout and stderr go to the build log unless captured. */
export type ProcessRunner = (request: ProcessRequest) => Promise<ProcessResult>;

/** Where and how a job runs. */
export interface JobOptions {
  /** The build folder: the job's starting folder (`BUILD`, `PWD`). */
  buildDir: string;
  /** The artifact's final folder (`ARTIFACT`). */
  artifactDir: string;
  /** The job's temporary folder, for `inputs` files. */
  jobDir: string;
  imports: JobImport[];
  /** `HASHDIST_CPU_COUNT`; omitted for profile builds. */
  cpuCount?: number;
  /** `HDIST_CONFIG`: the configuration as compact JSON, for in-job `hit` commands (Q14). */
  configJson: string;
  run: ProcessRunner;
  /**
   * `hit logpipe HEADING LEVEL` (§5.6): makes a FIFO whose lines go to the build log under
   * HEADING at LEVEL, and returns its path. Only the caller owns the log, so it provides this.
   */
  logpipe?: (heading: string, level: string) => Promise<string>;
}

const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

const TYPE_KEYS = [
  "commands",
  "cmd",
  "hit",
  "set",
  "prepend_path",
  "append_path",
  "prepend_flag",
  "append_flag",
  "chdir",
];

/**
 * The fixed time every build job is told it is (`SOURCE_DATE_EPOCH`, reproducible-builds.org):
 * 1980-01-01 00:00:00 UTC, the earliest time a zip archive can hold. Also the mtime of every
 * unpacked source file.
 */
export const SOURCE_DATE_EPOCH = 315532800;

/**
 * What every job's environment holds besides HashDist's variables, so that the same inputs give
 * the same bytes: a fixed build time, UTC, the C locale. A job's `set` commands override them.
 */
export const REPRODUCIBLE_JOB_ENV: Readonly<Record<string, string>> = {
  SOURCE_DATE_EPOCH: String(SOURCE_DATE_EPOCH),
  TZ: "UTC",
  LC_ALL: "C",
};

export { JOB_UMASK } from "./job_umask.ts";

/** The starting environment of a job (§5.4), before `ARTIFACT` is set. */
export function initialJobEnv(options: Omit<JobOptions, "run" | "jobDir">): Record<string, string> {
  const env: Record<string, string> = { ...REPRODUCIBLE_JOB_ENV };
  for (const { id, ref, dir } of options.imports) {
    if (id.startsWith("virtual:")) {
      throw new HitError(`run job: virtual import "${id}" is not supported`);
    }
    if (ref !== null) {
      env[`${ref}_DIR`] = dir;
      env[`${ref}_ID`] = id;
    }
  }
  env.HDIST_IMPORT = options.imports.map((entry) => entry.id).join(" ");
  env.HDIST_IMPORT_PATHS = options.imports.map((entry) => entry.dir).join(":");
  env.PATH = "";
  env.BUILD = options.buildDir;
  if (options.cpuCount !== undefined) env.HASHDIST_CPU_COUNT = String(options.cpuCount);
  env.HDIST_VIRTUALS = "";
  env.HDIST_CONFIG = options.configJson;
  env.PWD = options.buildDir;
  return env;
}

/**
 * Runs the job `job` (`{import, commands}`): `ARTIFACT` is set first, then each command.
 * @throws {HitError} on a malformed command or a command that fails.
 */
export async function runJob(job: ValueMap, options: JobOptions): Promise<void> {
  const commands = job.commands ?? [];
  if (!Array.isArray(commands)) throw new HitError(`run job: "commands" must be a list`);
  const env = initialJobEnv(options);
  await runNode({ set: "ARTIFACT", value: options.artifactDir }, env, [0], options);
  for (let i = 0; i < commands.length; i++) {
    await runNode(commands[i], env, [i + 1], options);
  }
}

async function runNode(
  node: Value,
  env: Record<string, string>,
  position: number[],
  options: JobOptions,
): Promise<void> {
  if (!isMap(node)) throw new HitError(`run job: command ${position.join(".")} is not a mapping`);
  const types = TYPE_KEYS.filter((key) => Object.hasOwn(node, key));
  if (types.length === 0) return;
  if (types.length > 1) {
    throw new HitError(
      `run job: command ${position.join(".")} has more than one type: ${types.join(", ")}`,
    );
  }
  const type = types[0];
  const sub = (text: Value) => substituteJobVars(String(text), env);
  switch (type) {
    case "commands": {
      const nested = node.commands;
      if (!Array.isArray(nested)) throw new HitError(`run job: "commands" must be a list`);
      const scope = { ...env };
      for (let i = 0; i < nested.length; i++) {
        await runNode(nested[i], scope, [...position, i], options);
      }
      return;
    }
    case "set":
      env[String(node.set)] = sub(valueOf(node));
      return;
    case "prepend_path":
    case "append_path":
    case "prepend_flag":
    case "append_flag": {
      const name = String(node[type]);
      const value = sub(valueOf(node));
      const old = env[name] ?? "";
      const separator = type.endsWith("path") ? ":" : " ";
      env[name] = old === ""
        ? value
        : type.startsWith("prepend")
        ? value + separator + old
        : old + separator + value;
      return;
    }
    case "chdir":
      env.PWD = normalize(join(env.PWD, sub(node.chdir)));
      return;
    default:
      await runProcess(type as "cmd" | "hit", node, env, position, options);
  }
}

function valueOf(node: ValueMap): Value {
  if (node.nohash_value !== undefined && node.nohash_value !== null) return node.nohash_value;
  if (node.value === undefined) {
    throw new HitError(`run job: "${Object.keys(node).join(", ")}" needs a "value"`);
  }
  return node.value;
}

async function runProcess(
  kind: "cmd" | "hit",
  node: ValueMap,
  env: Record<string, string>,
  position: number[],
  options: JobOptions,
): Promise<void> {
  const args = node[kind];
  if (!Array.isArray(args) || args.length === 0) {
    throw new HitError(`run job: "${kind}" must be a non-empty list of arguments`);
  }
  const local = { ...env };
  const inputs = node.inputs ?? [];
  if (!Array.isArray(inputs)) throw new HitError(`run job: "inputs" must be a list`);
  for (let i = 0; i < inputs.length; i++) {
    local[`in${i}`] = await writeInput(inputs[i], `${position.join("_")}_in${i}`, options.jobDir);
  }
  const argv = args.map((arg) => substituteJobVars(String(arg), local));
  const capture = node.to_var !== undefined || node.append_to_file !== undefined;
  const result = kind === "hit" && argv[0] === "logpipe"
    ? { code: 0, stdout: await makeLogpipe(argv.slice(1), options) }
    : await options.run({
      kind,
      argv: kind === "cmd" ? [resolveProgram(argv[0], local), ...argv.slice(1)] : argv,
      env: local,
      cwd: local.PWD,
      captureStdout: capture,
    });
  if (result.code !== 0) {
    throw new HitError(
      `run job: ${kind} ${JSON.stringify(argv)} failed with exit code ${result.code}`,
    );
  }
  if (node.to_var !== undefined) env[String(node.to_var)] = (result.stdout ?? "").trim();
  if (node.append_to_file !== undefined) {
    const file = substituteJobVars(String(node.append_to_file), env);
    await Deno.writeTextFile(isAbsolute(file) ? file : join(env.PWD, file), result.stdout ?? "", {
      append: true,
    });
  }
}

async function makeLogpipe(args: string[], options: JobOptions): Promise<string> {
  if (args.length !== 2 || !LOG_LEVELS.includes(args[1])) {
    throw new HitError(`run job: usage: hit logpipe HEADING LEVEL`, {
      hint: `LEVEL is one of ${LOG_LEVELS.join(", ")}`,
    });
  }
  if (!options.logpipe) throw new HitError("run job: this job has no log for logpipe");
  return await options.logpipe(args[0], args[1]);
}

async function writeInput(input: Value, stem: string, jobDir: string): Promise<string> {
  if (!isMap(input)) throw new HitError(`run job: an input must be {text}, {string} or {json}`);
  await Deno.mkdir(jobDir, { recursive: true });
  let path: string;
  let content: string;
  if (input.json !== undefined) {
    path = join(jobDir, `${stem}.json`);
    content = JSON.stringify(input.json, null, 2);
  } else if (input.text !== undefined) {
    if (!Array.isArray(input.text)) {
      throw new HitError(`run job: "text" input must be a list of lines`);
    }
    path = join(jobDir, stem);
    content = input.text.map(String).join("\n");
  } else if (input.string !== undefined) {
    path = join(jobDir, stem);
    content = String(input.string);
  } else {
    throw new HitError(`run job: an input must be {text}, {string} or {json}`);
  }
  await Deno.writeTextFile(path, content);
  return path;
}

/** The program `name` as found in the job's `PATH`, or `name` itself when it has a `/`. */
function resolveProgram(name: string, env: Record<string, string>): string {
  if (name.includes("/")) return name;
  for (const dir of (env.PATH ?? "").split(":")) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return candidate;
    } catch {
      // Not in this folder.
    }
  }
  throw new HitError(`run job: program "${name}" not found in PATH "${env.PATH ?? ""}"`, {
    hint: "set PATH in the profile's parameters, for example `PATH: /usr/bin:/bin`",
  });
}
