/**
 * The `spec` benchmark suite: every artifact id of a profile naming every package of the corpus,
 * computed in process with fresh file caches, against a target of 0.1 s (the original HashDist
 * took 3.85 s for the same packages; `hit status` as a new process is in `_bench_startup.ts`).
 * Works in a temporary copy of the corpus; removes the copy at the end.
 */
import { cp } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HitError } from "../src/errors.ts";
import { loadProfile } from "../src/spec/profile.ts";
import { createResolver, resolveProfile } from "../src/spec/resolve.ts";
import { createSpecFiles } from "../src/spec/spec_files.ts";
import { type BenchRow, median } from "./_bench_table.ts";

const PROJECT = dirname(dirname(fileURLToPath(import.meta.url)));
const CORPUS = join(PROJECT, "..", "shared", "corpus", "hashstack");

const RESOLVE_RUNS = 10;
const TARGET_RESOLVE_S = 0.1;
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

/** Runs the suite: its detail lines, and its row of the table. */
export async function benchSpec(): Promise<BenchRow[]> {
  const root = await Deno.makeTempDir({ prefix: "hit-bench-" });
  try {
    await cp(CORPUS, root, { recursive: true });
    return [benchResolve(root)];
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Every artifact id of the all-packages profile, in process, with fresh file caches. */
function benchResolve(root: string): BenchRow {
  const what = "every artifact id of the corpus's packages, in process";
  const profile = join(root, "_all_packages.yaml");
  const names = packageNames(root);
  writeProfile(profile, names);
  const excluded = failingPackages(profile, names);
  for (const line of groupExclusions(excluded)) console.log(`spec: excluded ${line}`);
  writeProfile(profile, names.filter((name) => !excluded.has(name)));
  const target = `target ${TARGET_RESOLVE_S} s`;
  let packages: number;
  try {
    packages = resolveProfile(profile).packages.size;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      what,
      reference: target,
      goal: 1,
      skipped: `the all-packages profile fails: ${reason}`,
    };
  }
  const times: number[] = [];
  for (let i = 0; i < RESOLVE_RUNS; i++) {
    const start = performance.now();
    resolveProfile(profile, { files: createSpecFiles() });
    times.push((performance.now() - start) / 1000);
  }
  const seconds = median(times);
  console.log(
    `spec: all artifact ids (${packages} packages, median of ${RESOLVE_RUNS} runs): ` +
      `${seconds.toFixed(3)} s, ${(packages / seconds).toFixed(0)} packages/s (HashDist ` +
      `${HASHDIST.seconds} s for ${HASHDIST.packages})`,
  );
  return {
    what: `${what} (${packages})`,
    hit: seconds,
    reference: target,
    referenceSeconds: TARGET_RESOLVE_S,
    goal: 1,
  };
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
