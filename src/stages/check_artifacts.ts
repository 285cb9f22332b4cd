/**
 * `hit build --check`: builds stored artifacts a second time, one after the other, each into a
 * fresh staging folder under the same sandbox (the job sees it at the artifact's path), and
 * compares the result with the stored artifact, holding the artifact's lock from the build to the
 * comparison. Never changes the stored artifacts: a kept second build is moved to
 * `checkKeepDir`, which leftover reclaims never touch; otherwise it is removed. Reports as
 * data; never prints.
 */
import { HitError } from "../errors.ts";
import { basename, join } from "node:path";
import {
  artifactDir,
  artifactState,
  checkKeepDir,
  holdArtifactLock,
  removeTree,
} from "../core/build_store.ts";
import { compareArtifacts, type Difference } from "../core/artifact_compare.ts";
import type { ResolvedProfile } from "../spec/resolve.ts";
import { buildArtifact, type BuildContext } from "./build_artifact.ts";
import type { BuildEvent } from "./build_profile.ts";

/** What the check of one package found. */
export interface CheckResult {
  name: string;
  id: string;
  /** Empty when the second build is the same as the stored artifact. */
  differences: Difference[];
  /** The second build, when kept. */
  keptDir?: string;
}

/** Options of `checkArtifacts`. */
export interface CheckOptions {
  /** Check only these packages (default: every package of the profile). */
  only?: string[];
  /** Keep each second build for inspection. */
  keep?: boolean;
  /** Progress, as a profile build reports it: the plan, each start, output line and end. */
  onEvent?: (event: BuildEvent) => void;
}

/**
 * Builds each package of `resolved` again and compares it with the stored artifact.
 * @throws {HitError} when a package is not built yet (listing all of them), or a second build
 * fails.
 */
export async function checkArtifacts(
  resolved: ResolvedProfile,
  context: BuildContext,
  options: CheckOptions = {},
): Promise<CheckResult[]> {
  const store = context.config.buildStore;
  const names = resolved.buildOrder.filter((name) => options.only?.includes(name) ?? true);
  const missing: string[] = [];
  for (const name of names) {
    const id = resolved.packages.get(name)!.artifactId;
    if (await artifactState(store, id) !== "built") missing.push(name);
  }
  if (missing.length > 0) {
    throw new HitError(`check: not built yet: ${missing.map((name) => `"${name}"`).join(", ")}`, {
      hint: `build the profile first ("hit build ${resolved.path}"), then check it`,
    });
  }
  const emit = options.onEvent ?? (() => {});
  emit({ type: "plan", toBuild: names, cached: [] });
  const results: CheckResult[] = [];
  for (const name of names) {
    const pkg = resolved.packages.get(name)!;
    const id = pkg.artifactId;
    // Held until compared: a `hit build` or `hit gc` beside this one reclaims only staging
    // folders whose lock it can take, and removes no artifact someone holds.
    using _lock = await holdArtifactLock(store, id);
    emit({ type: "start", name, id, cpus: context.cpuCount });
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let outcome;
    try {
      outcome = await buildArtifact(pkg.buildSpec, id, { isProfile: false, check: true }, {
        ...context,
        onOutput: (line) => emit({ type: "output", name, line }),
      });
      emit({ type: "done", name, id, seconds: seconds(), status: "built" });
    } catch (error) {
      if (error instanceof HitError) {
        emit({ type: "failed", name, id, seconds: seconds(), error });
        error.location.package ??= name;
        error.addContext(`while building "${name}" a second time to check it`);
      }
      throw error;
    }
    let keptDir: string | undefined;
    try {
      const differences = await compareArtifacts(artifactDir(store, pkg.artifactId), outcome.dir, {
        buildPaths: [context.config.buildTemp],
      });
      if (options.keep) keptDir = await keepCheckBuild(store, outcome.dir);
      results.push({ name, id: pkg.artifactId, differences, keptDir });
    } finally {
      if (keptDir === undefined) await removeTree(outcome.dir);
    }
  }
  return results;
}

/** Moves a second build out of `.staging` (same file system) into `checkKeepDir`; its path. */
async function keepCheckBuild(store: string, dir: string): Promise<string> {
  const kept = join(checkKeepDir(store), basename(dir));
  await Deno.mkdir(checkKeepDir(store), { recursive: true });
  await Deno.rename(dir, kept);
  return kept;
}
