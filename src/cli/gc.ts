/**
 * `hit gc`: remove every artifact no gc root keeps alive, and stale gc roots (HASHDIST.md
 * §6.5), after the leftovers of interrupted runs (`core/leftovers.ts`); `hit gc --list` prints
 * the profile links the gc roots point to. Parsing and rendering are pure; `run` takes the gc
 * lock, collects and prints as it goes.
 */
import {
  collectGarbage,
  type GcEvent,
  type GcPolicy,
  type GcResult,
  holdGcLock,
} from "../core/gc.ts";
import { reclaimDownloads, type ReclaimedDownloads } from "../core/download_temp.ts";
import { readGcRoots } from "../core/gc_roots.ts";
import { type Leftover, reclaimLeftovers } from "../core/leftovers.ts";
import { openSourceCache } from "../core/source_cache.ts";
import {
  FAILED_BUILD_AGE_MS,
  type FailedBuild,
  removeFailedBuilds,
} from "../core/failed_builds.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { formatBytes } from "./format_bytes.ts";
import { renderLeftovers, renderLeftoverSummary } from "./render_leftovers.ts";

/** The parsed command line of `hit gc`. */
export interface GcArgs {
  /** `--list`: print the gc roots' links instead of collecting. */
  list: boolean;
  dryRun: boolean;
  policy: GcPolicy;
  json: boolean;
  /** Which failed build folders go: those older than a day, or all. */
  failed: "old" | "all";
}

const OPTIONS: readonly OptionSpec[] = [
  { name: "dry-run", short: "n", description: "print what would be removed; remove nothing" },
  {
    name: "keep-build-deps",
    description: "also keep build-only dependencies (the original's rule)",
  },
  { name: "json", description: "print the result as JSON" },
  {
    name: "failed",
    value: "WHICH",
    choices: ["old", "all"],
    description: `failed build folders to remove: "old" (default: older than a day) or "all"`,
  },
  { name: "list", description: "print the profile link of each gc root, and collect nothing" },
];

/**
 * Parses the arguments after `hit gc`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseGcArgs(args: string[]): GcArgs {
  const { values, positionals } = parseOptions("gc", OPTIONS, args);
  if (positionals.length > 0) throw usageError("gc", `unexpected argument "${positionals[0]}"`);
  const list = values.list === true;
  for (const option of ["dry-run", "keep-build-deps"]) {
    if (list && values[option] === true) {
      throw usageError("gc", `options "--list" and "--${option}" conflict`);
    }
  }
  const failed = (values.failed as string | undefined) ?? "old";
  if (failed !== "old" && failed !== "all") {
    throw usageError("gc", `unknown value "${failed}" of "--failed"`, 'use "old" or "all"');
  }
  return {
    list,
    failed,
    dryRun: values["dry-run"] === true,
    policy: values["keep-build-deps"] === true ? "build" : "run",
    json: values.json === true,
  };
}

/** Text for one collection event: a line for stdout, or a warning for stderr. */
export function renderGcEvent(
  event: GcEvent,
  dryRun: boolean,
): { stdout?: string; stderr?: string } {
  const verb = dryRun ? "would remove" : "removed";
  switch (event.type) {
    case "stale-root":
      return { stdout: `${verb} gc root of "${event.link}": it leads to no artifact\n` };
    case "removed":
      return { stdout: `${verb} ${event.id} (${formatBytes(event.bytes)})\n` };
    case "not-a-root":
      return { stderr: `warning: skipped "${event.entry}": a gc root must be a symlink\n` };
    case "incomplete":
      return {
        stderr: `warning: skipped "${event.dir}": no "id" file (an interrupted build?); ` +
          `remove it with "hit purge ${event.folder}"\n`,
      };
    case "changed":
      return { stderr: `warning: skipped "${event.dir}": it changed while hit gc ran\n` };
  }
}

/** A line for the temp files of killed downloads removed, or "" for none. */
export function renderDownloads(downloads: ReclaimedDownloads): string {
  const count = downloads.files.length;
  if (count === 0) return "";
  return `removed ${count} temp ${count === 1 ? "download" : "downloads"} of interrupted ` +
    `fetches (${formatBytes(downloads.bytes)})\n`;
}

/** The closing line of a collection: how many artifacts went, how much space, how many stay. */
export function renderGcSummary(result: GcResult, dryRun: boolean): string {
  const count = result.removed.length;
  return `${dryRun ? "would remove" : "removed"} ${count} ${
    count === 1 ? "artifact" : "artifacts"
  } (${formatBytes(result.bytes)}), ${dryRun ? "would keep" : "kept"} ${result.kept}\n`;
}

/** The lines for the failed build folders that went (or would go). */
export function renderFailedBuilds(failed: readonly FailedBuild[], dryRun: boolean): string {
  return failed.map((build) =>
    `${dryRun ? "would remove" : "removed"} failed build folder ${build.dir} ` +
    `(${formatBytes(build.bytes)})\n`
  ).join("");
}

/** The JSON document of `hit gc --json`. */
export function renderGcJson(
  result: GcResult,
  args: GcArgs,
  extra: {
    leftovers?: readonly Leftover[];
    downloads?: ReclaimedDownloads;
    failed?: readonly FailedBuild[];
  } = {},
): string {
  const { leftovers = [], downloads = { files: [], bytes: 0 }, failed = [] } = extra;
  return JSON.stringify(
    {
      dry_run: args.dryRun,
      policy: args.policy,
      stale_roots: result.staleRoots,
      removed: result.removed,
      skipped: result.skipped,
      kept: result.kept,
      bytes: result.bytes,
      leftovers: leftovers.map(({ kind, path, bytes }) => ({ kind, path, bytes })),
      temp_downloads: { files: downloads.files, bytes: downloads.bytes },
      failed_builds: failed.map((build) => build.dir),
    },
    null,
    2,
  ) + "\n";
}

/** The `gc` command. */
export const gcCommand: Command = {
  name: "gc",
  summary: "remove artifacts that no profile link keeps alive",
  usage: `hit gc [--dry-run] [--keep-build-deps] [--failed old|all] [--json]
       hit gc --list [--json]

Removes every artifact of the build store that no gc root keeps alive, and the gc roots
whose profile link is gone. A profile keeps itself and what it uses at run time: what it
links, and what those artifacts name (rpaths, shebangs, paths in scripts). Build-only
dependencies, which no kept artifact names, go unless --keep-build-deps is given.
Also removes what interrupted runs left that no running hit uses (staging folders, build
folders, artifact folders without id, temp downloads an hour old), and the build folders failed
builds kept in build_temp once they are older than a day (--failed all: every one). Waits for
running builds to finish; builds started meanwhile wait for it.

examples:
  hit gc --dry-run
  hit rm old-stack && hit gc
  hit gc --keep-build-deps
  hit gc --failed all
  hit gc --list`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseGcArgs(args);
    const config = await commandConfig(context);
    if (parsed.list) {
      const roots = await readGcRoots(config.gcRoots);
      const links = roots.flatMap((root) => root.state === "other" ? [] : [root.link]);
      await context.stdout.write(
        parsed.json
          ? JSON.stringify(
            roots.map((root) => ({
              root: root.entry,
              link: root.state === "other" ? null : root.link,
              state: root.state,
              artifact_id: root.state === "live" ? root.artifact.id : null,
            })),
            null,
            2,
          ) + "\n"
          : links.map((link) => link + "\n").join(""),
      );
      return 0;
    }
    let pending = Promise.resolve();
    const write = (text: { stdout?: string; stderr?: string }) => {
      pending = pending.then(async () => {
        if (text.stdout !== undefined && !parsed.json) await context.stdout.write(text.stdout);
        if (text.stderr !== undefined) await context.stderr.write(text.stderr);
      });
    };
    using _lock = await holdGcLock(config.buildStore, {
      onWait: () => write({ stderr: "waiting for running builds to finish\n" }),
    });
    // Leftovers of interrupted runs first: an artifact folder without `id` among them goes.
    const leftovers = await reclaimLeftovers({
      store: config.buildStore,
      buildTemp: config.buildTemp,
      // Kept build folders (failed builds, --keep-build) go by age below, not here.
      keptBuilds: false,
      dryRun: parsed.dryRun,
    });
    // The temp files of killed downloads (unlocked and an hour old; see `download_temp.ts`).
    const downloads = parsed.dryRun
      ? { files: [], bytes: 0 }
      : await reclaimDownloads(openSourceCache(config));
    if (!parsed.json) {
      await context.stdout.write(
        renderLeftovers(leftovers, parsed.dryRun) + renderDownloads(downloads),
      );
    }
    let result: GcResult;
    try {
      result = await collectGarbage(config.buildStore, config.gcRoots, {
        policy: parsed.policy,
        dryRun: parsed.dryRun,
        onEvent: (event) => write(renderGcEvent(event, parsed.dryRun)),
      });
    } finally {
      await pending;
    }
    const failed = await removeFailedBuilds(config.buildTemp, {
      olderThan: parsed.failed === "all" ? Infinity : Date.now() - FAILED_BUILD_AGE_MS,
      dryRun: parsed.dryRun,
    });
    await context.stdout.write(
      parsed.json
        ? renderGcJson(result, parsed, { leftovers, downloads, failed })
        : renderLeftoverSummary(leftovers, parsed.dryRun) +
          renderFailedBuilds(failed, parsed.dryRun) + renderGcSummary(result, parsed.dryRun),
    );
    return 0;
  },
};
