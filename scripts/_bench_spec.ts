/**
 * The `spec` benchmark suite: (a) a cold `hit status` of the largest test profile of the corpus,
 * run as a new process, against Deno's own start-up; (b) every artifact id of a profile naming
 * every package of the corpus, computed in process, against the original HashDist's time.
 * Works in a temporary copy of the corpus with its CI profiles at the root, as the corpus's CI
 * ran them; removes the copy at the end.
 */
import { cp } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HitError } from "../src/errors.ts";
import { loadProfile } from "../src/spec/profile.ts";
import { createResolver, resolveProfile } from "../src/spec/resolve.ts";
import { createSpecFiles } from "../src/spec/spec_files.ts";

const PROJECT = dirname(dirname(fileURLToPath(import.meta.url)));
const CORPUS = join(PROJECT, "..", "shared", "corpus", "hashstack");
const HIT = join(PROJECT, "scripts", "hit");
const DENO = join(PROJECT, "scripts", "deno");

const STATUS_RUNS = 7;
const RESOLVE_RUNS = 10;
const TARGET_STATUS_S = 0.12;
const TARGET_RESOLVE_S = 0.15;
/** The original HashDist computing the artifact ids of the same 535 packages. */
const HASHDIST = { seconds: 3.85, packages: 535 };

/** Virtual packages and the host packages that stand in for them (conformance golden-linux). */
const VIRTUALS: Record<string, string> = {
  mpi: "host-mpi",
  blas: "host-blas",
  lapack: "host-lapack",
  libstdcxx: "host-libstdcxx",
  matlab: "host-matlab",
};

/** The parameters host-mpi needs, as the conformance profile sets them. */
const HOST_PARAMETERS: Record<string, string> = {
  HOST_MPICC: "/usr/bin/mpicc",
  HOST_MPICXX: "/usr/bin/mpicxx",
  HOST_MPIF77: "/usr/bin/mpif77",
  HOST_MPIF90: "/usr/bin/mpif90",
  HOST_MPIEXEC: "/usr/bin/mpiexec",
};

/** Runs the suite and prints one line per measurement. */
export async function benchSpec(): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "hit-bench-" });
  try {
    await cp(CORPUS, root, { recursive: true });
    for (const name of testProfiles(root)) {
      await Deno.copyFile(join(root, "tests", name), join(root, name));
    }
    await benchStatus(root);
    benchResolve(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function testProfiles(root: string): string[] {
  return [...Deno.readDirSync(join(root, "tests"))]
    .filter((entry) => entry.isFile && entry.name.endsWith(".yaml"))
    .map((entry) => entry.name)
    .sort();
}

/** (a): `hit status --json` of the test profile with the largest closure, as a new process. */
async function benchStatus(root: string): Promise<void> {
  const sizes = testProfiles(root).flatMap((name) => {
    try {
      return [{ name, packages: resolveProfile(join(root, name)).packages.size }];
    } catch {
      return [];
    }
  });
  if (sizes.length === 0) {
    console.log("spec (a) cold status: skipped: no test profile resolves");
    return;
  }
  const largest = sizes.reduce((best, next) => next.packages > best.packages ? next : best);
  const home = join(root, ".bench-home");
  await Deno.mkdir(home);
  const env = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: home,
    HIT_HOME: join(home, ".hit"),
    // A fresh HOME must not hide Deno's module cache, or the first run would fetch and compile.
    DENO_DIR: denoDir(),
    NO_COLOR: "1",
  };
  const status = { program: HIT, args: ["status", largest.name, "--json"], cwd: root, env };
  const first = await runOnce(status);
  if (first.error !== undefined) {
    console.log(`spec (a) cold status ${largest.name}: skipped: hit status failed: ${first.error}`);
    return;
  }
  // References: Deno's own start-up, and `hit --version`, which loads every module of `hit`
  // but resolves nothing.
  const startup = { program: DENO, args: ["eval", ""], cwd: root, env };
  const version = { program: HIT, args: ["--version"], cwd: root, env };
  const runs = [status, startup, version];
  const times: number[][] = runs.map(() => []);
  for (const run of runs) await runOnce(run);
  // Interleaved, so a busy moment of the machine weighs on all of them alike.
  for (let i = 0; i < STATUS_RUNS; i++) {
    for (const [j, run] of runs.entries()) times[j].push((await runOnce(run)).seconds);
  }
  const [hit, deno, load] = times.map(summarize);
  console.log(
    `spec (a) cold status ${largest.name} (${largest.packages} packages, ${STATUS_RUNS} runs): ` +
      `min ${s(hit.min)} median ${s(hit.median)} (deno startup ${s(deno.median)}, ratio ` +
      `${(hit.median / deno.median).toFixed(1)}x; hit --version ${s(load.median)}; target ` +
      `${s(TARGET_STATUS_S)}: ${verdict(hit.median, TARGET_STATUS_S)})`,
  );
}

interface Run {
  program: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** Runs a program once; `error` tells why a run that should succeed did not. */
async function runOnce(run: Run): Promise<{ seconds: number; error?: string }> {
  const start = performance.now();
  const output = await new Deno.Command(run.program, {
    args: run.args,
    cwd: run.cwd,
    clearEnv: true,
    env: run.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - start) / 1000;
  if (output.code !== 0) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n")[0];
    return { seconds, error: `exit ${output.code}: ${stderr}` };
  }
  if (run.args[0] === "status") {
    try {
      JSON.parse(new TextDecoder().decode(output.stdout));
    } catch {
      return { seconds, error: "stdout is not JSON" };
    }
  }
  return { seconds };
}

function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const cache = Deno.env.get("XDG_CACHE_HOME") ||
    join(Deno.env.get("HOME") ?? "/root", ".cache");
  return join(cache, "deno");
}

/** (b): every artifact id of the all-packages profile, in process, with fresh file caches. */
function benchResolve(root: string): void {
  const profile = join(root, "_all_packages.yaml");
  const names = packageNames(root);
  writeProfile(profile, names);
  const excluded = failingPackages(profile, names);
  for (const line of groupExclusions(excluded)) console.log(`spec (b) excluded ${line}`);
  writeProfile(profile, names.filter((name) => !excluded.has(name)));
  let packages: number;
  try {
    packages = resolveProfile(profile).packages.size;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.log(`spec (b) all artifact ids: skipped: the all-packages profile fails: ${reason}`);
    return;
  }
  const times: number[] = [];
  for (let i = 0; i < RESOLVE_RUNS; i++) {
    const start = performance.now();
    resolveProfile(profile, { files: createSpecFiles() });
    times.push((performance.now() - start) / 1000);
  }
  const { min, median } = summarize(times);
  const rate = packages / median;
  const hashdistRate = HASHDIST.packages / HASHDIST.seconds;
  console.log(
    `spec (b) all artifact ids (${packages} packages, ${RESOLVE_RUNS} runs): min ${s(min)} ` +
      `median ${s(median)}, ${rate.toFixed(0)} packages/s (HashDist ${HASHDIST.seconds} s for ` +
      `${HASHDIST.packages}, ${hashdistRate.toFixed(0)} packages/s: ratio ` +
      `${(rate / hashdistRate).toFixed(1)}x; target ${s(TARGET_RESOLVE_S)}: ` +
      `${verdict(median, TARGET_RESOLVE_S)})`,
  );
}

/** Names of every package with a spec in `pkgs/`: `X.yaml`, `X/X.yaml` or `X/X-*.yaml`. */
function packageNames(root: string): string[] {
  const names = new Set<string>();
  const dir = join(root, "pkgs");
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && entry.name.endsWith(".yaml")) names.add(entry.name.slice(0, -5));
    if (!entry.isDirectory) continue;
    const own = [...Deno.readDirSync(join(dir, entry.name))].some((file) =>
      file.name === `${entry.name}.yaml` ||
      (file.name.startsWith(`${entry.name}-`) && file.name.endsWith(".yaml"))
    );
    if (own) names.add(entry.name);
  }
  return [...names].sort();
}

/** Writes a profile naming `names`, with virtual packages mapped to their host packages. */
function writeProfile(path: string, names: string[]): void {
  const lines = ["extends:", "- file: linux.yaml", "parameters:"];
  for (const [key, value] of Object.entries(HOST_PARAMETERS)) lines.push(`  ${key}: ${value}`);
  lines.push("packages:");
  const listed = new Set([...names, ...Object.keys(VIRTUALS)]);
  for (const name of [...listed].sort()) {
    lines.push(
      Object.hasOwn(VIRTUALS, name) ? `  ${name}: {use: ${VIRTUALS[name]}}` : `  ${name}:`,
    );
  }
  Deno.writeTextFileSync(path, lines.join("\n") + "\n");
}

/** Packages whose closure does not resolve, each with its error message. */
function failingPackages(profile: string, names: string[]): Map<string, string> {
  const files = createSpecFiles();
  const resolver = createResolver(loadProfile(profile, { files }), files);
  const failing = new Map<string, string>();
  for (const name of names) {
    try {
      for (const member of resolver.closure([name])) resolver.result(member);
    } catch (error) {
      if (!(error instanceof HitError)) throw error;
      failing.set(name, error.message);
    }
  }
  return failing;
}

/** One line per kind of failure: how many packages, which, and the message. */
function groupExclusions(excluded: Map<string, string>): string[] {
  const groups = new Map<string, string[]>();
  for (const [name, message] of excluded) {
    const kind = message.replace(/"[^"]*"/g, '"…"');
    groups.set(kind, [...(groups.get(kind) ?? []), name]);
  }
  return [...groups].map(([kind, names]) => {
    const shown = names.length > 6 ? [...names.slice(0, 6), "…"] : names;
    return `${names.length} packages (${shown.join(", ")}): ${kind}`;
  });
}

function summarize(times: number[]): { min: number; median: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
  return { min: sorted[0], median };
}

function s(seconds: number): string {
  return `${seconds.toFixed(3)} s`;
}

function verdict(seconds: number, target: number): string {
  return seconds <= target ? "met" : "missed";
}
