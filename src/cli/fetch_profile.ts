/**
 * `hit fetch PROFILE`: every source of a profile's closure into the source cache, a few at
 * once, with a progress line, a summary, and every failure listed at the end. The renderers
 * are pure; `runFetchProfile` wires the resolve, the cache and the prefetch stage together.
 */
import { formatBytes } from "./format_bytes.ts";
import { fetchedLine } from "./fetched_line.ts";
import { openSourceCache } from "../core/source_cache.ts";
import { HitError } from "../errors.ts";
import { resolveProfileArg } from "./profile_arg.ts";
import { plannedSourceJson } from "./build_plan.ts";
import { FetchWorkers } from "../stages/fetch_stage.ts";
import { describeSource, listNeededSources } from "../stages/missing_sources.ts";
import {
  type PlannedSource,
  planPrefetch,
  type PrefetchEvent,
  type PrefetchFailure,
  prefetchSources,
  type PrefetchSummary,
} from "../stages/prefetch.ts";
import { commandConfig, type CommandContext } from "./command.ts";
import { isOffline, withMirrors } from "./source_options.ts";
import { listenForInterrupts } from "./interrupts.ts";
import { reclaimDownloads } from "../core/download_temp.ts";
import { reclaimAndReport } from "./reclaim_leftovers.ts";

/** The parsed command line of `hit fetch PROFILE`. */
export interface ProfileFetchArgs {
  mode: "profile";
  profile: string;
  overrides: Record<string, string>;
  /** List what would be fetched; fetch nothing. */
  dryRun: boolean;
  /** Sources fetched at once. */
  jobs: number;
  quiet: boolean;
  offline: boolean;
  mirrors: string[];
  /** Print the plan or the summary as JSON. */
  json: boolean;
}

/** What the progress line of a prefetch shows. */
export interface PrefetchProgress {
  total: number;
  /** Sources finished (cached, fetched, written or failed). */
  done: number;
  failed: number;
  /** Packages whose sources are being fetched now. */
  running: string[];
  /** Bytes of the sources finished. */
  bytes: number;
  /** The downloads under way, by package: bytes so far and the size when known. */
  downloads?: Record<string, { bytes: number; total?: number }>;
  elapsedMs: number;
}

/** The progress after `event`. */
export function applyPrefetchEvent(state: PrefetchProgress, event: PrefetchEvent) {
  const name = event.source.packages[0];
  switch (event.type) {
    case "start":
      return { ...state, running: [...state.running, name] };
    case "progress":
      return {
        ...state,
        downloads: { ...state.downloads, [name]: { bytes: event.bytes, total: event.total } },
      };
    case "done":
    case "failed": {
      const at = state.running.indexOf(name);
      const running = at < 0 ? state.running : state.running.toSpliced(at, 1);
      const { [name]: _finished, ...downloads } = state.downloads ?? {};
      return {
        ...state,
        running,
        downloads,
        done: state.done + 1,
        failed: state.failed + (event.type === "failed" ? 1 : 0),
        bytes: state.bytes + (event.type === "done" ? event.bytes : 0),
      };
    }
  }
}

/**
 * The live progress line: `[5/12] fetching zlib (1.0 MiB / 3.0 MiB), png  3.2 MiB  1.1 MiB/s`,
 * the bytes and rate counting the downloads under way.
 */
export function renderPrefetchProgress(state: PrefetchProgress, columns = 80): string {
  const downloads = state.downloads ?? {};
  const bytes = state.bytes +
    Object.values(downloads).reduce((sum, download) => sum + download.bytes, 0);
  const seconds = state.elapsedMs / 1000;
  const rate = seconds > 0 && bytes > 0 ? `  ${formatBytes(bytes / seconds)}/s` : "";
  const failed = state.failed > 0 ? `, ${state.failed} failed` : "";
  const names = state.running.map((name) => {
    const download = downloads[name];
    if (download === undefined) return name;
    const total = download.total === undefined ? "" : ` / ${formatBytes(download.total)}`;
    return `${name} (${formatBytes(download.bytes)}${total})`;
  });
  const doing = names.length > 0 ? ` fetching ${names.join(", ")}` : "";
  const line = `[${state.done}/${state.total}${failed}]${doing}  ${formatBytes(bytes)}${rate}`;
  return line.length <= columns ? line : line.slice(0, Math.max(0, columns - 1)) + "…";
}

/** The plain line for an event when output is not a terminal; none for unremarkable ones. */
export function renderPrefetchEvent(event: PrefetchEvent): string | undefined {
  if (event.type === "done" && event.status === "fetched") {
    return `${fetchedLine(event.source, event.bytes, event.seconds)}\n`;
  }
  if (event.type === "failed") return `failed ${describeSource(event.source)}\n`;
  return undefined;
}

/** The summary: `12 sources, 3 already cached, 14.2 MiB fetched`. */
export function renderPrefetchSummary(summary: PrefetchSummary): string {
  const failed = summary.failures.length > 0 ? `, ${summary.failures.length} failed` : "";
  return `${summary.sources} sources, ${summary.cached} already cached, ` +
    `${formatBytes(summary.bytes)} fetched${failed}\n`;
}

/** The summary as the `--json` object, each failure with its key, URL, packages and error. */
export function prefetchSummaryJson(summary: PrefetchSummary): Record<string, unknown> {
  const { sources, cached, fetched, written, bytes } = summary;
  const failures = summary.failures.map(({ source, error }) => ({
    key: source.key,
    url: source.url ?? null,
    packages: source.packages,
    error: error.message,
  }));
  return { sources, cached, fetched, written, bytes, failures };
}

/** What `--dry-run` prints: each source a fetch would get, and from where. */
export function renderPrefetchPlan(plan: readonly PlannedSource[]): string {
  const todo = plan.filter((item) => item.action !== "cached");
  const lines = [
    `would fetch ${todo.length} of ${plan.length} sources (${
      plan.length - todo.length
    } already cached)${todo.length > 0 ? ":" : ""}`,
  ];
  for (const { source, action, from } of todo) {
    const how = action === "write"
      ? " (build-script bundle, written)"
      : action === "copy"
      ? ` (from mirror "${from}")`
      : "";
    lines.push(`  ${describeSource(source)}${how}`);
  }
  return lines.join("\n") + "\n";
}

/** Every failure of a prefetch as one error, each with the package, key, URL and reason. */
export function prefetchFailedError(failures: readonly PrefetchFailure[], total: number) {
  const context: string[] = [];
  for (const { source, error } of failures) {
    context.push(`${describeSource(source)}: ${error.message}`);
    for (const line of error.context) context.push(`  ${line}`);
  }
  return new HitError(`fetch: ${failures.length} of ${total} sources failed`, {
    context,
    hint: failures.every(({ error }) => /\(offline\)|offline:/.test(error.message))
      ? "run it again where the network is reachable, or add a mirror holding them (--mirror DIR)"
      : "check the URLs above; run it again to retry only what failed",
  });
}

const REDRAW_MS = 100;

/**
 * Runs `hit fetch PROFILE`: prints the plan (dry run), or fetches and prints the summary.
 * @throws {HitError} listing every failed source (after the others were fetched).
 */
export async function runFetchProfile(
  parsed: ProfileFetchArgs,
  context: CommandContext,
): Promise<number> {
  const resolved = await resolveProfileArg(parsed.profile, context, {
    overrides: parsed.overrides,
  });
  const config = withMirrors(await commandConfig(context), parsed.mirrors, context.cwd);
  using workers = new FetchWorkers();
  const cache = openSourceCache(config, { env: context.env, downloader: workers.download });
  const needed = listNeededSources([resolved]);
  if (parsed.dryRun) {
    const plan = await planPrefetch(needed, cache);
    await context.stdout.write(
      parsed.json
        ? JSON.stringify({ sources: plan.map(plannedSourceJson) }, null, 2) + "\n"
        : renderPrefetchPlan(plan),
    );
    return 0;
  }
  await reclaimDownloads(cache);
  await reclaimAndReport(config, context, { quiet: parsed.quiet, takeBuildLock: true });
  const controller = new AbortController();
  using _interrupts = listenForInterrupts(controller);
  const live = context.stderr.isTerminal && !context.noColor && !parsed.quiet;
  const start = performance.now();
  let state: PrefetchProgress = {
    total: needed.length,
    done: 0,
    failed: 0,
    running: [],
    bytes: 0,
    elapsedMs: 0,
  };
  let pending = Promise.resolve();
  let lastDraw = -Infinity;
  const onEvent = (event: PrefetchEvent) => {
    state = applyPrefetchEvent(state, event);
    if (live) {
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS && event.type !== "done") return;
      lastDraw = now;
      const line = renderPrefetchProgress({ ...state, elapsedMs: now - start }, columns());
      pending = pending.then(() => context.stderr.write(`\r\x1b[2K${line}`));
    } else if (!parsed.quiet) {
      const line = renderPrefetchEvent(event);
      if (line !== undefined) pending = pending.then(() => context.stderr.write(line));
    }
  };
  let summary: PrefetchSummary;
  try {
    summary = await prefetchSources(needed, cache, {
      offline: isOffline(parsed.offline, context.env),
      jobs: parsed.jobs,
      onEvent,
      signal: controller.signal,
    });
  } finally {
    await pending;
    if (live) await context.stderr.write("\r\x1b[2K");
  }
  if (controller.signal.aborted) {
    throw new HitError(`fetch "${parsed.profile}": interrupted`, {
      exitCode: 130,
      hint: "run it again to fetch what is still missing",
    });
  }
  await context.stdout.write(
    parsed.json
      ? JSON.stringify(prefetchSummaryJson(summary), null, 2) + "\n"
      : renderPrefetchSummary(summary),
  );
  if (summary.failures.length > 0) throw prefetchFailedError(summary.failures, summary.sources);
  return 0;
}

function columns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}
