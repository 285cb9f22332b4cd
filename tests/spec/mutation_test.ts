/**
 * Mutation fuzz test of the spec layer: damaged copies of corpus profiles and package specs
 * must either load or fail with a `HitError`; anything else (a TypeError, a RangeError, a
 * stack overflow) is a bug and fails the test. A `HitError` should name the damaged file, or
 * the package built from it (for a profile: any package, since its parameters reach every
 * package); one that names neither fails the test (`HIT_FUZZ_STRICT=0` only shows them). Works in
 * one temporary copy of the corpus, restoring each damaged file after its case.
 *
 * Every run starts from a printed seed; `HIT_FUZZ_SEED=N` replays the one case of seed N with
 * its details, and `HIT_FUZZ_CASES=N` runs N cases instead of the default.
 */
import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { HitError } from "../../src/errors.ts";
import { loadProfile } from "../../src/spec/profile.ts";
import { createResolver, resolveProfile } from "../../src/spec/resolve.ts";
import { createSpecFiles, type SpecFiles } from "../../src/spec/spec_files.ts";
import { caseSeed, createRng, mutate, type Mutation, type Rng } from "./_mutate.ts";

const CORPUS_DIR = fileURLToPath(new URL("../../../shared/corpus/hashstack", import.meta.url));
const DEFAULT_CASES = 1000;

/** Virtual packages of the corpus and the host packages the conformance profile maps them to. */
const VIRTUALS: Record<string, string> = {
  mpi: "host-mpi",
  blas: "host-blas",
  lapack: "host-lapack",
  libstdcxx: "host-libstdcxx",
  matlab: "host-matlab",
};

const HOST_PARAMETERS = [
  "  HOST_MPICC: /usr/bin/mpicc",
  "  HOST_MPICXX: /usr/bin/mpicxx",
  "  HOST_MPIF77: /usr/bin/mpif77",
  "  HOST_MPIF90: /usr/bin/mpif90",
  "  HOST_MPIEXEC: /usr/bin/mpiexec",
];

/** The scratch corpus and what the cases choose from. */
interface Workspace {
  root: string;
  testProfiles: string[];
  baseFiles: string[];
  packageFiles: string[];
  /** Spec file (relative) → packages whose spec or ancestors read it, sorted. */
  users: Map<string, string[]>;
}

/** How one case ended. */
type Outcome =
  | { kind: "loaded"; reached: boolean }
  | { kind: "named"; error: HitError }
  | { kind: "package"; error: HitError }
  | { kind: "elsewhere"; error: HitError }
  | { kind: "crash"; error: unknown };

interface CaseReport {
  seed: number;
  target: string;
  profile: string;
  mutation: Mutation;
  outcome: Outcome;
}

async function prepareWorkspace(root: string): Promise<Workspace> {
  await cp(CORPUS_DIR, root, { recursive: true });
  const testProfiles = listYaml(join(root, "tests"));
  // The corpus's CI ran each test profile from the repository root.
  for (const name of testProfiles) {
    await Deno.copyFile(join(root, "tests", name), join(root, name));
  }
  const baseFiles = listYaml(join(root, "base")).map((name) => `base/${name}`);
  const packageFiles: string[] = [];
  for (const entry of [...Deno.readDirSync(join(root, "pkgs"))].sort(byName)) {
    if (entry.isFile && entry.name.endsWith(".yaml")) packageFiles.push(`pkgs/${entry.name}`);
    if (entry.isDirectory) {
      for (const name of listYaml(join(root, "pkgs", entry.name))) {
        packageFiles.push(`pkgs/${entry.name}/${name}`);
      }
    }
  }
  const users = specUsers(root, packageFiles);
  return { root, testProfiles, baseFiles, packageFiles, users };
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function listYaml(dir: string): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((entry) => entry.isFile && entry.name.endsWith(".yaml"))
    .map((entry) => entry.name)
    .sort();
}

function packageOf(file: string): string {
  const parts = file.split("/");
  return parts.length === 2 ? parts[1].slice(0, -5) : parts[1];
}

/** Loads every package of the unmutated corpus once to learn which packages read each base spec. */
function specUsers(root: string, packageFiles: string[]): Map<string, string[]> {
  const names = [...new Set(packageFiles.map(packageOf))];
  writeProfile(root, names);
  const files = createSpecFiles();
  const resolver = createResolver(loadProfile(profilePath(root), { files }), files);
  const users = new Map<string, string[]>();
  for (const name of names) {
    const spec = resolver.package(name).spec;
    for (const file of [spec.file, ...spec.allParents.map((parent) => parent.file)]) {
      const key = relative(root, file);
      users.set(key, [...(users.get(key) ?? []), name]);
    }
  }
  for (const list of users.values()) list.sort();
  return users;
}

function profilePath(root: string): string {
  return join(root, "_fuzz_profile.yaml");
}

/** Writes the generated profile naming `packages` (virtual names mapped to host packages). */
function writeProfile(root: string, packages: string[]): string {
  const lines = ["extends:", "- file: linux.yaml", "parameters:", ...HOST_PARAMETERS, "packages:"];
  for (const [name, use] of Object.entries(VIRTUALS)) {
    if (!packages.includes(name)) lines.push(`  ${name}:`, `    use: ${use}`);
  }
  for (const name of packages) lines.push(`  ${name}:`);
  const path = profilePath(root);
  Deno.writeTextFileSync(path, lines.join("\n") + "\n");
  return path;
}

/**
 * The file a case damages, the profile whose resolution reads it, and the packages built
 * from it (`undefined` for a profile file, whose parameters reach every package).
 */
interface Target {
  target: string;
  profile: string;
  packages?: string[];
}

function chooseTarget(space: Workspace, rng: Rng): Target {
  const roll = rng.next();
  if (roll < 0.15) {
    const target = rng.pick(["linux.yaml", "config.yaml", rng.pick(space.testProfiles)]);
    const profile = target.startsWith("test.") ? target : rng.pick(space.testProfiles);
    return { target, profile: join(space.root, profile) };
  }
  const target = roll < 0.35 ? rng.pick(space.baseFiles) : rng.pick(space.packageFiles);
  const own = target.startsWith("base/") ? target.slice("base/".length, -5) : packageOf(target);
  const users = space.users.get(target) ?? [];
  const name = users.length > 0 && target.startsWith("base/") ? rng.pick(users) : own;
  return {
    target,
    profile: writeProfile(space.root, [name]),
    packages: [...new Set([own, ...users])],
  };
}

/** Spec files that remember which paths were read, to tell whether a case reached its file. */
function recordingFiles(read: Set<string>): SpecFiles {
  const files = createSpecFiles();
  return {
    ...files,
    readText(path) {
      read.add(path);
      return files.readText(path);
    },
  };
}

function errorTexts(error: HitError): string[] {
  return [error.message, error.hint ?? "", ...error.context];
}

function namesFile(error: HitError, file: string, root: string): boolean {
  if (error.location.file === file) return true;
  return errorTexts(error).some((text) =>
    text.includes(file) || text.includes(relative(root, file))
  );
}

/** Whether `error` names one of `packages`, or any package when `packages` is undefined. */
function namesPackage(error: HitError, packages: string[] | undefined): boolean {
  if (packages === undefined) return error.location.package !== undefined;
  return packages.some((name) =>
    error.location.package === name ||
    errorTexts(error).some((text) => text.includes(`"${name}"`))
  );
}

function runCase(space: Workspace, seed: number): CaseReport {
  const rng = createRng(seed);
  const { target, profile, packages } = chooseTarget(space, rng);
  const path = join(space.root, target);
  const original = Deno.readFileSync(path);
  const mutation = mutate(new TextDecoder().decode(original), rng);
  const read = new Set<string>();
  let outcome: Outcome;
  try {
    Deno.writeFileSync(path, mutation.bytes);
    resolveProfile(profile, { files: recordingFiles(read), cwd: space.root });
    outcome = { kind: "loaded", reached: read.has(path) };
  } catch (error) {
    if (!(error instanceof HitError)) outcome = { kind: "crash", error };
    else if (namesFile(error, path, space.root)) outcome = { kind: "named", error };
    else if (namesPackage(error, packages)) outcome = { kind: "package", error };
    else outcome = { kind: "elsewhere", error };
  } finally {
    Deno.writeFileSync(path, original);
  }
  return { seed, target, profile: relative(space.root, profile), mutation, outcome };
}

function describeCase(report: CaseReport): string {
  const { seed, target, profile, mutation, outcome } = report;
  const lines = [
    `seed ${seed} (replay with HIT_FUZZ_SEED=${seed})`,
    `  file: ${target} (loaded through ${profile})`,
    `  mutation: ${mutation.kind}: ${mutation.description}`,
  ];
  if (outcome.kind === "crash") {
    const error = outcome.error;
    lines.push(`  error: ${error instanceof Error ? error.stack : String(error)}`);
  } else if (outcome.kind !== "loaded") {
    const { message, location, context } = outcome.error;
    lines.push(`  HitError: ${message}`, `  location: ${JSON.stringify(location)}`);
    for (const line of context) lines.push(`  ${line}`);
  } else {
    lines.push(`  loaded${outcome.reached ? "" : " (file not read)"}`);
  }
  return lines.join("\n");
}

function runSeeds(): { runSeed: number; seeds: number[] } {
  const replay = Deno.env.get("HIT_FUZZ_SEED");
  if (replay !== undefined && replay !== "") return { runSeed: NaN, seeds: [Number(replay) >>> 0] };
  const runSeed = (Math.random() * 2 ** 32) >>> 0;
  const count = Number(Deno.env.get("HIT_FUZZ_CASES") || DEFAULT_CASES);
  return { runSeed, seeds: Array.from({ length: count }, (_, i) => caseSeed(runSeed, i)) };
}

Deno.test("resolveProfile() loads each mutated corpus file or throws a HitError, never another error", async () => {
  const root = await Deno.makeTempDir({ prefix: "hit-mutation-" });
  try {
    const space = await prepareWorkspace(root);
    const { runSeed, seeds } = runSeeds();
    const replay = seeds.length === 1 && Number.isNaN(runSeed);
    console.log(replay ? `replaying seed ${seeds[0]}` : `mutation run seed ${runSeed}`);
    const reports = seeds.map((seed) => runCase(space, seed));
    if (replay) {
      console.log(describeCase(reports[0]));
      assert.notEqual(reports[0].outcome.kind, "crash");
      return;
    }
    const count = (kind: Outcome["kind"]) => reports.filter((r) => r.outcome.kind === kind);
    const loaded = count("loaded");
    const unread = loaded.filter((r) => r.outcome.kind === "loaded" && !r.outcome.reached);
    const named = count("named");
    const viaPackage = count("package");
    const elsewhere = count("elsewhere");
    const crashes = count("crash");
    console.log(
      `${reports.length} cases: ${loaded.length} loaded (${unread.length} without reading the ` +
        `file), ${named.length} HitError naming the file, ${viaPackage.length} naming its ` +
        `package, ${elsewhere.length} naming only another file, ${crashes.length} other errors`,
    );
    // An error must name the damaged file or a package built from it; HIT_FUZZ_STRICT=0
    // shows the ones that do not instead of failing.
    const strict = Deno.env.get("HIT_FUZZ_STRICT") !== "0";
    const failures = strict ? [...crashes, ...elsewhere] : crashes;
    for (const report of failures.slice(0, 10)) console.log(describeCase(report));
    if (!strict) {
      for (const report of elsewhere.slice(0, 3)) console.log(`note: ${describeCase(report)}`);
    }
    assert.equal(failures.length, 0, `${failures.length} cases failed (run seed ${runSeed})`);
    assert.ok(loaded.length >= reports.length / 20, "too few mutated files loaded");
    assert.ok(named.length >= reports.length / 5, "too few mutated files were rejected");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
