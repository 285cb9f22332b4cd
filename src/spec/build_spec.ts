/**
 * Build spec documents (HASHDIST.md §5.1, §5.2): the JSON from which a package's or a
 * profile's artifact id is hashed. Pure.
 */
import { HitError } from "../errors.ts";
import { canonicalBuildSpec } from "./artifact_id.ts";
import type { Package } from "./package.ts";
import { envName, type Value, type ValueMap } from "./values.ts";

/** What a package build spec needs besides the package itself. */
export interface PackageSpecInputs {
  /** The `files:` key of the build-script bundle. */
  bundleKey: string;
  /** Artifact id of each build dependency. */
  dependencyIds: Map<string, string>;
  /** Import commands of each build dependency. */
  dependencyCommands: Map<string, ValueMap[]>;
  postprocess: ValueMap[];
}

/**
 * The canonical build spec of `pkg` (§5.1).
 * @throws {HitError} when the `BASH` parameter is missing.
 */
export function packageBuildSpec(pkg: Package, inputs: PackageSpecInputs): ValueMap {
  const commands: ValueMap[] = [];
  if (Object.hasOwn(pkg.params, "PATH")) {
    commands.push({ set: "PATH", nohash_value: pkg.params.PATH });
  }
  for (const dep of pkg.buildDeps) commands.push(...inputs.dependencyCommands.get(dep)!);
  if (!Object.hasOwn(pkg.params, "BASH")) {
    throw new HitError(
      `assemble build spec of "${pkg.name}": BASH must be provided in profile parameters`,
      {
        location: { package: pkg.name },
        hint: "add `BASH: /bin/bash` to the profile's parameters",
      },
    );
  }
  commands.push({ set: "BASH", nohash_value: pkg.params.BASH });
  commands.push({ cmd: ["$BASH", "_hashdist/build.sh"] });
  commands.push(...inputs.postprocess);
  return canonicalBuildSpec({
    name: pkg.name,
    build: {
      import: pkg.buildDeps.map((dep) => ({
        ref: envName(dep),
        id: inputs.dependencyIds.get(dep)!,
      })),
      commands,
    },
    sources: [
      { target: ".", key: inputs.bundleKey },
      ...pkg.sources.map((source) => ({ target: source.target, key: source.key })),
    ],
  });
}

/** One package as the profile build spec lists it. */
export interface ProfileMember {
  name: string;
  artifactId: string;
  importCommands: ValueMap[];
  linkRules: ValueMap[];
}

/** Options of `profileBuildSpec`. */
export interface ProfileSpecOptions {
  /** `hit build` write-protects the profile; `hit develop` does not (§6.6). */
  writeProtect: boolean;
}

/** The canonical build spec of a profile artifact (§5.2), members in run-dependency order. */
export function profileBuildSpec(members: ProfileMember[], options: ProfileSpecOptions): ValueMap {
  const commands: Value[] = members.flatMap((member) => member.importCommands);
  commands.push({
    hit: ["create-links", "$in0"],
    inputs: [{ json: members.flatMap((member) => member.linkRules) }],
  });
  if (options.writeProtect) commands.push({ hit: ["build-postprocess", "--write-protect"] });
  return canonicalBuildSpec({
    name: "profile",
    version: "n",
    build: {
      import: members.map((member) => ({ ref: envName(member.name), id: member.artifactId })),
      commands,
    },
  });
}
