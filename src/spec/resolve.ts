/**
 * Resolves a loaded profile into build specs: every package of its closure, with build
 * script, build spec and artifact id, and the profile artifact's own build spec. Pure apart
 * from reading spec files.
 */
import { HitError } from "../errors.ts";
import { artifactId } from "./artifact_id.ts";
import { assembleBuildScript, readBundledFiles } from "./build_script.ts";
import { packageBuildSpec, profileBuildSpec } from "./build_spec.ts";
import { hitPackKey, type PackEntry } from "./hit_pack.ts";
import { importCommands } from "./import_commands.ts";
import { loadPackage, type Package } from "./package.ts";
import type { SpecContext } from "./package_spec.ts";
import { postprocessCommands } from "./postprocess_commands.ts";
import { loadProfile, type Profile } from "./profile.ts";
import { type LinkAction, linkRules } from "./profile_links.ts";
import { createSpecFiles, type SpecFiles } from "./spec_files.ts";
import { compareCodePoints, type ValueMap } from "./values.ts";
import { locate } from "./yaml_load.ts";

/** One bundled file of a build-script bundle: `_hashdist/NAME` and its bytes. */
export type BundleEntry = PackEntry;

/** Everything the spec layer computes for one package of a profile. */
export interface PackageResult {
  name: string;
  artifactId: string;
  /** The canonicalised build spec (`build.json`, `nohash_` keys kept). */
  buildSpec: ValueMap;
  buildScript: string;
  /** Names (under `_hashdist/`) of the stage `files:` bundled with the script. */
  bundledFiles: string[];
  /** The `files:` pack of the script bundle: its key and entries. */
  bundle: { key: string; entries: BundleEntry[] };
  /** `when_build_dependency` commands as a dependant sees them. */
  importCommands: ValueMap[];
  /** The `create-links` rules this package contributes to a profile. */
  linkRules: ValueMap[];
  /** `[{hit: ["build-postprocess", ...]}]`, or `[]`. */
  postprocess: ValueMap[];
  buildDeps: string[];
  runDeps: string[];
  /** The spec's own `version:` and `license:` (an SPDX expression), for SBOMs; not hashed. */
  version?: string;
  license?: string;
  /** Sources besides the bundle, with their URLs, for fetching. */
  sources: { key: string; url?: string; target: string }[];
  warnings: string[];
  /** The spec file, its `description` and the `version` parameter, for `hit info`. */
  about?: { specFile: string; description?: string; version?: string };
}

/** A profile resolved into build specs. */
export interface ResolvedProfile {
  /** The profile file as given. */
  path: string;
  profile: Profile;
  /** Every package of the closure (build and run dependencies of the roots), by name. */
  packages: Map<string, PackageResult>;
  /** Package names in build order: repeatedly the alphabetically first ready package. */
  buildOrder: string[];
  /** The profile artifact's build spec (HASHDIST.md §5.2) and its artifact id. */
  profileBuildSpec: ValueMap;
  profileArtifactId: string;
}

/** Options of `resolveProfile`. */
export interface ResolveOptions {
  /** Command-line `name=value` parameter overrides (always strings). */
  overrides?: Record<string, string>;
  files?: SpecFiles;
  cwd?: string;
  /** Local checkouts of remote profile includes, by include name. */
  checkouts?: Record<string, string>;
}

/**
 * Loads the profile at `path` and computes every package's build spec.
 * @throws {HitError} on any bad input, naming the file and line or the package.
 */
export function resolveProfile(path: string, options: ResolveOptions = {}): ResolvedProfile {
  const files = options.files ?? createSpecFiles();
  const profile = loadProfile(path, {
    files,
    overrides: options.overrides,
    cwd: options.cwd,
    checkouts: options.checkouts,
  });
  const resolver = createResolver(profile, files);
  const closure = resolver.closure(Object.keys(profile.packages));
  const packages = new Map<string, PackageResult>();
  for (const name of closure) packages.set(name, resolver.result(name));
  const members = runOrder(closure, resolver).map((name) => {
    const result = packages.get(name)!;
    return { ...result, name };
  });
  const profileSpec = profileBuildSpec(members, { writeProtect: true });
  return {
    path,
    profile,
    packages,
    buildOrder: buildOrder(packages),
    profileBuildSpec: profileSpec,
    profileArtifactId: artifactId(profileSpec),
  };
}

/** Computes packages of one profile on demand, each once. */
export interface Resolver {
  context: SpecContext;
  /** The loaded package `name`. @throws {HitError} */
  package(name: string): Package;
  /** The full result for package `name`. @throws {HitError} */
  result(name: string): PackageResult;
  /** The roots and all their build and run dependencies, sorted. @throws {HitError} */
  closure(roots: string[]): string[];
}

/** A resolver for the packages of `profile`, memoising loaded packages and results. */
export function createResolver(profile: Profile, files: SpecFiles): Resolver {
  const context: SpecContext = { files, profile, parsed: new Map() };
  const loaded = new Map<string, Package>();
  const results = new Map<string, PackageResult>();
  const inProgress: string[] = [];

  const resolver: Resolver = {
    context,
    package(name) {
      let pkg = loaded.get(name);
      if (!pkg) {
        pkg = loadPackage(name, context);
        loaded.set(name, pkg);
      }
      return pkg;
    },
    result(name) {
      const done = results.get(name);
      if (done) return done;
      if (inProgress.includes(name)) {
        const cycle = [...inProgress.slice(inProgress.indexOf(name)), name];
        throw new HitError(
          `resolve "${name}": build dependencies form a cycle: ${cycle.join(" -> ")}`,
          {
            location: { package: name },
            hint: "a package cannot need itself to build; make one of these a run dependency",
          },
        );
      }
      inProgress.push(name);
      try {
        const pkg = resolver.package(name);
        try {
          const result = computeResult(pkg, resolver);
          results.set(name, result);
          return result;
        } catch (error) {
          // Errors from hashing or assembling name no file of their own: point at the spec.
          if (error instanceof HitError && error.location.package === undefined) {
            error.location.package = name;
            error.location.file ??= pkg.spec.file;
          }
          throw error;
        }
      } finally {
        inProgress.pop();
      }
    },
    closure(roots) {
      const seen = new Set<string>();
      const stack = [...roots];
      while (stack.length > 0) {
        const name = stack.pop()!;
        if (seen.has(name)) continue;
        seen.add(name);
        let pkg: Package;
        try {
          pkg = resolver.package(name);
        } catch (error) {
          if (error instanceof HitError) addWhereNeeded(error, name, roots, profile, files, loaded);
          throw error;
        }
        stack.push(...pkg.buildDeps, ...pkg.runDeps);
      }
      return [...seen].sort(compareCodePoints);
    },
  };
  return resolver;
}

/** Says where a package that failed to load was asked for: the profile line or its users. */
function addWhereNeeded(
  error: HitError,
  name: string,
  roots: string[],
  profile: Profile,
  files: SpecFiles,
  loaded: Map<string, Package>,
): void {
  const users = [...loaded.values()]
    .filter((pkg) => pkg.buildDeps.includes(name) || pkg.runDeps.includes(name));
  if (users.length > 0) {
    error.addContext(
      `needed by ${users.map((user) => `"${user.name}" (${user.spec.file})`).join(", ")}`,
    );
  }
  const origin = roots.includes(name) ? profile.packageOrigins[name] : undefined;
  if (origin === undefined) return;
  const position = locate(files.readText(origin), ["packages", name]);
  const where = position ? `${origin}:${position.line}:${position.column}` : origin;
  error.addContext(`listed in the profile at ${where}`);
}

function computeResult(pkg: Package, resolver: Resolver): PackageResult {
  const dependencyIds = new Map<string, string>();
  const dependencyCommands = new Map<string, ValueMap[]>();
  for (const dep of pkg.buildDeps) {
    const result = resolver.result(dep);
    dependencyIds.set(dep, result.artifactId);
    dependencyCommands.set(dep, result.importCommands);
  }
  const { script, bundledFiles } = assembleBuildScript(pkg);
  const { files, profile } = resolver.context;
  const entries: PackEntry[] = [
    { name: "_hashdist/build.sh", content: new TextEncoder().encode(script) },
    ...readBundledFiles(pkg, bundledFiles, profile.packageDirs, files),
  ];
  const bundleKey = hitPackKey(entries);
  const postprocess = postprocessCommands(pkg);
  const buildSpec = packageBuildSpec(pkg, {
    bundleKey,
    dependencyIds,
    dependencyCommands,
    postprocess,
  });
  return {
    name: pkg.name,
    artifactId: artifactId(buildSpec),
    buildSpec,
    buildScript: script,
    bundledFiles,
    bundle: { key: bundleKey, entries },
    importCommands: importCommands(pkg),
    linkRules: linkRules(pkg, "relative_symlink" satisfies LinkAction),
    postprocess,
    buildDeps: pkg.buildDeps,
    runDeps: pkg.runDeps,
    version: stringKey(pkg.spec.doc, "version"),
    license: stringKey(pkg.spec.doc, "license"),
    sources: pkg.sources,
    warnings: pkg.warnings,
    about: {
      specFile: pkg.spec.file,
      description: stringKey(pkg.spec.doc, "description"),
      version: stringKey(pkg.spec.doc, "version") ?? stringKey(pkg.params as ValueMap, "version"),
    },
  };
}

function stringKey(doc: ValueMap, key: string): string | undefined {
  const value = doc[key];
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

/** Depth-first post-order over run dependencies, names visited sorted (§5.2). */
function runOrder(names: string[], resolver: Resolver): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, trail: string[]) => {
    const mark = state.get(name);
    if (mark === "done") return;
    if (mark === "visiting") {
      throw new HitError(
        `order profile: run dependencies form a cycle: ${[...trail, name].join(" -> ")}`,
        {
          location: { package: name },
        },
      );
    }
    state.set(name, "visiting");
    for (const dep of resolver.package(name).runDeps) visit(dep, [...trail, name]);
    state.set(name, "done");
    order.push(name);
  };
  for (const name of [...names].sort(compareCodePoints)) visit(name, []);
  return order;
}

/** Repeatedly the alphabetically first package whose build dependencies are done (D-4). */
function buildOrder(packages: Map<string, PackageResult>): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  const pending = [...packages.keys()].sort(compareCodePoints);
  while (pending.length > 0) {
    const index = pending.findIndex((name) =>
      packages.get(name)!.buildDeps.every((dep) => done.has(dep))
    );
    const name = pending.splice(index, 1)[0];
    done.add(name);
    order.push(name);
  }
  return order;
}
