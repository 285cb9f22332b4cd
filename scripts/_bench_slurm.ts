/**
 * The `slurm` benchmark suite: what building through Slurm costs against building here. Starts
 * a one-node test cluster (`tests/e2e/_slurm_cluster.ts`), then builds two synthetic stacks of
 * packages that each sleep 1 s, both locally and with `--executor slurm`, in the same run: a
 * chain (each package needs the one before it), for the cost of a dependency level, and a row of
 * independent packages, for the cost of a job. Both sides run as many 1-CPU builds at once as
 * the machine has cores. Works in a temporary folder, removed at the end.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { slurmMissing, startSlurmCluster } from "../tests/e2e/_slurm_cluster.ts";

const PROJECT = dirname(dirname(fileURLToPath(import.meta.url)));
const HIT = join(PROJECT, "scripts", "hit");
const SIZE = 6;
const SLEEP = 1;

/** Writes a stack of SIZE packages into `dir`: a chain, or a row of independent ones. */
async function writeStack(dir: string, shape: "chain" | "row"): Promise<string> {
  await Deno.mkdir(join(dir, "pkgs"), { recursive: true });
  const names = Array.from({ length: SIZE }, (_, i) => `p${i}`);
  for (const [i, name] of names.entries()) {
    const deps = shape === "chain" && i > 0 ? [names[i - 1]] : [];
    await Deno.writeTextFile(
      join(dir, "pkgs", `${name}.yaml`),
      `dependencies:\n  build: [${deps.join(", ")}]\nbuild_stages:\n- name: run\n` +
        `  handler: bash\n  bash: |\n    mkdir -p "$ARTIFACT"\n    sleep ${SLEEP}\n`,
    );
  }
  const profile = join(dir, `${shape}.yaml`);
  await Deno.writeTextFile(
    profile,
    "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\npackages:\n" +
      names.map((name) => `  ${name}:\n`).join(""),
  );
  return profile;
}

/** Wall seconds of one `hit build` in a fresh home under `dir`. */
async function timeBuild(dir: string, args: string[], env: Record<string, string>) {
  const home = join(dir, `home-${crypto.randomUUID().slice(0, 8)}`);
  const started = performance.now();
  const output = await new Deno.Command(HIT, {
    args: ["build", ...args, "-o", join(home, "link")],
    cwd: dir,
    env: { ...env, HIT_HOME: home, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  if (!output.success) {
    throw new Error(
      `hit build ${args.join(" ")} failed:\n${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return seconds;
}

/** Runs the suite and prints its lines. */
export async function benchSlurm(): Promise<void> {
  const missing = slurmMissing();
  if (missing !== undefined) {
    console.log(`slurm: skipped: ${missing}`);
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "hit-bench-slurm-" });
  try {
    await using cluster = await startSlurmCluster(join(dir, "cluster"));
    const cpus = cluster.cpus;
    const results: Record<string, { local: number; slurm: number }> = {};
    for (const shape of ["chain", "row"] as const) {
      const profile = await writeStack(join(dir, shape), shape);
      const local = await timeBuild(dir, [profile, "-j", String(cpus)], cluster.env);
      const slurm = await timeBuild(dir, [profile, "-j", "1", "--executor", "slurm"], cluster.env);
      results[shape] = { local, slurm };
      console.log(
        `slurm: ${shape} of ${SIZE} packages of ${SLEEP} s: local ${local.toFixed(1)} s, ` +
          `slurm ${slurm.toFixed(1)} s`,
      );
    }
    const { chain, row } = results;
    // A chain adds one job start and one dependency hop per package; a row of independent
    // packages adds one job start per package, SIZE / cpus of them one after the other.
    const perLevel = (chain.slurm - chain.local) / SIZE;
    const perJob = (row.slurm - row.local) / (SIZE / cpus);
    console.log(
      `slurm: overhead per dependency level ${perLevel.toFixed(2)} s, per job ` +
        `${perJob.toFixed(2)} s (${cpus} CPUs, one 1-CPU job per package)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
