/**
 * `hit skeleton-pypi NAME[==VERSION]`: write a package spec for a Python project from the
 * package index's JSON API: its sdist (fetched into the source cache, key checked against the
 * index's SHA-256) and the dependencies it declares that match known package specs. Parsing
 * and rendering are pure; `run` asks the index, fetches and writes the one spec file.
 */
import { join, relative, resolve } from "node:path";
import { defaultConfigPath } from "../core/config.ts";
import {
  chooseSdist,
  DEFAULT_PYPI_INDEX,
  fetchRelease,
  keyFromSha256,
  type MappedRequirements,
  mapRequirements,
  parseProjectRequest,
  type ProjectRequest,
  type PypiRelease,
  type SdistChoice,
} from "../core/pypi.ts";
import { KeyMismatchError, openSourceCache } from "../core/source_cache.ts";
import { HitError, USAGE_EXIT } from "../errors.ts";
import { listPackageNames } from "../spec/package_lookup.ts";
import { loadProfile } from "../spec/profile.ts";
import { findProfileFile } from "./profile_arg.ts";
import { createSpecFiles } from "../spec/spec_files.ts";
import { isMap } from "../spec/values.ts";
import { parseYaml } from "../spec/yaml_load.ts";
import { fetchInWorker } from "../stages/fetch_stage.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import { SOURCE_OPTIONS, sourceArgs, withMirrors } from "./source_options.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { formatBytes } from "./fetch.ts";
import { exists } from "../core/exists.ts";

/** The parsed command line of `hit skeleton-pypi`. */
export interface SkeletonPypiArgs {
  project: ProjectRequest;
  /** `--index URL`: the only index to ask. */
  index?: string;
  /** A profile whose package directories give the known names and the output folder. */
  profile?: string;
  /** The folder to write `NAME.yaml` into. */
  output?: string;
  overwrite: boolean;
  quiet: boolean;
  verbose: boolean;
  /** `--mirror DIR|URL`: source mirrors to ask for the sdist before its URL. */
  mirrors: string[];
}

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "index",
    value: "URL",
    description: `JSON API base URL (default: config "pypi_mirror", then "pypi_index", ` +
      `then ${DEFAULT_PYPI_INDEX})`,
  },
  {
    name: "profile",
    short: "p",
    value: "PATH",
    description: "match dependencies against this profile's package dirs; write into the first",
  },
  {
    name: "output",
    short: "o",
    value: "DIR",
    description: `folder to write NAME.yaml into (default: the profile's first package dir, ` +
      `else "pkgs")`,
  },
  { name: "overwrite-existing", description: "replace an existing NAME.yaml" },
  { name: "quiet", short: "q", description: "print nothing but the file written" },
  { name: "verbose", short: "v", description: "also print the metadata URL and each mapping" },
  ...SOURCE_OPTIONS.filter((option) => option.name === "mirror"),
];

/**
 * Parses the arguments after `hit skeleton-pypi`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseSkeletonPypiArgs(args: string[]): SkeletonPypiArgs {
  const parsed = parseOptions("skeleton-pypi", OPTIONS, args);
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw usageError("skeleton-pypi", "missing the project name");
  if (positionals.length > 1) {
    throw usageError("skeleton-pypi", `unexpected argument "${positionals[1]}"`);
  }
  if (values.quiet === true && values.verbose === true) {
    throw usageError("skeleton-pypi", `options "--quiet" and "--verbose" conflict`);
  }
  const index = values.index as string | undefined;
  if (index !== undefined && !/^https?:\/\//i.test(index)) {
    throw usageError("skeleton-pypi", `bad index "${index}": expected an http or https URL`);
  }
  return {
    project: parseProjectRequest(positionals[0]),
    index,
    profile: values.profile as string | undefined,
    output: values.output as string | undefined,
    overwrite: values["overwrite-existing"] === true,
    quiet: values.quiet === true,
    verbose: values.verbose === true,
    mirrors: sourceArgs(parsed).mirrors,
  };
}

/** The index settings of a configuration file (keys the config loader does not know). */
export interface PypiSettings {
  pypiIndex?: string;
  pypiMirror?: string;
}

/**
 * Reads `pypi_index` and `pypi_mirror` from configuration text.
 * @throws {HitError} naming the file when one is set but is not a URL.
 */
export function readPypiSettings(text: string, file: string): PypiSettings {
  const doc = parseYaml(text, file);
  const settings: PypiSettings = {};
  if (!isMap(doc)) return settings;
  for (
    const [key, field] of [["pypi_index", "pypiIndex"], ["pypi_mirror", "pypiMirror"]] as const
  ) {
    const value = doc[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" || !/^https?:\/\//i.test(value)) {
      throw new HitError(`load configuration: "${key}" must be an http or https URL`, {
        location: { file },
        hint: `for example "${key}: ${DEFAULT_PYPI_INDEX}"`,
      });
    }
    settings[field] = value;
  }
  return settings;
}

/** The indexes to ask, in order: `--index` alone, else the mirror, then the index. */
export function pypiIndexes(option: string | undefined, settings: PypiSettings): string[] {
  if (option !== undefined) return [option];
  const indexes = settings.pypiMirror === undefined ? [] : [settings.pypiMirror];
  indexes.push(settings.pypiIndex ?? DEFAULT_PYPI_INDEX);
  return [...new Set(indexes)];
}

/** Everything the generated spec says. */
export interface SkeletonInput {
  /** The command line that made it, for the header comment. */
  command: string;
  release: PypiRelease;
  metadataUrl: string;
  requirements: MappedRequirements;
  source: { key: string; url: string };
}

/**
 * The package spec text, in the shape of the corpus's Python specs: `extends:
 * [setuptools_package]`, `dependencies` with `python` and `setuptools` always, `sources`.
 * Requirements it could not list go into comments.
 */
export function renderSkeleton(input: SkeletonInput): string {
  const { release, requirements } = input;
  const summary = oneLine(release.summary);
  const lines = [
    `# ${release.name} ${release.version}${summary ? `: ${summary}` : ""}`,
    `# Written by "${oneLine(input.command)}" from ${oneLine(input.metadataUrl)}`,
  ];
  if (requirements.unknown.length > 0 || requirements.unparsed.length > 0) {
    lines.push("# Requirements with no package spec found (add specs, then list them below):");
    for (const item of requirements.unknown) lines.push(`#   ${oneLine(item.text)}`);
    for (const text of requirements.unparsed) lines.push(`#   ${oneLine(text)}`);
  }
  if (requirements.conditional.length > 0) {
    lines.push("# Requirements for some environments only (list them where they apply):");
    for (const item of requirements.conditional) lines.push(`#   ${oneLine(item.text)}`);
  }
  const extras = extraNames(requirements);
  if (extras.length > 0) lines.push(`# Optional extras, left out: ${extras.join(", ")}`);
  const run = [...new Set(["python", ...requirements.packages])].sort();
  lines.push(
    "extends: [setuptools_package]",
    "",
    "dependencies:",
    `  build: [${["python", "setuptools"].map(yamlScalar).join(", ")}]`,
    `  run: [${run.map(yamlScalar).join(", ")}]`,
    "",
    "sources:",
    `- key: ${input.source.key}`,
    `  url: ${yamlScalar(input.source.url)}`,
  );
  return lines.join("\n") + "\n";
}

function extraNames(requirements: MappedRequirements): string[] {
  const names = new Set<string>();
  for (const item of requirements.extras) {
    for (const match of (item.marker ?? "").matchAll(/\bextra\s*==\s*["']([^"']*)["']/g)) {
      names.add(match[1]);
    }
  }
  return [...names].sort();
}

function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}

const PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_./:?=&%+~-]*$/;
const RESERVED = /^(?:true|false|null|yes|no|on|off|~|[-+]?[0-9][0-9._:eE+-]*)$/i;

// Package names and URLs go out plain when YAML reads them back as the same string.
function yamlScalar(text: string): string {
  return PLAIN.test(text) && !RESERVED.test(text) ? text : JSON.stringify(text);
}

/** How the chosen sdist was picked, for the user. */
export function describeSdistChoice(choice: SdistChoice): string {
  const count = choice.sdists.length;
  const listed = count === 1 ? "the only sdist" : `of ${count} sdists, .tar.gz preferred, ` +
    `then .zip, .tar.bz2, .tar.xz; the last listed of a type`;
  return `using sdist ${choice.file.filename} (${listed})`;
}

/** The `skeleton-pypi` command. */
export const skeletonPypiCommand: Command = {
  name: "skeleton-pypi",
  summary: "write a package spec for a Python project from the package index",
  usage: `hit skeleton-pypi NAME[==VERSION] [-p PROFILE | -o DIR] [--index URL]
                          [--overwrite-existing] [-q | -v]

Asks the package index's JSON API (INDEX/NAME/json, or INDEX/NAME/VERSION/json) for the
release, fetches its sdist into the source cache (checking the index's SHA-256) and writes
NAME.yaml extending setuptools_package. Its dependencies are python and setuptools, plus each
requirement without an environment marker whose name matches a package spec in the package
dirs (PEP 503: case, "-", "_" and "." do not matter); other requirements are listed in
comments. NAME.yaml goes into the profile's first package dir, DIR, or "pkgs".
The index is --index, else the configuration's "pypi_mirror" then "pypi_index" (tried in
that order), else ${DEFAULT_PYPI_INDEX}.

examples:
  hit skeleton-pypi six -p default.yaml
  hit skeleton-pypi requests==2.27.1 -o pkgs --overwrite-existing`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseSkeletonPypiArgs(args);
    const note = (text: string) => parsed.quiet ? Promise.resolve() : context.stderr.write(text);
    const detail = (text: string) =>
      parsed.verbose ? context.stderr.write(text) : Promise.resolve();
    const files = createSpecFiles();
    let packageDirs: string[] = [];
    if (parsed.profile !== undefined) {
      // PROFILE as every command takes it: the file, its name, or the link hit build made.
      const found = await findProfileFile(parsed.profile, {
        cwd: context.cwd,
        config: () => commandConfig(context),
      });
      if (found.note) await note(found.note);
      packageDirs = loadProfile(found.file, { files, cwd: context.cwd }).packageDirs;
      if (packageDirs.length === 0 && parsed.output === undefined) {
        throw new HitError(`skeleton-pypi: profile "${parsed.profile}" has no package_dirs`, {
          hint: "give the folder to write into with --output DIR",
          exitCode: USAGE_EXIT,
        });
      }
    }
    const outputDir = parsed.output !== undefined
      ? resolve(context.cwd, parsed.output)
      : packageDirs[0] ?? resolve(context.cwd, "pkgs");
    if (parsed.profile === undefined) packageDirs = [outputDir];
    const target = join(outputDir, `${parsed.project.name}.yaml`);
    const shown = displayPath(context.cwd, target);
    if (!parsed.overwrite && await exists(target)) throw existsError(shown);

    const config = withMirrors(await commandConfig(context), parsed.mirrors, context.cwd);
    const settings = await readSettings(context.configPath ?? defaultConfigPath(context.env));
    const { release, url: metadataUrl } = await fetchRelease(parsed.project, {
      indexes: pypiIndexes(parsed.index, settings),
    });
    await detail(`metadata from ${metadataUrl}\n`);
    if (release.yanked !== undefined) {
      const reason = release.yanked ? `: ${release.yanked}` : "";
      await note(`note: ${release.name} ${release.version} is yanked on the index${reason}\n`);
    }
    const choice = chooseSdist(release.files);
    if (choice === undefined) {
      throw new HitError(
        `skeleton-pypi: ${release.name} ${release.version} has no sdist (.tar.gz, .zip, ` +
          `.tar.bz2 or .tar.xz) on the index`,
        { hint: "hit builds from source archives; pick a version that has one" },
      );
    }
    await note(`${describeSdistChoice(choice)}\n`);
    const cache = openSourceCache(config, { env: context.env, downloader: fetchInWorker });
    const key = choice.file.sha256 === undefined
      ? undefined
      : keyFromSha256(choice.type, choice.file.sha256);
    let fetched;
    try {
      fetched = await cache.fetchUrl(choice.file.url, { type: choice.type, key });
    } catch (error) {
      if (error instanceof KeyMismatchError) {
        error.addContext("the sdist does not have the SHA-256 the index lists for it");
      }
      throw error;
    }
    await note(`fetched ${choice.file.url}: ${formatBytes(fetched.bytes)}\n`);

    const requirements = mapRequirements(
      release.requiresDist,
      listPackageNames(packageDirs, files),
    );
    for (const name of requirements.packages) await detail(`dependency: ${name}\n`);
    if (requirements.unknown.length > 0) {
      const names = requirements.unknown.map((item) => item.name).join(", ");
      await note(`note: no package spec for ${names}: listed in a comment\n`);
    }
    const text = renderSkeleton({
      command: ["hit", "skeleton-pypi", ...args].join(" "),
      release,
      metadataUrl,
      requirements,
      source: { key: fetched.key, url: choice.file.url },
    });
    await writeSpec(target, text, parsed.overwrite, shown);
    await context.stdout.write(`wrote ${shown}\n`);
    return 0;
  },
};

async function readSettings(file: string): Promise<PypiSettings> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    // Inside a build job the configuration comes from HDIST_CONFIG and has no file.
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
  return readPypiSettings(text, file);
}

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") ? path : rel;
}

function existsError(shown: string): HitError {
  // Exit 2, as the original's skeleton-pypi.
  return new HitError(`skeleton-pypi: "${shown}" already exists`, {
    hint: "give --overwrite-existing to replace it",
    exitCode: USAGE_EXIT,
  });
}

// Written to a temp file and moved into place, so nobody reads half a spec. Without
// overwriting, a hard link claims the name only if it is still free.
async function writeSpec(
  target: string,
  text: string,
  overwrite: boolean,
  shown: string,
): Promise<void> {
  const dir = join(target, "..");
  await Deno.mkdir(dir, { recursive: true });
  const temp = await Deno.makeTempFile({ dir, prefix: ".skeleton-", suffix: ".yaml" });
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.chmod(temp, 0o644);
    if (overwrite) {
      await Deno.rename(temp, target);
      return;
    }
    try {
      await Deno.link(temp, target);
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) throw existsError(shown);
      throw error;
    }
  } finally {
    // After a rename the temp file is gone; after a link or a failure it is still there.
    await Deno.remove(temp).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}
