/**
 * Conformance against the original HashDist: computes every package and profile of a folder in
 * the layout of `shared/conformance` and compares scripts, build specs and artifact ids.
 *
 *   deno task conformance [--root DIR] [--corpus DIR] [--json]
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { HitError } from "../src/errors.ts";
import { canonicalJson } from "../src/spec/canonical_json.ts";
import { createResolver, resolveProfile } from "../src/spec/resolve.ts";
import { loadProfile } from "../src/spec/profile.ts";
import { createSpecFiles } from "../src/spec/spec_files.ts";
import type { Value, ValueMap } from "../src/spec/values.ts";

const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));

/** One mismatch or unexpected outcome. */
export interface Mismatch {
  profile: string;
  package?: string;
  level: "script" | "spec" | "id" | "error" | "profile";
  detail: string;
  /**
   * Why the corpus cannot reproduce the golden, when `hit` itself reported the cause: a bundled
   * `files:` entry that is missing from the corpus (its `.py` files were left out of it).
   */
  unverifiable?: string;
}

/** Counts for one package profile, or for the whole run. */
export interface Tally {
  script: number;
  spec: number;
  id: number;
  ok: number;
  errors: number;
  failing: number;
}

/** The outcome of a conformance run. */
export interface ConformanceReport {
  profiles: { name: string; tally: Tally }[];
  total: Tally;
  goldens: { matched: number; total: number };
  mismatches: Mismatch[];
}

/** Runs every check on the folder `root` against the corpus at `corpus`. */
export async function runConformance(root: string, corpus: string): Promise<ConformanceReport> {
  const scratch = await Deno.makeTempDir({ prefix: "hit-conformance-" });
  try {
    await copyTree(corpus, scratch);
    const report: ConformanceReport = {
      profiles: [],
      total: emptyTally(),
      goldens: { matched: 0, total: 0 },
      mismatches: [],
    };
    for (const profileFile of await listFiles(join(root, "profiles"), ".yaml")) {
      const name = basename(profileFile, ".yaml").replace(/^golden-/, "");
      await Deno.copyFile(profileFile, join(scratch, basename(profileFile)));
      const tally = await checkPackages(
        join(scratch, basename(profileFile)),
        join(root, "packages", name),
        name,
        report.mismatches,
      );
      report.profiles.push({ name, tally });
      for (const key of Object.keys(tally) as (keyof Tally)[]) report.total[key] += tally[key];
    }
    for (const goldenFile of await listFiles(join(root, "profile-goldens"), ".json")) {
      report.goldens.total++;
      if (await checkProfileGolden(goldenFile, root, corpus, scratch, report.mismatches)) {
        report.goldens.matched++;
      }
    }
    return report;
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

function emptyTally(): Tally {
  return { script: 0, spec: 0, id: 0, ok: 0, errors: 0, failing: 0 };
}

async function checkPackages(
  profilePath: string,
  packagesDir: string,
  profileName: string,
  mismatches: Mismatch[],
): Promise<Tally> {
  const tally = emptyTally();
  const files = createSpecFiles();
  const resolver = createResolver(loadProfile(profilePath, { files }), files);
  for (const goldenFile of await listFiles(packagesDir, ".json")) {
    const golden = JSON.parse(await Deno.readTextFile(goldenFile));
    const name: string = golden.package ?? basename(goldenFile, ".json");
    const note = (level: Mismatch["level"], detail: string) =>
      mismatches.push({ profile: profileName, package: name, level, detail });
    if (!golden.ok) {
      tally.failing++;
      try {
        resolver.result(name);
        note("error", `computed a build spec where the original failed: ${golden.error}`);
      } catch (error) {
        if (error instanceof HitError) tally.errors++;
        else note("error", `not a HitError: ${describeError(error)}`);
      }
      continue;
    }
    tally.ok++;
    let result;
    try {
      result = resolver.result(name);
    } catch (error) {
      note("script", `failed: ${describeError(error)}`);
      continue;
    }
    const scriptDiff = firstDifference(golden.build_script, result.buildScript);
    if (scriptDiff) note("script", scriptDiff);
    else tally.script++;
    const specDiff = firstDifference(
      pretty(withImportNames(golden.build_spec)),
      pretty(withImportNames(result.buildSpec)),
    );
    if (specDiff) note("spec", specDiff);
    else tally.spec++;
    if (golden.artifact_id === result.artifactId) tally.id++;
    else note("id", `expected ${golden.artifact_id}, computed ${result.artifactId}`);
  }
  return tally;
}

async function checkProfileGolden(
  goldenFile: string,
  root: string,
  corpus: string,
  scratch: string,
  mismatches: Mismatch[],
): Promise<boolean> {
  const golden = JSON.parse(await Deno.readTextFile(goldenFile));
  const profile: string = golden.profile;
  const source = profile.includes("/") ? join(corpus, profile) : join(root, "profiles", profile);
  const target = join(scratch, basename(profile));
  await Deno.copyFile(source, target);
  const fail = (detail: string) => {
    mismatches.push({ profile, level: "profile", detail });
    return false;
  };
  let resolved;
  try {
    resolved = resolveProfile(target);
  } catch (error) {
    if (!golden.ok && error instanceof HitError) return true;
    return fail(`failed: ${describeError(error)}`);
  }
  if (!golden.ok) return fail(`resolved where the original failed: ${golden.error}`);
  const ids: Record<string, string> = {};
  for (const [name, result] of resolved.packages) ids[name] = result.artifactId;
  const packagesDiff = firstDifference(pretty(golden.packages), pretty(ids));
  if (packagesDiff) {
    const differing = Object.keys(ids).filter((name) => golden.packages[name] !== ids[name]);
    const missingFiles = differing.flatMap((name) =>
      resolved.packages.get(name)!.warnings.filter((warning) => warning.includes("matches nothing"))
    );
    mismatches.push({
      profile,
      level: "profile",
      detail: `packages: ${packagesDiff}`,
      unverifiable: missingFiles.length > 0 ? missingFiles.join("; ") : undefined,
    });
    return false;
  }
  const specDiff = firstDifference(
    pretty(golden.profile_build_spec),
    pretty(resolved.profileBuildSpec),
  );
  if (specDiff) return fail(`profile build spec: ${specDiff}`);
  return true;
}

function withImportNames(spec: ValueMap): ValueMap {
  const build = spec.build as ValueMap;
  const imports = (build.import as ValueMap[]).map((entry) => ({
    ...entry,
    id: String(entry.id).split("/")[0],
  }));
  return { ...spec, build: { ...build, import: imports } };
}

function pretty(value: Value): string {
  return JSON.stringify(JSON.parse(canonicalJson(value)), null, 1);
}

/** The first differing line of two texts, or undefined when they are equal. */
function firstDifference(expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined;
  const a = expected.split("\n");
  const b = actual.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `line ${i + 1}: expected ${JSON.stringify(a[i] ?? "<end>")}, got ${
        JSON.stringify(b[i] ?? "<end>")
      }`;
    }
  }
  return "differs";
}

function describeError(error: unknown): string {
  if (error instanceof HitError) return `${error.message} ${JSON.stringify(error.location)}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function listFiles(dir: string, suffix: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(suffix)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort().map((name) => join(dir, name));
}

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory) await copyTree(source, target);
    else if (entry.isFile) await Deno.copyFile(source, target);
  }
}

/** `S/N` with the counts of a tally. */
function tallyLine(tally: Tally): string {
  const n = tally.ok;
  return `script ${tally.script}/${n} spec ${tally.spec}/${n} id ${tally.id}/${n} errors ${tally.errors}/${tally.failing}`;
}

/** Whether every check of a report passed. */
export function allMatch(report: ConformanceReport): boolean {
  return report.mismatches.length === 0;
}

/** The summary line: `conformance: script S/N spec P/N id I/N errors E/M profiles F/G`. */
export function summaryLine(report: ConformanceReport): string {
  return `conformance: ${
    tallyLine(report.total)
  } profiles ${report.goldens.matched}/${report.goldens.total}`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      root: { type: "string", default: join(projectRoot, "..", "shared", "conformance") },
      corpus: { type: "string", default: join(projectRoot, "..", "shared", "corpus", "hashstack") },
      json: { type: "boolean", default: false },
    },
  });
  const report = await runConformance(values.root, values.corpus);
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const { name, tally } of report.profiles) console.log(`${name}: ${tallyLine(tally)}`);
    console.log(`profile goldens: ${report.goldens.matched}/${report.goldens.total}`);
    for (const mismatch of report.mismatches.slice(0, 20)) {
      console.log(
        `  ${mismatch.profile}${
          mismatch.package ? ` ${mismatch.package}` : ""
        } [${mismatch.level}] ${mismatch.detail}`,
      );
      if (mismatch.unverifiable) {
        console.log(`    not reproducible from this corpus: ${mismatch.unverifiable}`);
      }
    }
    if (report.mismatches.length > 20) {
      console.log(`  … ${report.mismatches.length - 20} more (use --json)`);
    }
  }
  console.log(summaryLine(report));
  Deno.exit(allMatch(report) ? 0 : 1);
}
