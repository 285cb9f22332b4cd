/**
 * `hit sbom`: the bill of materials of a profile as SPDX 2.3 or CycloneDX 1.5 JSON, on stdout
 * or into a file (written whole, by rename). Parsing is pure; `run` resolves the profile, reads
 * the store and the source cache (`core/provenance.ts`) and hands them to the writers.
 */
import { basename, dirname, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { openSourceCache } from "../core/source_cache.ts";
import { collectProvenance } from "../core/provenance.ts";
import { type SbomInput, spdxDocument } from "../core/sbom_spdx.ts";
import { cycloneDxDocument } from "../core/sbom_cyclonedx.ts";
import { resolveProfile } from "../spec/resolve.ts";
import { VERSION } from "../version.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";

/** The formats `hit sbom` writes. */
export type SbomFormat = "spdx" | "cyclonedx";

/** The parsed command line of `hit sbom`. */
export interface SbomArgs {
  profile: string;
  overrides: Record<string, string>;
  format: SbomFormat;
  /** The file to write; stdout when absent. */
  output?: string;
}

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "profile",
    short: "p",
    value: "PATH",
    description: `profile file (default "default.yaml")`,
  },
  {
    name: "format",
    value: "FORMAT",
    choices: ["spdx", "cyclonedx"],
    description: `"spdx" (SPDX 2.3, default) or "cyclonedx"`,
  },
  { name: "output", short: "o", value: "FILE", description: "write to FILE instead of stdout" },
];

/**
 * Parses the arguments after `hit sbom`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseSbomArgs(args: string[]): SbomArgs {
  const { values, positionals } = parseOptions("sbom", OPTIONS, args);
  const { overrides, others } = splitOverrides("sbom", positionals);
  if (others.length > 1) throw usageError("sbom", `unexpected argument "${others[1]}"`);
  const option = values.profile as string | undefined;
  if (option !== undefined && others.length > 0) {
    throw usageError("sbom", `profile given twice: "${others[0]}" and "${option}"`);
  }
  const format = (values.format as string | undefined) ?? "spdx";
  if (format !== "spdx" && format !== "cyclonedx") {
    throw usageError("sbom", `unknown format "${format}"`, `use "spdx" or "cyclonedx"`);
  }
  return {
    profile: option ?? others[0] ?? "default.yaml",
    overrides,
    format,
    output: values.output as string | undefined,
  };
}

/**
 * The document's time: `SOURCE_DATE_EPOCH` when set (so that the same store gives the same
 * SBOM), else now.
 * @throws {HitError} when `SOURCE_DATE_EPOCH` is not a whole number of seconds.
 */
export function sbomTime(env: Readonly<Record<string, string>>, now: Date): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === "") return now;
  if (!/^\d+$/.test(epoch)) {
    throw new HitError(`sbom: SOURCE_DATE_EPOCH "${epoch}" is not a whole number of seconds`, {
      hint: "unset it, or set it to seconds since 1970-01-01 UTC",
    });
  }
  return new Date(Number(epoch) * 1000);
}

/** The `sbom` command. */
export const sbomCommand: Command = {
  name: "sbom",
  summary: "write the bill of materials of a profile (SPDX 2.3 or CycloneDX 1.5 JSON)",
  usage: `hit sbom [PROFILE] [--format spdx|cyclonedx] [-o FILE] [NAME=VALUE ...]

Describes every package of the profile: name, version (from the spec or the source's file
name), artifact id, each source with its URL, key and the sha256 of the cached file, build and
run dependencies, and hit as the tool. Licences are NOASSERTION unless the spec has a
"license:" key. A
source that is not in the source cache has no sha256 (a warning says which; "hit fetch
PROFILE" gets them). The time is SOURCE_DATE_EPOCH when set.

examples:
  hit sbom stack.yaml > stack.spdx.json
  hit sbom stack.yaml --format cyclonedx -o stack.cdx.json`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseSbomArgs(args);
    const resolved = await resolveProfile(parsed.profile, {
      overrides: parsed.overrides,
      cwd: context.cwd,
    });
    const config = await commandConfig(context);
    const cache = openSourceCache(config);
    const packages = await collectProvenance(resolved, {
      store: config.buildStore,
      locate: (key) => cache.locate(key),
    });
    for (const pkg of packages) {
      for (const source of pkg.sources) {
        if (source.kind !== "git" && source.sha256 === undefined) {
          await context.stderr.write(
            `warning: ${pkg.name}: source "${source.key}" is not in the source cache; ` +
              `it has no sha256 (run "hit fetch ${parsed.profile}")\n`,
          );
        }
      }
    }
    const input: SbomInput = {
      profileName: basename(parsed.profile, ".yaml"),
      profileArtifactId: resolved.profileArtifactId,
      packages,
      created: sbomTime(context.env, new Date()),
      toolVersion: VERSION,
    };
    const document = parsed.format === "spdx"
      ? spdxDocument(input)
      : cycloneDxDocument(input, crypto.randomUUID());
    const text = JSON.stringify(document, null, 2) + "\n";
    if (parsed.output === undefined) {
      await context.stdout.write(text);
      return 0;
    }
    const path = resolve(context.cwd, parsed.output);
    await writeWhole(path, text);
    await context.stderr.write(
      `wrote ${parsed.format} SBOM of ${packages.length} packages to ${parsed.output}\n`,
    );
    return 0;
  },
};

/** Writes `text` to `path` through a temporary file beside it, so no reader sees half of it. */
async function writeWhole(path: string, text: string): Promise<void> {
  const temp = await Deno.makeTempFile({ dir: dirname(path), prefix: ".hit-sbom-" }).catch(
    (error) => {
      throw new HitError(`sbom: cannot write into "${dirname(path)}": ${error.message}`, {
        hint: "choose a writable folder with -o",
      });
    },
  );
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.chmod(temp, 0o644);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
