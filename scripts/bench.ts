/**
 * Benchmarks of `hit`, one suite per layer. Each suite prints its detail lines as it goes and
 * returns rows of one table, printed at the end: every measurement of `hit` beside a reference
 * run in the same run (bare Deno, HashDist, `curl`, GNU `tar`, `sha256sum`, the machine's lower
 * bound), the ratio and its goal. Timings live here, never in tests.
 *
 *   deno task bench [startup|spec|fetch|unpack|build|slurm|remote ...]   (no suite: every suite)
 */
import { benchBuild } from "./_bench_build.ts";
import { benchFetch } from "./_bench_fetch.ts";
import { benchSlurm } from "./_bench_slurm.ts";
import { benchRemote } from "./_bench_remote.ts";
import { benchSpec } from "./_bench_spec.ts";
import { benchStartup } from "./_bench_startup.ts";
import { type BenchRow, renderTable } from "./_bench_table.ts";
import { benchUnpack } from "./_bench_unpack.ts";

/** The suites by name, in the order a run without arguments takes them. */
const SUITES: Record<string, () => Promise<BenchRow[]>> = {
  startup: benchStartup,
  spec: benchSpec,
  fetch: benchFetch,
  unpack: benchUnpack,
  build: benchBuild,
  // These two print their own lines only: no rows for the table yet.
  slurm: async () => (await benchSlurm(), []),
  remote: async () => (await benchRemote(), []),
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
  const rows: BenchRow[] = [];
  for (const name of args.length > 0 ? args : Object.keys(SUITES)) {
    rows.push(...await SUITES[name]());
  }
  const cores = navigator.hardwareConcurrency;
  console.log(
    `\nhit bench, ${new Date().toISOString()}, ${cores} cores, deno ${Deno.version.deno}`,
  );
  console.log(renderTable(rows));
  return 0;
}

Deno.exit(await main(Deno.args));
