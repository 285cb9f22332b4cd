/**
 * The `startup` benchmark suite: what a user waits for when `hit` starts, each as a new process,
 * interleaved so a busy moment weighs on all alike. `hit status` of the corpus's 40-package
 * `tests/test.scipy-stack.yaml` from source, through the one file `dist/hit` (built here into a
 * temp folder), and through the original HashDist; `hit --version` through the one file against
 * `deno run` of a one-line file; and the first `hit status` runs right after the one file
 * unpacked into an empty cache. `hit status` keeps the resolved profile while no spec changes
 * (`src/cli/status_cache.ts`); one row touches the profile before each run, so it resolves.
 *
 * HashDist is Python 2 and needs the hashstack's Python hook files, which the corpus copy leaves
 * out: set HIT_BENCH_HASHDIST to a hashdist checkout, HIT_BENCH_HASHSTACK to a full hashstack
 * checkout (commit cc69c4b, as ../shared/corpus/hashstack/SOURCE.md says), and
 * HIT_BENCH_PYTHON2 to a Python 2.7 (default `python2.7` in PATH). Without them the HashDist rows
 * say why they were skipped.
 */
import { cp } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "./compile.ts";
import { type BenchRow, median, timeProgram } from "./_bench_table.ts";

const PROJECT = dirname(dirname(fileURLToPath(import.meta.url)));
const CORPUS = join(PROJECT, "..", "shared", "corpus", "hashstack");
const PROFILE = "test.scipy-stack.yaml";
const COLD_PROFILE = `cold-${PROFILE}`;
const RUNS = 9;
/** Fresh caches the one file unpacks into, each followed by its first `status` runs. */
const UNPACKS = 3;
const FIRST_RUNS = 2;

interface Program {
  program: string;
  args: string[];
  env: Record<string, string>;
  /** The working folder, if not the corpus copy. */
  cwd?: string;
  /** Untimed, before each run. */
  before?: () => Promise<void>;
  check?: (stdout: string) => string | undefined;
}

/** Runs the suite; returns its rows of the table. */
export async function benchStartup(): Promise<BenchRow[]> {
  const root = await Deno.makeTempDir({ prefix: "hit-bench-startup-" });
  try {
    await cp(CORPUS, join(root, "corpus"), { recursive: true });
    for (const name of [PROFILE, COLD_PROFILE]) {
      await Deno.copyFile(join(root, "corpus", "tests", PROFILE), join(root, "corpus", name));
    }
    const one = join(root, "dist", "hit");
    await compile({ out: one, way: "self-extracting" });
    await Deno.writeTextFile(join(root, "one_line.js"), `console.log("hit");\n`);
    const home = join(root, "home");
    await Deno.mkdir(home);
    const env = (extra: Record<string, string> = {}) => ({
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: home,
      HIT_HOME: join(home, ".hit"),
      NO_COLOR: "1",
      ...extra,
    });
    const cwd = join(root, "corpus");
    const statusOk = (stdout: string) =>
      stdout.includes("numpy/") ? undefined : "no numpy in the output";
    const sourceEnv = env({ DENO_DIR: denoDir() });
    const oneEnv = env({ XDG_CACHE_HOME: join(root, "xdg") });
    const programs: Record<string, Program> = {
      source: {
        program: join(PROJECT, "scripts", "hit"),
        args: ["status", PROFILE],
        env: sourceEnv,
        check: statusOk,
      },
      // A copy of the profile touched before each run: `hit status` finds no valid cache and
      // resolves. (A copy: the other runs keep their cache of the profile itself.)
      cold: {
        program: join(PROJECT, "scripts", "hit"),
        args: ["status", COLD_PROFILE],
        env: sourceEnv,
        check: statusOk,
        before: () => Deno.utime(join(root, "corpus", COLD_PROFILE), new Date(), new Date()),
      },
      one: { program: one, args: ["status", PROFILE], env: oneEnv, check: statusOk },
      version: { program: one, args: ["--version"], env: oneEnv },
      deno: { program: Deno.execPath(), args: ["run", join(root, "one_line.js")], env: sourceEnv },
    };
    const hashdist = await hashdistProgram(root, home);
    if (typeof hashdist !== "string") programs.hashdist = hashdist;

    // The first runs after unpacking, each in an empty cache, before anything else warms it
    // (but `hit status`'s own cache, filled from source first: the row is about Deno's caches).
    await time(programs.source, cwd);
    const firstRuns: number[] = [];
    for (let i = 0; i < UNPACKS; i++) {
      const fresh = env({ XDG_CACHE_HOME: join(root, `fresh-${i}`) });
      await time({ program: one, args: ["--version"], env: fresh }, cwd);
      for (let j = 0; j < FIRST_RUNS; j++) {
        firstRuns.push(await time({ ...programs.one, env: fresh }, cwd));
      }
    }
    // One untimed run of each fills the caches (Deno's, the one file's unpacked folder).
    for (const program of Object.values(programs)) await time(program, cwd);
    const times: Record<string, number[]> = {};
    for (let i = 0; i < RUNS; i++) {
      for (const [name, program] of Object.entries(programs)) {
        (times[name] ??= []).push(await time(program, cwd));
      }
    }
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    console.log(
      `startup (medians of ${RUNS}): ${
        Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(3)} s`).join(", ")
      }; first status runs after unpacking: ${firstRuns.map((t) => t.toFixed(3)).join(", ")} s`,
    );
    const hashdistRow = (what: string, hit: number): BenchRow =>
      typeof hashdist === "string"
        ? { what, reference: "HashDist", goal: 0.2, skipped: hashdist }
        : { what, hit, reference: "HashDist", referenceSeconds: m.hashdist, goal: 0.2 };
    return [
      hashdistRow(`hit status ${PROFILE} (40 packages, new process), from source`, m.source),
      hashdistRow(`the same through the one file`, m.one),
      hashdistRow(`the same from source, the profile just edited (no status cache)`, m.cold),
      {
        what: `hit status through the one file, caches warm`,
        hit: m.one,
        reference: "from source",
        referenceSeconds: m.source,
        goal: 1,
      },
      {
        what: `hit status through the one file, the first ${FIRST_RUNS} runs after each of ` +
          `${UNPACKS} unpackings`,
        hit: median(firstRuns),
        reference: "from source",
        referenceSeconds: m.source,
        goal: 1,
      },
      {
        what: "hit --version through the one file",
        hit: m.version,
        reference: "deno run of a one-line file",
        referenceSeconds: m.deno,
        goal: 1.5,
      },
    ];
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function time(program: Program, cwd: string): Promise<number> {
  await program.before?.();
  return await timeProgram(program.program, program.args, {
    cwd: program.cwd ?? cwd,
    env: program.env,
    check: program.check,
  });
}

/**
 * `hit status` of the original HashDist in a copy of the full hashstack, or why it cannot run.
 * Its first run (untimed, by the caller) writes its default configuration into `home`.
 */
async function hashdistProgram(root: string, home: string): Promise<Program | string> {
  const checkout = Deno.env.get("HIT_BENCH_HASHDIST");
  const hashstack = Deno.env.get("HIT_BENCH_HASHSTACK");
  if (!checkout || !hashstack) return "HIT_BENCH_HASHDIST or HIT_BENCH_HASHSTACK is not set";
  const python = Deno.env.get("HIT_BENCH_PYTHON2") || "python2.7";
  const stack = join(root, "hashstack");
  await cp(hashstack, stack, { recursive: true });
  await Deno.copyFile(join(stack, "tests", PROFILE), join(stack, PROFILE));
  const program: Program = {
    program: python,
    args: [join(checkout, "bin", "hit"), "status", PROFILE],
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: home },
    cwd: stack,
    check: (stdout) => stdout.includes("numpy/") ? undefined : "no numpy in the output",
  };
  try {
    await time(program, stack);
  } catch (error) {
    return `HashDist failed: ${error instanceof Error ? error.message : error}`;
  }
  return program;
}

function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const cache = Deno.env.get("XDG_CACHE_HOME") ||
    join(Deno.env.get("HOME") ?? "/root", ".cache");
  return join(cache, "deno");
}
