/**
 * `hit clearsources --force`: empty the source cache (HASHDIST.md §6.8). Unlike the original
 * (Q17), `--force` is required; without it, the command says what it would delete. Parsing
 * and rendering are pure; `run` takes the build store's gc lock, clears and prints.
 */
import {
  type CachedSourceKind,
  type ClearResult,
  clearSources,
  type SizedSource,
} from "../core/clear_sources.ts";
import { holdGcLock } from "../core/gc.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { formatBytes } from "./format_bytes.ts";

/** The parsed command line of `hit clearsources`. */
export interface ClearSourcesArgs {
  force: boolean;
  dryRun: boolean;
}

const OPTIONS: readonly OptionSpec[] = [
  { name: "force", short: "f", description: "really delete every cached source" },
  { name: "dry-run", short: "n", description: "print what would be deleted; delete nothing" },
];

/**
 * Parses the arguments after `hit clearsources`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseClearSourcesArgs(args: string[]): ClearSourcesArgs {
  const { values, positionals } = parseOptions("clearsources", OPTIONS, args);
  if (positionals.length > 0) {
    throw usageError("clearsources", `unexpected argument "${positionals[0]}"`);
  }
  return { force: values.force === true, dryRun: values["dry-run"] === true };
}

const NOUNS: Record<CachedSourceKind, [string, string]> = {
  archive: ["archive", "archives"],
  "hit-pack": ["hit-pack", "hit-packs"],
  git: ["git repository", "git repositories"],
  temporary: ["temporary file", "temporary files"],
};

/** The line for one removed entry of the source cache. */
export function renderRemovedSource(removed: SizedSource, dryRun: boolean): string {
  const { source } = removed;
  const what = source.kind === "archive" || source.kind === "hit-pack"
    ? source.name
    : `${NOUNS[source.kind][0]} "${source.name}"`;
  return `${dryRun ? "would remove" : "removed"} ${what} (${formatBytes(removed.bytes)})\n`;
}

/** `3 archives, 1 git repository (12.0 MiB)`: counts by kind, or `nothing`. */
export function describeSources(entries: readonly SizedSource[]): string {
  const counts = new Map<CachedSourceKind, number>();
  let bytes = 0;
  for (const entry of entries) {
    counts.set(entry.source.kind, (counts.get(entry.source.kind) ?? 0) + 1);
    bytes += entry.bytes;
  }
  if (counts.size === 0) return "nothing";
  const parts = (Object.keys(NOUNS) as CachedSourceKind[]).flatMap((kind) => {
    const count = counts.get(kind);
    return count === undefined ? [] : [`${count} ${NOUNS[kind][count === 1 ? 0 : 1]}`];
  });
  return `${parts.join(", ")} (${formatBytes(bytes)})`;
}

/** The closing lines: what was removed, and temporary files kept. */
export function renderClearSummary(result: ClearResult, dryRun: boolean): string {
  let text = `${dryRun ? "would remove" : "removed"} ${describeSources(result.removed)}\n`;
  if (result.kept.length > 0) {
    text += `kept ${describeSources(result.kept)} changed in the last hour: ` +
      `a download may still be writing them\n`;
  }
  return text;
}

/** The `clearsources` command. */
export const clearSourcesCommand: Command = {
  name: "clearsources",
  summary: "delete every downloaded source from the source cache",
  usage: `hit clearsources --force
       hit clearsources --dry-run

Deletes every archive, hit-pack and git repository from the source cache; the next build
downloads what it needs again. --force is required. Waits for running builds to finish, and
leaves downloads still running alone.

examples:
  hit clearsources --dry-run
  hit clearsources --force`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseClearSourcesArgs(args);
    const config = await commandConfig(context);
    if (!parsed.force && !parsed.dryRun) {
      const planned = await clearSources(config.sourceCache, { dryRun: true, now: Date.now() });
      throw usageError(
        "clearsources",
        `refusing to empty the source cache "${config.sourceCache}" without --force`,
        `it holds ${describeSources(planned.removed)}; ` +
          `run "hit clearsources --force" to delete them`,
      );
    }
    let pending = Promise.resolve();
    using _lock = await holdGcLock(config.buildStore, {
      onWait: () => {
        pending = pending.then(() =>
          context.stderr.write("waiting for running builds to finish\n")
        );
      },
    });
    let result: ClearResult;
    try {
      result = await clearSources(config.sourceCache, {
        dryRun: parsed.dryRun,
        now: Date.now(),
        onRemoved: (removed) => {
          pending = pending.then(() =>
            context.stdout.write(renderRemovedSource(removed, parsed.dryRun))
          );
        },
      });
    } finally {
      await pending;
    }
    await context.stdout.write(renderClearSummary(result, parsed.dryRun));
    return 0;
  },
};
