/**
 * What PROFILE means on every command line: the profile's YAML file, the link `hit build`
 * made (or the profile artifact's folder), or the name of a built profile (a gc root's link
 * name). Commands that read the specs get the YAML file; `load` and `shell` get the built
 * profile artifact. Either way `hit` says which it used when the argument was not that.
 */
import { basename, dirname, join, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { artifactDir, artifactState } from "../core/build_store.ts";
import type { Config } from "../core/config.ts";
import { absoluteLinkPath, readGcRoots } from "../core/gc_roots.ts";
import { readProfileFile } from "../core/profile_file_record.ts";
import { findProfileDir } from "../core/profile_env.ts";
import { closeNames } from "../spec/close_names.ts";
import { type ResolvedProfile, type ResolveOptions, resolveProfile } from "../spec/resolve.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import { commandConfig, type CommandContext } from "./command.ts";

import { DEFAULT_PROFILE } from "./profile_option.ts";
export { DEFAULT_PROFILE, PROFILE_OPTION } from "./profile_option.ts";

/** A profile argument as a YAML file, with a note when the argument named something else. */
export interface ProfileFile {
  file: string;
  note?: string;
}

/**
 * The YAML file that profile argument `arg` means: `arg` itself when it is a file, else
 * `arg.yaml`, else the file the link (or the built profile of that name) was built from, as
 * `hit build` recorded it, else the `.yaml` file beside the link.
 */
export async function findProfileFile(
  arg: string,
  options: { cwd: string; config: () => Promise<Config> },
): Promise<ProfileFile> {
  const path = resolve(options.cwd, arg);
  const info = await Deno.stat(path).catch(() => undefined);
  if (info?.isFile || arg.endsWith(".yaml")) return { file: arg };
  const links: string[] = [];
  if (info?.isDirectory) links.push(path);
  else {
    const roots = await readGcRoots((await options.config()).gcRoots).catch(() => []);
    for (const root of roots) {
      if (root.state === "live" && basename(root.link) === arg) links.push(root.link);
    }
  }
  const candidates = [path + ".yaml"];
  for (const link of links) {
    const absolute = await absoluteLinkPath(link).catch(() => link);
    const recorded = await readProfileFile((await options.config()).cache, absolute);
    if (recorded !== undefined) candidates.push(recorded);
    candidates.push(link + ".yaml");
  }
  for (const link of links) candidates.push(join(options.cwd, basename(link) + ".yaml"));
  for (const candidate of [...new Set(candidates)]) {
    if ((await Deno.stat(candidate).catch(() => undefined))?.isFile) {
      return { file: candidate, note: `note: profile "${arg}" is the file "${candidate}"\n` };
    }
  }
  if (links.length > 0) {
    throw new HitError(
      `find profile "${arg}": it is a built profile, but no YAML file is beside it`,
      {
        hint: `give the profile's YAML file (for "${arg}": "${arg}.yaml")`,
      },
    );
  }
  return { file: arg };
}

/**
 * Loads and resolves the profile that `arg` means (see `findProfileFile`); prints its note.
 * @throws {HitError} on any bad input, naming the file and line or the package.
 */
export async function resolveProfileArg(
  arg: string,
  context: CommandContext,
  options: Omit<ResolveOptions, "cwd"> & { requirePackages?: boolean } = {},
): Promise<ResolvedProfile> {
  const found = await findProfileFile(arg, {
    cwd: context.cwd,
    config: () => commandConfig(context),
  });
  if (found.note) await context.stderr.write(found.note);
  const { requirePackages, ...resolveOptions } = options;
  const resolved = resolveProfile(found.file, { ...resolveOptions, cwd: context.cwd });
  if (requirePackages && Object.keys(resolved.profile.packages).length === 0) {
    throw new HitError(`build: ${noPackagesMessage(resolved)}`, {
      hint: `list them under "packages:", for example "packages: {zlib: }"`,
    });
  }
  for (const line of profileWarnings(resolved)) await context.stderr.write(`warning: ${line}\n`);
  return resolved;
}

/** What a user should hear about a resolved profile: unknown keys, and no packages at all. */
export function profileWarnings(resolved: ResolvedProfile): string[] {
  const warnings = new Set(resolved.profile.warnings);
  for (const pkg of resolved.packages.values()) for (const line of pkg.warnings) warnings.add(line);
  if (Object.keys(resolved.profile.packages).length === 0) {
    warnings.add(noPackagesMessage(resolved));
  }
  return [...warnings];
}

function noPackagesMessage(resolved: ResolvedProfile): string {
  return `profile "${resolved.profile.file}" lists no packages`;
}

/**
 * The built profile artifact folder that `arg` means: a link, an artifact folder, a built
 * profile's name, or a YAML file whose profile is in the store.
 * @throws {HitError} when nothing matches, or the YAML file's profile is not built.
 */
export async function findBuiltProfile(
  arg: string,
  context: CommandContext,
  config: Config,
): Promise<string> {
  const path = resolve(context.cwd, arg);
  const isFile = (await Deno.stat(path).catch(() => undefined))?.isFile ?? false;
  if (!isFile) return await findProfileDir(arg, { cwd: context.cwd, gcRoots: config.gcRoots });
  const resolved = resolveProfile(arg, { cwd: context.cwd });
  const id = resolved.profileArtifactId;
  if (await artifactState(config.buildStore, id) !== "built") {
    throw new HitError(`find profile "${arg}": the profile of this file is not built`, {
      hint: `build it with "hit build ${arg}"`,
    });
  }
  const link = join(dirname(path), basename(path, ".yaml"));
  const linked = await Deno.realPath(link).catch(() => undefined);
  const dir = artifactDir(config.buildStore, id);
  if (linked !== undefined && linked !== dir) {
    await context.stderr.write(
      `note: "${link}" points at another build; using the profile "${arg}" describes now\n`,
    );
  }
  return dir;
}

/**
 * The artifact id of package `name` of `resolved` ("profile": the profile artifact's); the
 * error names `action` and suggests close names.
 * @throws {HitError} when the profile has no such package.
 */
export function packageArtifactId(
  resolved: ResolvedProfile,
  name: string,
  options: { action: string; profile: string },
): string {
  if (name === "profile") return resolved.profileArtifactId;
  const pkg = resolved.packages.get(name);
  if (pkg !== undefined) return pkg.artifactId;
  const close = closeNames(name, resolved.packages.keys());
  throw new HitError(`${options.action}: no package "${name}" in profile "${options.profile}"`, {
    hint: close.length > 0
      ? `did you mean ${close.map((candidate) => `"${candidate}"`).join(" or ")}?`
      : `run "hit status ${options.profile}" to list its packages`,
  });
}

/** The command line of a command about one package of a profile: `PKG [-p P] [NAME=VALUE]`. */
export interface PackageArgs {
  package: string;
  profile: string;
  overrides: Record<string, string>;
  values: Record<string, string | true>;
}

/**
 * Parses `PKG [-p PROFILE] [NAME=VALUE ...]` and the command's other `options`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parsePackageArgs(
  command: string,
  options: readonly OptionSpec[],
  args: string[],
): PackageArgs {
  const { values, positionals } = parseOptions(command, options, args);
  const { overrides, others } = splitOverrides(command, positionals);
  if (others.length === 0) throw usageError(command, "missing the package name");
  if (others.length > 1) throw usageError(command, `unexpected argument "${others[1]}"`);
  return {
    package: others[0],
    profile: (values.profile as string | undefined) ?? DEFAULT_PROFILE,
    overrides,
    values,
  };
}
