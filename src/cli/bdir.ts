/**
 * `hit bdir`: prepares a package's build folder, for debugging a failed build by hand: its
 * sources unpacked, `build.json` and `_hashdist/build.sh` written, and `_hashdist/env.sh`
 * holding the job's starting environment. Runs nothing.
 */
import { join, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { artifactDir, formatStoreJson } from "../core/build_store.ts";
import { initialJobEnv, SOURCE_DATE_EPOCH } from "../core/run_job.ts";
import { fixMtimes } from "../core/source_mtimes.ts";
import { configDocument } from "../stages/build_artifact.ts";
import { openSourceStore } from "../stages/source_store.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { prepareTarget } from "./target_folder.ts";
import { PROFILE_OPTION, resolveProfileArg } from "./profile_arg.ts";

const OPTIONS: readonly OptionSpec[] = [
  PROFILE_OPTION,
  { name: "force", short: "f", description: "replace TARGET if it exists" },
  { name: "offline", description: "use no network: every source must be cached" },
];

/** The parsed command line of `hit bdir`. */
export interface BdirArgs {
  profile: string;
  package: string;
  target?: string;
  force: boolean;
  offline: boolean;
  overrides: Record<string, string>;
}

/**
 * Parses the arguments after `hit bdir`: `PKG [TARGET] -p PROFILE`, or the original's
 * `PROFILE PKG TARGET`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseBdirArgs(args: string[]): BdirArgs {
  const { values, positionals } = parseOptions("bdir", OPTIONS, args);
  const { overrides, others } = splitOverrides("bdir", positionals);
  let profile = values.profile as string | undefined;
  let rest = others;
  if (profile === undefined && others.length >= 2 && others[0].endsWith(".yaml")) {
    profile = others[0];
    rest = others.slice(1);
  }
  if (rest.length === 0) throw usageError("bdir", "missing the package name");
  if (rest.length > 2) throw usageError("bdir", `unexpected argument "${rest[2]}"`);
  return {
    profile: profile ?? "default.yaml",
    package: rest[0],
    target: rest[1],
    force: values.force === true,
    offline: values.offline === true,
    overrides,
  };
}

/** `_hashdist/env.sh`: the job's starting variables, with `ARTIFACT` a local folder. */
export function renderEnvScript(env: Record<string, string>): string {
  const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
  const lines = [
    "# The environment `hit build` starts this build's job with. ARTIFACT points into this",
    "# folder instead of the store:  . _hashdist/env.sh && bash _hashdist/build.sh",
    ...Object.entries(env).map(([name, value]) => `export ${name}=${quote(value)}`),
    'mkdir -p "$ARTIFACT"',
  ];
  return lines.join("\n") + "\n";
}

/** The `bdir` command. */
export const bdirCommand: Command = {
  name: "bdir",
  summary: "prepare a package's build folder (sources, build.sh) for debugging",
  usage: `hit bdir PKG [TARGET] -p PROFILE [-f] [NAME=VALUE ...]

Fetches and unpacks the package's sources into TARGET (default: a new folder under the build
temp folder) with build.json, _hashdist/build.sh and _hashdist/env.sh, and prints its path.
Nothing is built and the store is not touched.

example:
  cd "$(hit bdir zlib -p stack.yaml)" && . _hashdist/env.sh && bash -x _hashdist/build.sh`,
  options: OPTIONS,
  completion: { packages: true },
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseBdirArgs(args);
    const resolved = await resolveProfileArg(parsed.profile, context, {
      overrides: parsed.overrides,
    });
    const pkg = resolved.packages.get(parsed.package);
    if (!pkg) {
      throw new HitError(`bdir: no package "${parsed.package}" in profile "${parsed.profile}"`);
    }
    const config = await commandConfig(context);
    const [name, hash] = pkg.artifactId.split("/");
    const target = parsed.target === undefined
      ? await Deno.makeTempDir({
        dir: config.buildTemp,
        prefix: `${name}-${hash.slice(0, 12)}-bdir-`,
      })
      : resolve(context.cwd, parsed.target);
    if (parsed.target !== undefined) {
      await prepareTarget("bdir", target, { force: parsed.force });
    }
    const sources = openSourceStore(config, {
      offline: parsed.offline,
      onWarning: (message) =>
        context.stderr.write(`warning: ${message}
`),
    });
    await sources.putHitPack(pkg.bundle.entries);
    await Deno.writeTextFile(join(target, "build.json"), formatStoreJson(pkg.buildSpec) + "\n");
    await sources.unpack(pkg.bundle.key, target);
    for (const source of pkg.sources) {
      await sources.ensure(source.key, source.url, pkg.name);
      await sources.unpack(source.key, join(target, source.target));
    }
    // As a build's folder: the same mtimes on every unpacked file.
    await fixMtimes(target, SOURCE_DATE_EPOCH);
    const env = initialJobEnv({
      buildDir: target,
      artifactDir: join(target, "_artifact"),
      imports: (pkg.buildSpec.build as { import: { id: string; ref: string | null }[] }).import
        .map(({ id, ref }) => ({ id, ref, dir: artifactDir(config.buildStore, id) })),
      cpuCount: navigator.hardwareConcurrency || 1,
      configJson: JSON.stringify(configDocument(config)),
    });
    env.ARTIFACT = join(target, "_artifact");
    for (
      const command of (pkg.buildSpec.build as { commands: Record<string, unknown>[] }).commands
    ) {
      if (typeof command.set === "string" && command.set !== "ARTIFACT") {
        env[command.set] = String(command.value ?? command.nohash_value ?? "").replace(
          /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
          (text, variable: string) => env[variable] ?? text,
        );
      }
    }
    await Deno.writeTextFile(join(target, "_hashdist", "env.sh"), renderEnvScript(env));
    await context.stdout.write(target + "\n");
    return 0;
  },
};
