/**
 * The `unpack` benchmark suite: every tarball of `../shared/sources/`, unpacked by `hit`'s unpack
 * stage (its worker, as `hit build` runs it) against GNU `tar -xf` of the same file into a
 * scratch folder, and hashed by the hash stage against `sha256sum`. Medians of a few interleaved
 * runs per file; the row's figure is the sum over the files. Removes its scratch folders.
 */
import { join } from "node:path";
import { hashFile } from "../src/stages/hash_stage.ts";
import { unpackInWorker } from "../src/stages/unpack_stage.ts";
import { SOURCES_DIR } from "../tests/core/_source_fixtures.ts";
import { type BenchRow, median, timeProgram } from "./_bench_table.ts";

const RUNS = 3;

/** The archive type `hit` gives a tarball, from its name. */
function archiveType(file: string): "tar.gz" | "tar.bz2" | "tar.xz" {
  if (file.endsWith(".tar.gz")) return "tar.gz";
  if (file.endsWith(".tar.bz2")) return "tar.bz2";
  if (file.endsWith(".tar.xz")) return "tar.xz";
  throw new Error(`bench unpack: "${file}" is not a tarball`);
}

/** Runs the suite: one line per tarball, and the two rows of the table. */
export async function benchUnpack(): Promise<BenchRow[]> {
  const files = [...Deno.readDirSync(SOURCES_DIR)]
    .map((entry) => entry.name)
    .filter((name) => /\.tar\.(gz|bz2|xz)$/.test(name))
    .sort();
  const scratch = await Deno.makeTempDir({ prefix: "hit-bench-unpack-" });
  const sum = { hitUnpack: 0, tar: 0, hitHash: 0, sha256sum: 0 };
  try {
    let n = 0;
    for (const file of files) {
      const path = join(SOURCES_DIR, file);
      const times = { hitUnpack: [], tar: [], hitHash: [], sha256sum: [] } as Record<
        keyof typeof sum,
        number[]
      >;
      for (let i = 0; i < RUNS; i++) {
        const ours = join(scratch, `hit-${n}`);
        const theirs = join(scratch, `tar-${n++}`);
        await Deno.mkdir(theirs);
        let start = performance.now();
        await unpackInWorker(path, archiveType(file), ours);
        times.hitUnpack.push((performance.now() - start) / 1000);
        times.tar.push(await timeProgram("tar", ["-xf", path, "-C", theirs]));
        start = performance.now();
        await hashFile(path);
        times.hitHash.push((performance.now() - start) / 1000);
        times.sha256sum.push(await timeProgram("sha256sum", [path]));
        await Deno.remove(ours, { recursive: true });
        await Deno.remove(theirs, { recursive: true });
      }
      const m = Object.fromEntries(
        Object.entries(times).map(([key, values]) => [key, median(values)]),
      ) as typeof sum;
      for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += m[key];
      console.log(
        `unpack ${file}: hit ${ms(m.hitUnpack)}, tar -xf ${ms(m.tar)}; ` +
          `hash: hit ${ms(m.hitHash)}, sha256sum ${ms(m.sha256sum)}`,
      );
    }
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
  return [
    {
      what: `unpack the ${files.length} tarballs of shared/sources (unpack stage's worker)`,
      hit: sum.hitUnpack,
      reference: `GNU tar -xf`,
      referenceSeconds: sum.tar,
      goal: 1.25,
    },
    {
      what: `hash the ${files.length} tarballs (hash stage's worker)`,
      hit: sum.hitHash,
      reference: "sha256sum",
      referenceSeconds: sum.sha256sum,
      goal: 1,
    },
  ];
}

function ms(seconds: number): string {
  return `${(seconds * 1000).toFixed(0)} ms`;
}
