/**
 * `hit fetch URL [KEY]`: download an archive into the source cache and print the paste-ready
 * `sources:` entry for a package spec. Parsing and rendering are pure; `run` fetches and prints.
 */
import { resolve } from "node:path";
import { defaultConfigPath, loadConfig } from "../core/config.ts";
import type { DownloadProgress } from "../core/download.ts";
import { KeyMismatchError, openSourceCache } from "../core/source_cache.ts";
import { USAGE_EXIT } from "../errors.ts";
import { fetchInWorker } from "../stages/fetch_stage.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";

/** The parsed command line of `hit fetch`. */
export interface FetchArgs {
  url: string;
  /** The key the download must have. */
  key?: string;
  /** The archive type, instead of guessing it from the extension. */
  type?: string;
  quiet: boolean;
}

/** The state of a running download, for `renderFetchProgress`. */
export interface FetchProgressState {
  url: string;
  bytes: number;
  total?: number;
  elapsedMs: number;
}

const OPTIONS: readonly OptionSpec[] = [
  { name: "key", value: "KEY", description: "the key the archive must have (exit 2 if not)" },
  {
    name: "type",
    value: "TYPE",
    description: `archive type: "tar.gz", "tar.bz2", "tar.xz" or "zip" (default: from the name)`,
  },
  { name: "quiet", short: "q", description: "print no progress" },
];

/**
 * Parses the arguments after `hit fetch`: `URL [KEY]`, or `URL --key KEY`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseFetchArgs(args: string[]): FetchArgs {
  const { values, positionals } = parseOptions("fetch", OPTIONS, args);
  if (positionals.length === 0) throw usageError("fetch", "missing URL");
  if (positionals.length > 2) throw usageError("fetch", `unexpected argument "${positionals[2]}"`);
  const [url, positionalKey] = positionals;
  const optionKey = values.key as string | undefined;
  if (positionalKey !== undefined && optionKey !== undefined && positionalKey !== optionKey) {
    throw usageError("fetch", `key given twice: "${positionalKey}" and "${optionKey}"`);
  }
  return {
    url,
    key: optionKey ?? positionalKey,
    type: values.type as string | undefined,
    quiet: values.quiet === true,
  };
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * The URL to fetch and print: a plain path, or a `file:` URL with a relative path, becomes
 * `file:` plus the absolute path (the original also prefixed `file:`; absolute makes it
 * paste-ready). Other URLs are unchanged.
 */
export function normaliseFetchUrl(url: string, cwd: string): string {
  if (!SCHEME.test(url)) return `file:${resolve(cwd, url)}`;
  if (/^file:[^/]/i.test(url)) return `file:${resolve(cwd, url.slice("file:".length))}`;
  return url;
}

/** The `sources:` fragment to paste into a package spec. */
export function renderSourcesFragment(key: string, url: string): string {
  return `sources:\n- key: ${key}\n  url: ${url}\n`;
}

/** One progress line: bytes so far, of the total when known, and the mean rate. */
export function renderFetchProgress(state: FetchProgressState): string {
  const done = state.total === undefined
    ? formatBytes(state.bytes)
    : `${formatBytes(state.bytes)} / ${formatBytes(state.total)} (${
      state.total === 0 ? 100 : Math.floor((state.bytes / state.total) * 100)
    }%)`;
  const seconds = state.elapsedMs / 1000;
  const rate = seconds > 0 ? `  ${formatBytes(state.bytes / seconds)}/s` : "";
  return `fetching ${state.url}  ${done}${rate}`;
}

/** Bytes as `512 B`, `1.5 KiB`, `12.0 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const REDRAW_MS = 100;

/** The `fetch` command. */
export const fetchCommand: Command = {
  name: "fetch",
  summary: "download an archive into the source cache and print its source key",
  usage: `hit fetch URL [KEY] [--type TYPE] [--quiet]
       hit fetch URL --key KEY

Downloads URL (http, https, file: or a local path) into the source cache and prints the
"sources:" entry to paste into a package spec. With KEY, the archive must have that key:
if not, nothing is stored and the exit code is 2.

examples:
  hit fetch https://zlib.net/zlib-1.3.1.tar.gz
  hit fetch ./fftw-2.1.5.tar.gz tar.gz:7acx7lq4px4lteiwpa7ph2kknjcfddkj`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseFetchArgs(args);
    const url = normaliseFetchUrl(parsed.url, context.cwd);
    const config = await loadConfig(context.configPath ?? defaultConfigPath(context.env));
    const cache = openSourceCache(config, { env: context.env, downloader: fetchInWorker });
    const live = context.stderr.isTerminal && !context.noColor && !parsed.quiet;
    const start = performance.now();
    let pending = Promise.resolve();
    let lastDraw = -Infinity;
    const onProgress = (event: DownloadProgress) => {
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS && event.bytes !== event.total) return;
      lastDraw = now;
      const line = renderFetchProgress({ ...event, url, elapsedMs: now - start });
      pending = pending.then(() => context.stderr.write(`\r\x1b[2K${line}`));
    };
    let fetched;
    try {
      fetched = await cache.fetchUrl(url, {
        key: parsed.key,
        type: parsed.type,
        onProgress: live ? onProgress : undefined,
      });
    } catch (error) {
      // The original exits 2 when the keys differ.
      if (error instanceof KeyMismatchError) error.exitCode = USAGE_EXIT;
      throw error;
    } finally {
      await pending;
      if (live) await context.stderr.write("\r\x1b[2K");
    }
    if (!parsed.quiet) {
      const via = fetched.finalUrl === url ? "" : ` (redirected to ${fetched.finalUrl})`;
      await context.stderr.write(`fetched ${url}${via}: ${formatBytes(fetched.bytes)}\n`);
    }
    await context.stdout.write(renderSourcesFragment(fetched.key, url));
    return 0;
  },
};
