/**
 * `hit mirror export|verify|import`: carry sources across an air gap as a bundle (a folder laid
 * out as a source cache, or a tar of it; see `core/mirror_bundle.ts`). Parsing and rendering
 * are pure; `run` resolves, exports, verifies or imports, and prints. None of them uses the
 * network.
 */
import { resolve } from "node:path";
import { isTarBundle, withBundleFolder } from "../core/bundle_tar.ts";
import { type BundleProblem, damagedBundleError, verifyBundle } from "../core/bundle_verify.ts";
import { exportBundle, importBundle } from "../core/mirror_bundle.ts";
import type { MirrorManifest } from "../core/mirror_manifest.ts";
import { recordSpecFiles } from "../core/bundle_profiles.ts";
import { openSourceCache } from "../core/source_cache.ts";
import { currentRunMode } from "../run_mode.ts";
import { resolveProfile } from "../spec/resolve.ts";
import { findProfileFile } from "./profile_arg.ts";
import { fetchInWorker } from "../stages/fetch_stage.ts";
import {
  findMissingSources,
  listNeededSources,
  MissingSourcesError,
  prefetchCommand,
} from "../stages/missing_sources.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { formatBytes } from "./format_bytes.ts";
import { SOURCE_OPTIONS, sourceArgs, withMirrors } from "./source_options.ts";

/** The parsed command line of `hit mirror`. */
export type MirrorArgs =
  | {
    action: "export";
    profiles: string[];
    overrides: Record<string, string>;
    output: string;
    mirrors: string[];
  }
  | { action: "verify" | "import"; bundle: string };

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "output",
    short: "o",
    value: "DIR|FILE.tar",
    description: "export: the bundle to write, a new folder or a .tar file",
  },
  ...SOURCE_OPTIONS.filter((option) => option.name === "mirror"),
];

/**
 * Parses the arguments after `hit mirror`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseMirrorArgs(args: string[]): MirrorArgs {
  const parsed = parseOptions("mirror", OPTIONS, args);
  const [action, ...rest] = parsed.positionals;
  if (action === undefined) throw usageError("mirror", "missing action: export, verify or import");
  if (action === "export") {
    const { overrides, others } = splitOverrides("mirror", rest);
    if (others.length === 0) throw usageError("mirror", "export: missing PROFILE");
    const output = parsed.values.output as string | undefined;
    if (output === undefined) throw usageError("mirror", "export: missing -o DIR|FILE.tar");
    return { action, profiles: others, overrides, output, mirrors: sourceArgs(parsed).mirrors };
  }
  if (action === "verify" || action === "import") {
    if (parsed.values.output !== undefined || parsed.repeated?.mirror !== undefined) {
      throw usageError("mirror", `${action}: "-o" and "--mirror" belong to export`);
    }
    if (rest.length === 0) throw usageError("mirror", `${action}: missing DIR|FILE.tar`);
    if (rest.length > 1) throw usageError("mirror", `unexpected argument "${rest[1]}"`);
    return { action, bundle: rest[0] };
  }
  throw usageError("mirror", `unknown action "${action}"`, 'use "export", "verify" or "import"');
}

/** What export prints: counts, where the profiles are, and the commands for the far side. */
export function renderExported(manifest: MirrorManifest, output: string): string {
  const bytes = manifest.entries.reduce((sum, entry) => sum + entry.size, 0);
  const lines = [
    `exported ${manifest.entries.length} sources (${formatBytes(bytes)}) and ` +
    `${manifest.files.length} files to ${output}`,
  ];
  if (manifest.files.some((file) => file.path === "bin/hit")) lines.push("  with bin/hit");
  const bundle = isTarBundle(output) ? output : output.replace(/\/*$/, "");
  lines.push("on the machine without network:");
  lines.push(`  hit mirror import ${bundle}`);
  if (isTarBundle(output)) lines.push(`  tar -xf ${bundle} profiles`);
  for (const profile of manifest.profiles) {
    const path = isTarBundle(output) ? profile.path : `${bundle}/${profile.path}`;
    const overrides = Object.entries(profile.parameters).map(([k, v]) => ` ${k}=${v}`).join("");
    lines.push(`  hit build --offline ${path}${overrides}`);
  }
  return lines.join("\n") + "\n";
}

/** What verify prints when every entry is good. */
export function renderVerified(bundle: string, manifest: MirrorManifest): string {
  return `${bundle}: ${manifest.entries.length} sources and ${manifest.files.length} files ` +
    `checked, all good\n`;
}

/** One line per problem, for tests and messages. */
export function renderProblems(problems: readonly BundleProblem[]): string {
  return problems.map((problem) => `${problem.path}: ${problem.reason}\n`).join("");
}

/** The `mirror` command. */
export const mirrorCommand: Command = {
  name: "mirror",
  summary: "carry sources across an air gap: export, verify and import bundles",
  usage: `hit mirror export PROFILE... -o DIR|FILE.tar [NAME=VALUE ...] [--mirror DIR]
       hit mirror verify DIR|FILE.tar
       hit mirror import DIR|FILE.tar

export writes a bundle of every source the profiles need (from the source cache: run "hit
fetch PROFILE" first), with a manifest (hit-mirror.json: key, package, URL, size and sha256 of
each), the profile and spec files under profiles/, and bin/hit, a copy of hit itself when it
runs as one file. A bundle folder is laid out as a source cache: use it in place as a read-only mirror
(--mirror DIR, or "- url: DIR" under source_caches). verify checks every entry; import
verifies, then adds the sources to the source cache (nothing when any entry is damaged).

examples:
  hit fetch stack.yaml && hit mirror export stack.yaml -o stack-bundle.tar
  hit mirror verify /media/usb/stack-bundle.tar
  hit mirror import /media/usb/stack-bundle.tar`,
  options: OPTIONS,
  completion: { verbs: ["export", "verify", "import"] },
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseMirrorArgs(args);
    if (parsed.action === "export") {
      const output = resolve(context.cwd, parsed.output);
      const manifest = await runExport(parsed, output, context);
      await context.stdout.write(renderExported(manifest, parsed.output));
      return 0;
    }
    const bundle = resolve(context.cwd, parsed.bundle);
    if (parsed.action === "verify") {
      const result = await withBundleFolder(bundle, (dir) => verifyBundle(dir));
      if (result.problems.length > 0) {
        throw damagedBundleError("verify", parsed.bundle, result.problems);
      }
      await context.stdout.write(renderVerified(parsed.bundle, result.manifest));
      return 0;
    }
    const config = await commandConfig(context);
    const result = await withBundleFolder(
      bundle,
      (dir) =>
        importBundle(dir, config.sourceCache, {
          env: context.env,
          downloader: fetchInWorker,
          label: parsed.bundle,
        }),
      // Beside the cache: the sources are copied from there into it.
      { tempParent: resolve(config.sourceCache, "tmp") },
    );
    await context.stdout.write(
      `imported ${result.imported} sources into ${config.sourceCache} ` +
        `(${result.alreadyCached} already there)\n`,
    );
    return 0;
  },
};

async function runExport(
  parsed: Extract<MirrorArgs, { action: "export" }>,
  output: string,
  context: CommandContext,
): Promise<MirrorManifest> {
  const recording = recordSpecFiles();
  const profileFiles: string[] = [];
  for (const profile of parsed.profiles) {
    const found = await findProfileFile(profile, {
      cwd: context.cwd,
      config: () => commandConfig(context),
    });
    if (found.note) await context.stderr.write(found.note);
    profileFiles.push(found.file);
  }
  const resolved = profileFiles.map((profile) =>
    resolveProfile(profile, {
      overrides: parsed.overrides,
      cwd: context.cwd,
      files: recording.files,
    })
  );
  const config = withMirrors(await commandConfig(context), parsed.mirrors, context.cwd);
  const cache = openSourceCache(config, { env: context.env, downloader: fetchInWorker });
  const needed = listNeededSources(resolved);
  for (const source of needed) if (source.bundle) await cache.putHitPack(source.bundle);
  const missing = await findMissingSources(needed, cache);
  if (missing.length > 0) {
    const command = parsed.profiles.map((p) => prefetchCommand(p, parsed.overrides)).join(" && ");
    throw new MissingSourcesError("export bundle", missing, command);
  }
  return await exportBundle(cache, {
    out: output,
    sources: needed.map((source) => ({
      key: source.key,
      url: source.url,
      package: source.packages[0],
    })),
    specFiles: recording.used(),
    profiles: resolved.map((profile) => ({
      file: profile.profile.file,
      parameters: parsed.overrides,
      artifactId: profile.profileArtifactId,
    })),
    binary: hitExecutable(currentRunMode(), context.env),
    created: new Date(),
    env: context.env,
  });
}

/**
 * The one file to carry in a bundle: a compiled binary is the running program; a
 * self-extracting file names itself in HIT_EXECUTABLE (set by its launcher). From source, none.
 */
export function hitExecutable(
  mode: ReturnType<typeof currentRunMode>,
  env: Readonly<Record<string, string>>,
): string | undefined {
  if (mode === "compiled") return Deno.execPath();
  if (mode === "self-extracting" && env.HIT_EXECUTABLE?.startsWith("/")) return env.HIT_EXECUTABLE;
  return undefined;
}
