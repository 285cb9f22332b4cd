/**
 * `hit purge ID...`: remove artifacts from the build store by id, `name/short` or a unique
 * prefix, refusing those a live gc root still uses unless `--force`; `hit purge '*' --force`
 * empties the store (HASHDIST.md §6.8, COMMANDS.md §5 #11). Parsing is pure; `run` takes the
 * gc lock, checks every argument first, then removes.
 */
import { HitError } from "../errors.ts";
import { holdGcLock, storeMarkSources } from "../core/gc.ts";
import { readGcRoots } from "../core/gc_roots.ts";
import { matchArtifact, rootsUsing } from "../core/purge.ts";
import {
  diskUsage,
  folderKey,
  listStoredArtifacts,
  removeArtifact,
  type StoredArtifact,
} from "../core/stored_artifacts.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { formatBytes } from "./format_bytes.ts";

/** The parsed command line of `hit purge`. */
export interface PurgeArgs {
  /** Artifact ids, `name/short` or prefixes; empty with `all`. */
  patterns: string[];
  /** `'*'`: every artifact. */
  all: boolean;
  force: boolean;
}

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "force",
    short: "f",
    description: "remove artifacts that profiles still use; needed for '*'",
  },
];

/**
 * Parses the arguments after `hit purge`.
 * @throws {HitError} (exit 2) on bad usage, and for `'*'` without `--force`.
 */
export function parsePurgeArgs(args: string[]): PurgeArgs {
  const { values, positionals } = parseOptions("purge", OPTIONS, args);
  const force = values.force === true;
  if (positionals.length === 0) throw usageError("purge", "missing ARTIFACT_ID");
  const empty = positionals.find((pattern) => pattern.trim() === "");
  if (empty !== undefined) throw usageError("purge", "empty ARTIFACT_ID");
  const all = positionals.includes("*");
  if (all && positionals.length > 1) {
    throw usageError("purge", `"*" already names every artifact`);
  }
  if (all && !force) {
    throw usageError(
      "purge",
      `refusing to remove every artifact without --force`,
      `run "hit purge '*' --force" to empty the build store`,
    );
  }
  return { patterns: all ? [] : positionals, all, force };
}

/** The `purge` command. */
export const purgeCommand: Command = {
  name: "purge",
  summary: "remove artifacts from the build store by id",
  usage: `hit purge ARTIFACT_ID... [--force]
       hit purge '*' --force

Removes the named artifacts from the build store. ARTIFACT_ID is a full id, NAME/SHORT
(the folder name: the first 12 characters of the hash), or any unique prefix of an id.
An artifact that a profile link still uses (one "hit gc" would keep) is refused unless
--force is given, which breaks the profile. A folder without "id", left by an interrupted
build, is named by NAME/SHORT.

examples:
  hit purge zlib/v6anirfvk2op
  hit purge zlib/v6a
  hit purge '*' --force`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parsePurgeArgs(args);
    const { buildStore, gcRoots } = await commandConfig(context);
    using _lock = await holdGcLock(buildStore, {
      onWait: () => {
        context.stderr.write("waiting for running builds to finish\n").catch(() => {});
      },
    });
    const stored = await listStoredArtifacts(buildStore);
    const targets = parsed.all ? stored : uniqueTargets(stored, parsed.patterns);
    if (!parsed.force) {
      const roots = await readGcRoots(gcRoots);
      const users = await rootsUsing(roots, targets, storeMarkSources(buildStore, stored));
      for (const [target, using] of users) {
        const links = using.map((root) => root.state === "live" ? root.link : root.entry);
        throw new HitError(
          `purge "${target.id ?? folderKey(target)}": still used by the profile link "${links[0]}"`,
          {
            context: links.slice(1).map((link) => `also used by "${link}"`),
            hint: `remove the link first ("hit rm ${links[0]}"), then "hit gc"; ` +
              `or purge anyway with --force, which breaks the profile`,
          },
        );
      }
    }
    let bytes = 0;
    let count = 0;
    for (const target of targets) {
      const size = await diskUsage(target.dir);
      if (!await removeArtifact(buildStore, target)) {
        await context.stderr.write(`warning: skipped "${target.dir}": it changed meanwhile\n`);
        continue;
      }
      bytes += size;
      count++;
      await context.stdout.write(
        target.id === undefined
          ? `removed ${folderKey(target)} (no id; ${formatBytes(size)})\n`
          : `removed ${target.id} (${formatBytes(size)})\n`,
      );
    }
    if (parsed.all || targets.length > 1) {
      await context.stdout.write(
        `removed ${count} ${count === 1 ? "artifact" : "artifacts"} (${formatBytes(bytes)})\n`,
      );
    }
    return 0;
  },
};

function uniqueTargets(stored: readonly StoredArtifact[], patterns: string[]): StoredArtifact[] {
  const targets = new Map<string, StoredArtifact>();
  for (const pattern of patterns) {
    const artifact = matchArtifact(stored, pattern);
    targets.set(artifact.dir, artifact);
  }
  return [...targets.values()];
}
