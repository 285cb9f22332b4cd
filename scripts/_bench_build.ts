/**
 * The `build` benchmark suite: builds the real stack of `../shared/sources/` (corpus specs on
 * debian.yaml, as in `tests/e2e/build_stack_test.ts`, plus ncurses and readline) from a warm
 * source cache twice in the same run: one package at a time with each package's `make` using
 * every core (`hit build --serial`, what HashDist did), then with the scheduler. Prints both wall
 * times, their ratio, and this machine's lower bound: the larger of the critical path (package
 * build times of the first run along the longest dependency chain, the profile artifact last)
 * and the CPU seconds (the machine's busy time while a run ran; the smaller of the two runs) over
 * the cores. While the one-at-a-time run builds, the machine's busy cores are sampled: each
 * package's profile of phases, from which `_build_simulation.ts` shows what the stack would take
 * on 8 and 32 cores. Needs a quiet machine: the samples count every process. Works in a
 * temporary folder, removed at the end.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveProfile } from "../src/spec/resolve.ts";
import { lowerBound, type PhaseSample, type SimPackage, simulate } from "./_build_simulation.ts";
import type { BenchRow } from "./_bench_table.ts";

const PROJECT = dirname(dirname(fileURLToPath(import.meta.url)));
const SHARED = join(PROJECT, "..", "shared");
export const HIT = join(PROJECT, "scripts", "hit");
const TARGET_RATIO = 1.05;
const SAMPLE_MS = 250;

/** The tarball of each package, and its key (`../shared/sources/README.md`). */
export const SOURCES: Record<string, { file: string; key: string }> = {
  patchelf: { file: "patchelf-0.14.3.tar.gz", key: "tar.gz:4vdkrihefipzeggyqt4gmnwvnvfvyszz" },
  zlib: { file: "zlib_1.2.13.dfsg.orig.tar.bz2", key: "tar.bz2:oh7lpfd6hqao6es7qo3zutsstppdcfy6" },
  png: { file: "libpng1.6_1.6.39.orig.tar.gz", key: "tar.gz:uahj2lzpmzaynzbafw4ste4x7bi25jy3" },
  bzip2: { file: "bzip2_1.0.8.orig.tar.gz", key: "tar.gz:vnnagf3o4ednh4h2sdrydwshrxnoibmr" },
  xz: { file: "xz-utils_5.4.1.orig.tar.xz", key: "tar.xz:lwmcpkqyowzbykeppcdexmtnezilinxk" },
  libogg: { file: "libogg_1.3.5.orig.tar.xz", key: "tar.xz:ytmrxy3pzdsu32xhk5jedyb7iii6webk" },
  libvorbis: {
    file: "libvorbis_1.3.7.orig.tar.gz",
    key: "tar.gz:b2mcicnjyp6if3qg4cbalmjvlzogvjgd",
  },
  libyaml: { file: "libyaml_0.2.5.orig.tar.gz", key: "tar.gz:7isa3pzgfpqfh44jqadnkawvcsjwzamo" },
  fftw2: { file: "fftw_2.1.5.orig.tar.gz", key: "tar.gz:7acx7lq4px4lteiwpa7ph2kknjcfddkj" },
  ncurses: { file: "ncurses_6.4.orig.tar.gz", key: "tar.gz:neysqpm2zb6fa47tbnrjbrghl4qwgk5u" },
  readline: { file: "readline_8.2.orig.tar.gz", key: "tar.gz:h7vxc4prnkco5awkdcrw26434ee2klae" },
};

// Debian's libyaml 0.2.5 tarball has no configure script: build it with the CMake handler, as
// tests/e2e/build_stack_test.ts does.
export const LIBYAML_SPEC = `extends: [cmake_package]

build_stages:
- name: configure
  extra: ['-DBUILD_SHARED_LIBS=ON']

when_build_dependency:
- prepend_path: PKG_CONFIG_PATH
  value: '\${ARTIFACT}/lib/pkgconfig'
`;

/**
 * The packages of the stack: all of `SOURCES`, or those named in HIT_BENCH_BUILD_ONLY
 * (`patchelf,zlib`: a quick check of the suite itself; their figures say little).
 */
function stackSources(): [string, { file: string; key: string }][] {
  const only = Deno.env.get("HIT_BENCH_BUILD_ONLY")?.split(",").filter((name) => name !== "");
  return Object.entries(SOURCES).filter(([name]) => !only?.length || only.includes(name));
}

/** debian.yaml, the bench's spec folder first, host MPI and CMake, and the source overrides. */
export function stackProfile(): string {
  const packages = stackSources().map(([name, { file, key }]) =>
    `  ${name}:\n    sources:\n    - key: ${key}\n      url: file:${
      join(SHARED, "sources", file)
    }\n`
  );
  return `extends:
- file: ${join(SHARED, "corpus", "hashstack", "debian.yaml")}
package_dirs:
- specs
packages:
  mpi:
    use: host-mpi
  cmake:
    use: host-cmake
${packages.join("")}`;
}

/** A configuration with its own store and build folders and the shared source cache. */
export function config(sourceCache: string): string {
  return `build_stores:\n- dir: ./bld\nbuild_temp: ./tmp\nsource_caches:\n- dir: ${sourceCache}\n` +
    `cache: ./cache\ngc_roots: ./gcroots\n`;
}

/** What one `hit build` took: wall and CPU seconds, and each package's build time. */
interface BuildRun {
  wall: number;
  cpu: number;
  packages: Map<string, number>;
  /** Each package's start and end, in seconds from the start of the run. */
  spans: Map<string, { start: number; end: number }>;
  /** The machine's busy cores, sampled every SAMPLE_MS: seconds from the start, and cores. */
  samples: { at: number; busy: number }[];
}

/** Runs the suite, prints its detail lines and returns its rows of the table. */
export async function benchBuild(): Promise<BenchRow[]> {
  const cores = navigator.hardwareConcurrency || 1;
  const root = await Deno.makeTempDir({ prefix: "hit-bench-build-" });
  try {
    await Deno.mkdir(join(root, "specs"));
    await Deno.writeTextFile(join(root, "specs", "libyaml.yaml"), LIBYAML_SPEC);
    await Deno.writeTextFile(join(root, "stack.yaml"), stackProfile());
    const homes = { serial: join(root, "home-serial"), scheduled: join(root, "home-scheduled") };
    for (const home of Object.values(homes)) {
      await Deno.mkdir(home);
      await Deno.writeTextFile(join(home, "config.yaml"), config(join(root, "src")));
    }
    for (const [, { file, key }] of stackSources()) {
      const url = `file:${join(SHARED, "sources", file)}`;
      await runHit(["fetch", "--quiet", url, key], root, homes.serial);
    }
    const jobs = ["-j", String(cores)];
    const serial = await timeBuild([...jobs, "--serial", "-o", "serial"], root, homes.serial);
    const scheduled = await timeBuild([...jobs, "-o", "scheduled"], root, homes.scheduled);
    const resolved = resolveProfile(join(root, "stack.yaml"));
    const deps = new Map([...resolved.packages].map(([name, pkg]) => [name, pkg.buildDeps]));
    deps.set("profile", [...resolved.packages.keys()]);
    const path = criticalPath(deps, serial.packages);
    // The least CPU time either run needed: the stricter bound.
    const cpu = Math.min(serial.cpu, scheduled.cpu);
    const cpuBound = cpu / cores;
    const bound = Math.max(path.seconds, cpuBound);
    const ratio = scheduled.wall / bound;
    console.log(
      `build serial (one package at a time, make -j ${cores}, as HashDist): ` +
        `${s(serial.wall)} wall, ${s(serial.cpu)} CPU`,
    );
    console.log(
      `build scheduled (-j ${cores}): ${s(scheduled.wall)} wall, ${s(scheduled.cpu)} CPU; ` +
        `serial/scheduled ${(serial.wall / scheduled.wall).toFixed(2)}x`,
    );
    console.log(
      `build lower bound: ${s(bound)} = max(critical path ${s(path.seconds)} ` +
        `[${path.chain.join(" > ")}], CPU ${s(cpu)} / ${cores} cores = ${s(cpuBound)}); ` +
        `scheduled/bound ${ratio.toFixed(2)}x`,
    );
    const what = `build the real stack (${serial.packages.size} packages)`;
    const rows: BenchRow[] = [
      {
        what: `${what}, hit -j ${cores}`,
        hit: scheduled.wall,
        reference: "lower bound",
        referenceSeconds: bound,
        goal: TARGET_RATIO,
      },
      {
        what: `${what}, hit -j ${cores}`,
        hit: scheduled.wall,
        reference: `one at a time with make -j ${cores} (HashDist's way)`,
        referenceSeconds: serial.wall,
        goal: 1,
      },
    ];
    const simulated = profiles(deps, serial);
    for (const simCores of [cores, 8, 32]) {
      const simBound = lowerBound(simulated, simCores);
      const simHit = simulate(simulated, simCores, "scheduled");
      const simSerial = simulate(simulated, simCores, "serial");
      console.log(
        `build simulated on ${simCores} cores from the phase profiles: hit ${s(simHit)}, ` +
          `one at a time ${s(simSerial)}, lower bound ${s(simBound)}`,
      );
      rows.push({
        what: `${what}, simulated on ${simCores} cores, hit (one at a time ${s(simSerial)})`,
        hit: simHit,
        reference: "lower bound",
        referenceSeconds: simBound,
        goal: TARGET_RATIO,
      });
    }
    return rows;
  } finally {
    await removeTree(root);
  }
}

/** Builds the stack with `args` into the store of `home`; times it and samples the machine. */
async function timeBuild(args: string[], cwd: string, home: string): Promise<BuildRun> {
  const busy = await machineCpuSeconds();
  const start = performance.now();
  const since = () => (performance.now() - start) / 1000;
  const samples: { at: number; busy: number }[] = [];
  let sampling = true;
  const sampler = (async () => {
    let last = { at: 0, cpu: busy };
    while (sampling) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      const now = { at: since(), cpu: await machineCpuSeconds() };
      samples.push({ at: now.at, busy: (now.cpu - last.cpu) / (now.at - last.at) });
      last = now;
    }
  })();
  const spans = new Map<string, { start: number; end: number }>();
  const packages = new Map<string, number>();
  let stderr: string;
  try {
    stderr = await runHit(["build", "stack.yaml", ...args], cwd, home, (line) => {
      const started = line.match(/^(?:\d\d:\d\d:\d\d )?\[(\S+)\] building /);
      if (started) spans.set(started[1], { start: since(), end: Infinity });
      const built = line.match(/^(?:\d\d:\d\d:\d\d )?\[(\S+)\] built in (\d+\.\d) s$/);
      if (built) {
        packages.set(built[1], Number(built[2]));
        const span = spans.get(built[1]);
        if (span) span.end = since();
      }
    });
  } finally {
    sampling = false;
    await sampler;
  }
  const wall = since();
  const cpu = await machineCpuSeconds() - busy;
  if (packages.size === 0) throw new Error(`hit build printed no "built in" line:\n${stderr}`);
  return { wall, cpu, packages, spans, samples };
}

/** Each package's phase profile: the samples taken while it built alone (the serial run). */
function profiles(deps: Map<string, readonly string[]>, run: BuildRun): SimPackage[] {
  const out: SimPackage[] = [];
  for (const [name, span] of run.spans) {
    if (!Number.isFinite(span.end)) continue;
    const profile: PhaseSample[] = [];
    let previous = span.start;
    for (const sample of run.samples) {
      if (sample.at <= span.start || sample.at - SAMPLE_MS / 1000 >= span.end) continue;
      const at = Math.min(sample.at, span.end);
      profile.push({ seconds: at - previous, busy: sample.busy });
      previous = at;
    }
    if (profile.length === 0) profile.push({ seconds: span.end - span.start, busy: 1 });
    out.push({ name, deps: (deps.get(name) ?? []).filter((dep) => dep !== name), profile });
  }
  return out;
}

/**
 * CPU seconds the whole machine has spent busy since boot (user, nice, system, irq, softirq of
 * `/proc/stat`). The builds' own times cannot be had: bwrap's outer process exits without
 * waiting for the sandbox's init, so their rusage never reaches `hit`. Read with `cat`, as Deno
 * asks for --allow-all to read /proc.
 */
async function machineCpuSeconds(): Promise<number> {
  const output = await new Deno.Command("cat", { args: ["/proc/stat"] }).output();
  const fields = new TextDecoder().decode(output.stdout).split("\n")[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq] = fields.slice(1).map(Number);
  return (user + nice + system + irq + softirq) / 100;
}

/**
 * Runs `hit ARGS` in `cwd` with the home `home`; returns its stderr.
 * @throws {Error} when `hit` fails.
 */
export async function runHit(
  args: string[],
  cwd: string,
  home: string,
  onLine: (line: string) => void = () => {},
): Promise<string> {
  const child = new Deno.Command(HIT, {
    args,
    cwd,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: home,
      HIT_HOME: home,
      DENO_DIR: denoDir(),
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  let pending = "";
  for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
    stderr += chunk;
    const lines = (pending + chunk).split("\n");
    pending = lines.pop()!;
    for (const line of lines) onLine(line);
  }
  const { code } = await child.status;
  if (code !== 0) throw new Error(`hit ${args.join(" ")} failed:\n${stderr}`);
  return stderr;
}

/** The longest chain of build times through `deps` (packages missing from `times` take 0 s). */
function criticalPath(
  deps: Map<string, readonly string[]>,
  times: Map<string, number>,
): { seconds: number; chain: string[] } {
  const memo = new Map<string, { seconds: number; chain: string[] }>();
  const longest = (name: string): { seconds: number; chain: string[] } => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    let best = { seconds: 0, chain: [] as string[] };
    for (const dep of deps.get(name) ?? []) {
      const path = longest(dep);
      if (path.seconds > best.seconds) best = path;
    }
    const own = times.get(name) ?? 0;
    const result = {
      seconds: best.seconds + own,
      chain: own > 0 ? [...best.chain, name] : best.chain,
    };
    memo.set(name, result);
    return result;
  };
  return longest("profile");
}

function denoDir(): string {
  const explicit = Deno.env.get("DENO_DIR");
  if (explicit) return explicit;
  const cache = Deno.env.get("XDG_CACHE_HOME") ||
    join(Deno.env.get("HOME") ?? "/root", ".cache");
  return join(cache, "deno");
}

/** Removes `path`; the store's artifacts are write-protected, so it makes them writable first. */
export async function removeTree(path: string): Promise<void> {
  await new Deno.Command("chmod", { args: ["-R", "u+w", path] }).output();
  await Deno.remove(path, { recursive: true });
}

export function s(seconds: number): string {
  return `${seconds.toFixed(1)} s`;
}
