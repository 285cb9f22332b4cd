/**
 * `hit info`: one package of a profile at a glance (as `spack info`): description, version,
 * spec file, sources, dependencies, artifact id, and whether and where it is built. Rendering
 * is pure; `run` resolves the profile and reads the store.
 */
import { artifactDir, artifactState } from "../core/build_store.ts";
import type { PackageResult } from "../spec/resolve.ts";
import type { OptionSpec } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import {
  packageArtifactId,
  parsePackageArgs,
  PROFILE_OPTION,
  resolveProfileArg,
} from "./profile_arg.ts";

const OPTIONS: readonly OptionSpec[] = [
  PROFILE_OPTION,
  { name: "json", description: "print one JSON object (fields as in the README)" },
];

/** What `hit info` reports about one package; the `--json` fields. */
export interface PackageInfo {
  name: string;
  description: string | null;
  version: string | null;
  spec_file: string | null;
  artifact_id: string;
  built: boolean;
  /** The artifact's folder when built. */
  path: string | null;
  sources: { key: string; url: string | null; target: string }[];
  build_dependencies: string[];
  run_dependencies: string[];
}

/** The info of `pkg`, built or not, with its folder `path`. */
export function packageInfo(pkg: PackageResult, built: boolean, path: string): PackageInfo {
  return {
    name: pkg.name,
    description: pkg.about?.description ?? null,
    version: pkg.about?.version ?? null,
    spec_file: pkg.about?.specFile ?? null,
    artifact_id: pkg.artifactId,
    built,
    path: built ? path : null,
    sources: pkg.sources.map((source) => ({
      key: source.key,
      url: source.url ?? null,
      target: source.target,
    })),
    build_dependencies: pkg.buildDeps,
    run_dependencies: pkg.runDeps,
  };
}

/** Renders `info` as aligned `field: value` lines. */
export function renderInfo(info: PackageInfo): string {
  const list = (names: string[]) => names.length > 0 ? names.join(", ") : "(none)";
  const rows: [string, string][] = [
    ["name", info.name],
    ["description", info.description ?? "(none)"],
    ["version", info.version ?? "(none)"],
    ["spec file", info.spec_file ?? "(none)"],
    ["artifact id", info.artifact_id],
    ["built", info.built ? `yes, at ${info.path}` : "no"],
    ["build deps", list(info.build_dependencies)],
    ["run deps", list(info.run_dependencies)],
    ...info.sources.map((source): [string, string] => [
      "source",
      `${source.url ?? "(no URL)"} ${source.key}${
        source.target === "." ? "" : ` -> ${source.target}`
      }`,
    ]),
  ];
  return rows.map(([field, value]) => `${(field + ":").padEnd(13)}${value}\n`).join("");
}

/** The `info` command. */
export const infoCommand: Command = {
  name: "info",
  summary: "describe one package of a profile: sources, dependencies, artifact, where built",
  usage: `hit info PACKAGE [-p PROFILE] [--json] [NAME=VALUE ...]

Prints the package's description, version, spec file, artifact id, whether it is built and
where, its build and run dependencies, and its sources.

examples:
  hit info zlib -p stack.yaml
  hit info zlib -p stack.yaml --json`,
  options: OPTIONS,
  completion: { packages: true },
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parsePackageArgs("info", OPTIONS, args);
    const resolved = await resolveProfileArg(parsed.profile, context, {
      overrides: parsed.overrides,
    });
    packageArtifactId(resolved, parsed.package, {
      action: `describe "${parsed.package}"`,
      profile: parsed.profile,
    });
    const pkg = resolved.packages.get(parsed.package);
    const { buildStore } = await commandConfig(context);
    const id = pkg?.artifactId ?? resolved.profileArtifactId;
    const built = await artifactState(buildStore, id) === "built";
    const info: PackageInfo = pkg ? packageInfo(pkg, built, artifactDir(buildStore, id)) : {
      name: "profile",
      description: null,
      version: null,
      spec_file: resolved.profile.file,
      artifact_id: id,
      built,
      path: built ? artifactDir(buildStore, id) : null,
      sources: [],
      build_dependencies: resolved.buildOrder,
      run_dependencies: [],
    };
    await context.stdout.write(
      parsed.values.json === true ? JSON.stringify(info, null, 2) + "\n" : renderInfo(info),
    );
    return 0;
  },
};
