/**
 * The configuration file (HASHDIST.md §1.1): where the build store, the source cache and its
 * mirrors, build folders and gc roots live. Loading it creates any missing folder.
 */
import { dirname, join, resolve } from "../posix_path.ts";
import { HitError } from "../errors.ts";
import { fileError } from "./file_error.ts";
import { describeValue } from "../spec/spec_error.ts";
import { parseYaml } from "../spec/yaml_load.ts";
import { isMap, type ValueMap } from "../spec/values.ts";
import { parseRemotes, type Remote } from "./remotes.ts";

/** A loaded configuration, every path absolute. */
export interface Config {
  /** The configuration file itself. */
  file: string;
  /** The artifact root (`build_stores[0].dir`). */
  buildStore: string;
  /** The local, writable source cache (`source_caches[0].dir`). */
  sourceCache: string;
  /** Read-only mirrors (`source_caches[1..].url`): URL prefixes or folders. */
  mirrors: string[];
  buildTemp: string;
  cache: string;
  gcRoots: string;
  /** `sandbox:` (hit's own key): how builds run when `--sandbox` is not given. */
  sandbox?: SandboxName;
  /** `ca_file:` (hit's own key): a site CA's PEM file trusted for downloads and git. */
  caFile?: string;
  /** `fetch_connect_timeout:` (hit's own key), in seconds. */
  fetchConnectTimeout?: number;
  /** `fetch_stall_timeout:` (hit's own key), in seconds. */
  fetchStallTimeout?: number;
  /** `sandbox_paths:` (hit's own key): host folders every sandbox shows read-only. */
  sandboxPaths?: string[];
  /** `sandbox_uid:` (hit's own key): the uid and gid builds run as when `hit` runs as root. */
  sandboxUid?: number;
  /** `sandbox_limits:` (hit's own key): resource limits of each build process. */
  sandboxLimits?: {
    processes?: number;
    memory?: number;
    cpuSeconds?: number;
    fileSize?: number;
    tmpSize?: number;
  };
  /** `executor:` (hit's own key): where packages build when `--executor` is not given. */
  executor?: ExecutorSettings;
  /** `remotes:` (hit's own key): binary caches, asked in order before a build. */
  remotes?: Remote[];
}

/** Where packages build: on this machine, or as Slurm jobs with these `sbatch` settings. */
export type ExecutorSettings = { kind: "local" } | { kind: "slurm" } & SlurmSettings;

/** The `sbatch` settings of `executor: {slurm: …}`. */
export interface SlurmSettings {
  partition?: string;
  time?: string;
  account?: string;
  qos?: string;
  /** More `sbatch` arguments, as they are. */
  extraArgs?: string[];
  /** Packages of a chain built in one job. */
  group?: number;
}

/** The values of `sandbox:` and `--sandbox`. */
export const SANDBOX_NAMES = ["auto", "bwrap", "landlock", "none"] as const;
export type SandboxName = typeof SANDBOX_NAMES[number];

/** The default configuration file: `$HIT_HOME/config.yaml`, else `~/.hashdist/config.yaml`. */
export function defaultConfigPath(env: Readonly<Record<string, string | undefined>>): string {
  if (env.HIT_HOME) return join(resolve(env.HIT_HOME), "config.yaml");
  if (!env.HOME) {
    throw new HitError("find configuration: HOME is not set", {
      hint: "set HOME, or HIT_HOME to the folder that should hold hit's store and config",
    });
  }
  return join(env.HOME, ".hashdist", "config.yaml");
}

const DEFAULT_CONFIG =
  `# hit configuration (HashDist format). Relative paths are relative to this file.
build_stores:
- dir: ./bld
build_temp: ./tmp
source_caches:
- dir: ./src
cache: ./cache
gc_roots: ./gcroots
`;

/**
 * Creates a home folder with the default configuration and its folders.
 * @throws {HitError} when the configuration file already exists, or a folder cannot be made.
 */
export async function initHome(configFile: string): Promise<string[]> {
  try {
    return await makeHome(configFile);
  } catch (error) {
    throw fileError(`initialise "${dirname(configFile)}"`, error);
  }
}

async function makeHome(configFile: string): Promise<string[]> {
  const home = dirname(configFile);
  const created: string[] = [];
  for (const sub of ["", "bld", "src", "cache", "gcroots", "tmp"]) {
    const dir = join(home, sub);
    try {
      await Deno.mkdir(dir);
      created.push(dir);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  try {
    await Deno.writeTextFile(configFile, DEFAULT_CONFIG, { createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new HitError(`initialise "${home}": ${configFile} already exists`, {
        hint: "remove it first, or use it as it is",
      });
    }
    throw error;
  }
  created.push(configFile);
  return created;
}

/**
 * Loads the configuration at `file`, writing the default one first when it is missing (unless
 * `create` is false), and creates every folder it names.
 * @throws {HitError} naming the file for a schema violation, a missing file not to be
 * created, or a file or folder that cannot be read or made.
 */
export async function loadConfig(
  file: string,
  options: { create?: boolean } = {},
): Promise<Config> {
  try {
    return await readConfig(file, options.create ?? true);
  } catch (error) {
    throw fileError(`load configuration "${file}"`, error);
  }
}

async function readConfig(file: string, create: boolean): Promise<Config> {
  let text: string;
  try {
    // A FIFO would block the read forever.
    if (!(await Deno.stat(file)).isFile) {
      throw new HitError(`load configuration: "${file}" is not a regular file`, {
        hint: "give the path of a YAML file",
      });
    }
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    if (!create) {
      throw new HitError(`load configuration: "${file}" does not exist`, {
        hint: `check the --config path, or create it with "hit --config ${file} init-home"`,
      });
    }
    await initHome(file).catch((e) => {
      if (!(e instanceof HitError)) throw e;
    });
    text = await Deno.readTextFile(file);
  }
  const real = await Deno.realPath(file);
  const config = parseConfig(text, real);
  for (
    const dir of [
      config.buildStore,
      config.sourceCache,
      config.buildTemp,
      config.cache,
      config.gcRoots,
    ]
  ) {
    await Deno.mkdir(dir, { recursive: true });
  }
  return {
    ...config,
    buildStore: await Deno.realPath(config.buildStore),
    sourceCache: await Deno.realPath(config.sourceCache),
    buildTemp: await Deno.realPath(config.buildTemp),
    gcRoots: await Deno.realPath(config.gcRoots),
  };
}

/**
 * Validates configuration text; paths are resolved against the folder of `file`.
 * @throws {HitError} naming the file and key of any violation.
 */
export function parseConfig(text: string, file: string): Config {
  const doc = parseYaml(text, file);
  const fail = (message: string, hint?: string): never => {
    throw new HitError(`load configuration: ${message}`, { location: { file }, hint });
  };
  if (!isMap(doc)) fail(`expected a mapping, found ${describeValue(doc)}`);
  const map = doc as ValueMap;
  const base = dirname(file);
  const path = (key: string): string => {
    const value = map[key];
    if (typeof value !== "string" || value === "") {
      fail(`"${key}" must be a path, found ${describeValue(value)}`, `write "${key}: ./${key}"`);
    }
    return resolve(base, value as string);
  };
  const stores = map.build_stores;
  if (!Array.isArray(stores) || stores.length === 0) {
    return fail(
      `"build_stores" must be a list with one {dir: PATH}`,
      "write `build_stores: [{dir: ./bld}]`",
    );
  }
  if (stores.length > 1) fail(`"build_stores": only one build store is supported`);
  const store = stores[0];
  if (!isMap(store) || typeof store.dir !== "string") {
    fail(`"build_stores" entries must be {dir: PATH}, found ${describeValue(store)}`);
  }
  const caches = map.source_caches;
  if (!Array.isArray(caches) || caches.length === 0) {
    return fail(
      `"source_caches" must be a list starting with {dir: PATH}`,
      "write `source_caches: [{dir: ./src}]`",
    );
  }
  const first = caches[0];
  if (!isMap(first) || typeof first.dir !== "string" || first.url !== undefined) {
    fail(`the first of "source_caches" must be {dir: PATH}, the local cache`);
  }
  const mirrors = caches.slice(1).map((entry, i) => {
    if (!isMap(entry) || typeof entry.url !== "string" || entry.dir !== undefined) {
      fail(`"source_caches" entry ${i + 2} must be {url: URL} (a read-only mirror)`);
    }
    const url = (entry as ValueMap).url as string;
    return /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : resolve(base, url);
  });
  return {
    file,
    buildStore: resolve(base, (store as ValueMap).dir as string),
    sourceCache: resolve(base, (first as ValueMap).dir as string),
    mirrors,
    buildTemp: path("build_temp"),
    cache: path("cache"),
    gcRoots: path("gc_roots"),
    ...sandboxOf(map.sandbox, fail),
    ...fetchSettingsOf(map, base, fail),
    sandboxPaths: sandboxPathsOf(map.sandbox_paths, base, fail),
    sandboxLimits: sandboxLimitsOf(map.sandbox_limits, fail),
    ...executorOf(map.executor, fail),
    remotes: parseRemotes(map.remotes, base, fail),
    ...sandboxUidOf(map.sandbox_uid, fail),
  };
}

function fetchSettingsOf(
  map: ValueMap,
  base: string,
  fail: (message: string, hint?: string) => never,
): Pick<Config, "caFile" | "fetchConnectTimeout" | "fetchStallTimeout"> {
  const settings: Pick<Config, "caFile" | "fetchConnectTimeout" | "fetchStallTimeout"> = {};
  if (map.ca_file !== undefined && map.ca_file !== null) {
    if (typeof map.ca_file !== "string" || map.ca_file === "") {
      fail(
        `"ca_file" must be a path, found ${describeValue(map.ca_file)}`,
        "write `ca_file: ./site-ca.pem`",
      );
    }
    settings.caFile = resolve(base, map.ca_file as string);
  }
  for (
    const [key, field] of [
      ["fetch_connect_timeout", "fetchConnectTimeout"],
      ["fetch_stall_timeout", "fetchStallTimeout"],
    ] as const
  ) {
    const value = map[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !(value > 0)) {
      fail(`"${key}" must be a number of seconds above 0, found ${describeValue(value)}`);
    }
    settings[field] = value as number;
  }
  return settings;
}

function sandboxOf(
  value: unknown,
  fail: (message: string, hint?: string) => never,
): { sandbox?: SandboxName } {
  if (value === undefined || value === null) return {};
  if (!(SANDBOX_NAMES as readonly unknown[]).includes(value)) {
    fail(
      `"sandbox" must be one of ${SANDBOX_NAMES.map((name) => `"${name}"`).join(", ")}, found ${
        JSON.stringify(value)
      }`,
    );
  }
  return { sandbox: value as SandboxName };
}

function sandboxUidOf(
  value: unknown,
  fail: (message: string, hint?: string) => never,
): { sandboxUid?: number } {
  if (value === undefined || value === null) return {};
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0 || value >= 2 ** 32) {
    fail(
      `"sandbox_uid" must be a uid above 0, found ${JSON.stringify(value)}`,
      "write for example `sandbox_uid: 65534` (a uid that owns no files)",
    );
  }
  return { sandboxUid: value as number };
}

function sandboxPathsOf(
  value: unknown,
  base: string,
  fail: (message: string, hint?: string) => never,
): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== "string" || !entry)) {
    fail(
      `"sandbox_paths" must be a list of folders, found ${describeValue(value as ValueMap)}`,
      "write for example `sandbox_paths: [/opt, /cvmfs]`",
    );
  }
  return (value as string[]).map((path) => resolve(base, path));
}

// `sandbox_limits` keys and the field each fills.
const LIMIT_KEYS = {
  processes: "processes",
  memory_bytes: "memory",
  cpu_seconds: "cpuSeconds",
  file_size_bytes: "fileSize",
  tmp_bytes: "tmpSize",
} as const;

function sandboxLimitsOf(
  value: unknown,
  fail: (message: string, hint?: string) => never,
): NonNullable<Config["sandboxLimits"]> {
  if (value === undefined || value === null) return {};
  const keys = Object.keys(LIMIT_KEYS).join(", ");
  if (!isMap(value)) fail(`"sandbox_limits" must be a mapping with keys ${keys}`);
  const limits: NonNullable<Config["sandboxLimits"]> = {};
  for (const [key, number] of Object.entries(value as ValueMap)) {
    const field = LIMIT_KEYS[key as keyof typeof LIMIT_KEYS];
    if (field === undefined) fail(`"sandbox_limits" has an unknown key "${key}"`, `use ${keys}`);
    if (typeof number !== "number" || !Number.isInteger(number) || number <= 0) {
      fail(
        `"sandbox_limits.${key}" must be a positive whole number, found ${JSON.stringify(number)}`,
      );
    }
    limits[field] = number as number;
  }
  return limits;
}

const SLURM_KEYS = ["partition", "time", "account", "qos", "extra_args", "group"];

/** `executor: local`, `executor: slurm`, or `executor: {slurm: {partition: …, …}}`. */
function executorOf(
  value: unknown,
  fail: (message: string, hint?: string) => never,
): { executor?: ExecutorSettings } {
  if (value === undefined || value === null) return {};
  if (value === "local" || value === "slurm") return { executor: { kind: value } };
  const hint = "write `executor: local`, `executor: slurm` or `executor: {slurm: {partition: P}}`";
  if (!isMap(value) || Object.keys(value).join() !== "slurm") {
    return fail(`"executor" must be "local", "slurm" or {slurm: {…}}`, hint);
  }
  const slurm = (value as ValueMap).slurm ?? {};
  if (!isMap(slurm)) return fail(`"executor.slurm" must be a mapping`, hint);
  const settings: SlurmSettings = {};
  for (const [key, item] of Object.entries(slurm)) {
    if (!SLURM_KEYS.includes(key)) {
      fail(`unknown key "executor.slurm.${key}"`, `the keys are ${SLURM_KEYS.join(", ")}`);
    }
    if (key === "group") {
      if (!Number.isInteger(item) || (item as number) < 1) {
        fail(`"executor.slurm.group" must be a whole number from 1, found ${describeValue(item)}`);
      }
      settings.group = item as number;
    } else if (key === "extra_args") {
      if (!Array.isArray(item) || !item.every((arg) => typeof arg === "string")) {
        fail(`"executor.slurm.extra_args" must be a list of strings`);
      }
      settings.extraArgs = item as string[];
    } else {
      if (typeof item !== "string" && typeof item !== "number") {
        fail(`"executor.slurm.${key}" must be a string, found ${describeValue(item)}`);
      }
      settings[key as "partition" | "time" | "account" | "qos"] = String(item);
    }
  }
  return { executor: { kind: "slurm", ...settings } };
}

/**
 * The configuration passed to in-job commands as `HDIST_CONFIG` (absolute paths, JSON).
 * @throws {HitError} when it is not such a document.
 */
export function configFromJson(json: string): Config {
  let text: string;
  try {
    text = JSON.stringify(JSON.parse(json));
  } catch {
    throw new HitError("load configuration from HDIST_CONFIG: not JSON");
  }
  return parseConfig(text, "/HDIST_CONFIG");
}
