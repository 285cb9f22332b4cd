/**
 * Benchmarks of `hit`, one suite per layer. Each prints one line per measurement, with a
 * reference run from the same run (Deno's own start-up, the original HashDist's figure), so
 * the figures compare across machines. Timings live here, never in tests.
 *
 *   deno task bench [spec|fetch|build|slurm|remote ...]      (no suite: every suite)
 */
import { benchBuild } from "./_bench_build.ts";
import { benchFetch } from "./_bench_fetch.ts";
import { benchSlurm } from "./_bench_slurm.ts";
import { benchRemote } from "./_bench_remote.ts";
import { benchSpec } from "./_bench_spec.ts";

/** The suites by name, in the order a run without arguments takes them. */
const SUITES: Record<string, () => Promise<void>> = {
  spec: benchSpec,
  fetch: benchFetch,
  build: benchBuild,
  slurm: benchSlurm,
  remote: benchRemote,
};

async function main(args: string[]): Promise<number> {
  const unknown = args.filter((name) => !Object.hasOwn(SUITES, name));
  if (unknown.length > 0) {
    console.error(
      `bench: unknown suite "${unknown[0]}": the suites are ${
        Object.keys(SUITES).map((name) => `"${name}"`).join(", ")
      }`,
    );
    return 2;
  }
  for (const name of args.length > 0 ? args : Object.keys(SUITES)) await SUITES[name]();
  return 0;
}

Deno.exit(await main(Deno.args));
