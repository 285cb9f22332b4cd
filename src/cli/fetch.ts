/**
 * `hit fetch URL [KEY]`: download an archive into the source cache and print the paste-ready
 * `sources:` entry for a package spec; `hit fetch PROFILE` (a `.yaml`/`.yml` file, or `-p`):
 * every source of the profile (`fetch_profile.ts`). Parsing and rendering are pure; `run`
 * fetches and prints.
 */
import { resolve } from "node:path";
import type { DownloadProgress } from "../core/download.ts";
import { KeyMismatchError, openSourceCache } from "../core/source_cache.ts";
import { HitError, USAGE_EXIT } from "../errors.ts";
import { checkArchiveInWorker, fetchInWorker } from "../stages/fetch_stage.ts";
import { DEFAULT_PREFETCH_JOBS } from "../stages/prefetch.ts";
import { StageCapabilityError } from "../stages/stage_worker.ts";
import { type OptionSpec, parseOptions, splitOverrides, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { type ProfileFetchArgs, runFetchProfile } from "./fetch_profile.ts";
import { fetchedJson, runFetchGit } from "./fetch_git.ts";
import { formatBytes } from "./format_bytes.ts";
import { listenForInterrupts } from "./interrupts.ts";
import { reclaimDownloads } from "../core/download_temp.ts";
import { reclaimAndReport } from "./reclaim_leftovers.ts";
import { isOffline, SOURCE_OPTIONS, sourceArgs, withMirrors } from "./source_options.ts";

export { formatBytes };
export type { ProfileFetchArgs };

/** The parsed command line of `hit fetch`: one URL, or a profile. */
export type FetchArgs = UrlFetchArgs | ProfileFetchArgs;

/** The parsed command line of `hit fetch URL [KEY]`. */
export interface UrlFetchArgs {
  mode: "url";
  url: string;
  /** The key the download must have. */
  key?: string;
  /** The archive type, instead of guessing it from the extension. */
  type?: string;
  /** A git repository: the revision to resolve (`HEAD` by default) when no `git:` key is given. */
  git?: string;
  /** The name of the cache's bare repository for a git source (default: from the URL). */
  name?: string;
  quiet: boolean;
  offline: boolean;
  mirrors: string[];
  /** Print `{url, final_url, key, bytes}` instead of the sources fragment. */
  json: boolean;
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
    choices: ["tar.gz", "tar.bz2", "tar.xz", "zip"],
    description: `archive type: "tar.gz", "tar.bz2", "tar.xz" or "zip" (default: from the name)`,
  },
  {
    name: "profile",
    short: "p",
    value: "PATH",
    description: "fetch every source of this profile (also: a first argument ending in .yaml)",
  },
  { name: "dry-run", short: "n", description: "with a profile: list what would be fetched" },
  {
    name: "jobs",
    short: "j",
    value: "N",
    description: `with a profile: sources fetched at once (default ${DEFAULT_PREFETCH_JOBS})`,
  },
  {
    name: "git",
    value: "REV",
    description: `a git repository: fetch REV (a branch, tag or commit; "HEAD" for the default)`,
  },
  {
    name: "name",
    value: "NAME",
    description: "git: the cache's repository name (default: from URL)",
  },
  { name: "quiet", short: "q", description: "print no progress" },
  {
    name: "json",
    description: "print what was fetched (or the profile's plan or summary) as JSON",
  },
  ...SOURCE_OPTIONS,
];

/**
 * Parses the arguments after `hit fetch`: `URL [KEY]`, `URL --key KEY`, or `PROFILE
 * [NAME=VALUE ...]` when `-p` is given or the first argument ends in `.yaml`/`.yml` and
 * `isFile` says it is a file.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseFetchArgs(
  args: string[],
  isFile: (path: string) => boolean = () => false,
): FetchArgs {
  const parsed = parseOptions("fetch", OPTIONS, args);
  const { values, positionals } = parsed;
  const { offline, mirrors } = sourceArgs(parsed);
  const option = values.profile as string | undefined;
  const first = positionals[0];
  if (option !== undefined || (first !== undefined && /\.ya?ml$/.test(first) && isFile(first))) {
    return parseProfileArgs(values, positionals, { option, offline, mirrors });
  }
  for (const name of ["dry-run", "jobs"]) {
    if (values[name] !== undefined) {
      throw usageError("fetch", `"--${name}" needs a profile`, 'give it with "-p PROFILE"');
    }
  }
  if (positionals.length === 0) throw usageError("fetch", "missing URL or profile");
  if (positionals.length > 2) throw usageError("fetch", `unexpected argument "${positionals[2]}"`);
  const [url, positionalKey] = positionals;
  const optionKey = values.key as string | undefined;
  if (positionalKey !== undefined && optionKey !== undefined && positionalKey !== optionKey) {
    throw usageError("fetch", `key given twice: "${positionalKey}" and "${optionKey}"`);
  }
  const key = optionKey ?? positionalKey;
  const git = values.git as string | undefined;
  if (git !== undefined && key !== undefined) {
    throw usageError("fetch", `"--git ${git}" and the key "${key}" both name the commit`);
  }
  return {
    mode: "url",
    url,
    key,
    type: values.type as string | undefined,
    ...gitFields(git ?? (key?.startsWith("git:") ? key.slice(4) : undefined), values.name),
    quiet: values.quiet === true,
    offline,
    mirrors,
    json: values.json === true,
  };
}

/** `git` and `name` of a URL fetch, present only when given. */
function gitFields(git: string | undefined, name: string | true | undefined) {
  return {
    ...(git === undefined ? {} : { git }),
    ...(typeof name === "string" ? { name } : {}),
  };
}

function parseProfileArgs(
  values: Record<string, string | true>,
  positionals: string[],
  given: { option?: string; offline: boolean; mirrors: string[] },
): ProfileFetchArgs {
  for (const name of ["key", "type"]) {
    if (values[name] !== undefined) {
      throw usageError("fetch", `"--${name}" needs a URL, not a profile`);
    }
  }
  const { overrides, others } = splitOverrides("fetch", positionals);
  if (given.option !== undefined && others.length > 0) {
    throw usageError("fetch", `profile given twice: "${others[0]}" and "${given.option}"`);
  }
  const profile = given.option ?? others[0];
  const extra = others[given.option === undefined ? 1 : 0];
  if (extra !== undefined) throw usageError("fetch", `unexpected argument "${extra}"`);
  let jobs = DEFAULT_PREFETCH_JOBS;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) {
      throw usageError("fetch", `"-j" needs a whole number, got "${values.jobs}"`);
    }
  }
  return {
    mode: "profile",
    profile,
    overrides,
    dryRun: values["dry-run"] === true,
    jobs,
    quiet: values.quiet === true,
    offline: given.offline,
    mirrors: given.mirrors,
    json: values.json === true,
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

const REDRAW_MS = 100;

/** The `fetch` command. */
export const fetchCommand: Command = {
  name: "fetch",
  summary: "download an archive, or every source of a profile, into the source cache",
  usage: `hit fetch URL [KEY] [--type TYPE] [--quiet] [--json] [--offline] [--mirror DIR]
       hit fetch PROFILE [NAME=VALUE ...] [--dry-run] [-j N] [--json] [--offline] [--mirror DIR]

Downloads URL (http, https, file: or a local path) into the source cache and prints the
"sources:" entry to paste into a package spec. Redirects to other hosts are followed (https to
http is refused); HIT_FETCH_CONNECT_TIMEOUT and HIT_FETCH_STALL_TIMEOUT bound the waits (see
the README, "Fetching"). With KEY, the mirrors (--mirror, source_caches) are asked first and
the archive must have that key: if not, nothing is stored and the exit code is 2. Without
KEY, the whole archive is read before it is stored.

With a profile (a file ending in .yaml or .yml, or -p PATH), fetches every source of its
packages (archives, git commits, build-script bundles), N at once, skipping what is cached,
and prints "N sources, M already cached, X fetched". Failures are listed together at the
end (exit 1). --offline (or HIT_OFFLINE=1) uses no network: the fetch stage gets no network
permission; only mirror folders and local files are read.

examples:
  hit fetch https://zlib.net/zlib-1.3.1.tar.gz
  hit fetch ./fftw-2.1.5.tar.gz tar.gz:7acx7lq4px4lteiwpa7ph2kknjcfddkj
  hit fetch stack.yaml --dry-run
  hit fetch stack.yaml -j 8`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseFetchArgs(args, (path) => isFileSync(resolve(context.cwd, path)));
    if (parsed.mode === "profile") return await runFetchProfile(parsed, context);
    if (parsed.git !== undefined) return await runFetchGit(parsed, context);
    const url = normaliseFetchUrl(parsed.url, context.cwd);
    const offline = isOffline(parsed.offline, context.env);
    const config = withMirrors(await commandConfig(context), parsed.mirrors, context.cwd);
    const cache = openSourceCache(config, {
      env: context.env,
      downloader: fetchInWorker,
      archiveChecker: checkArchiveInWorker,
    });
    await reclaimDownloads(cache);
    await reclaimAndReport(config, context, { quiet: parsed.quiet, takeBuildLock: true });
    const controller = new AbortController();
    using _interrupts = listenForInterrupts(controller);
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
        offline,
        onProgress: live ? onProgress : undefined,
        signal: controller.signal,
      });
    } catch (error) {
      // The original exits 2 when the keys differ.
      if (error instanceof KeyMismatchError) error.exitCode = USAGE_EXIT;
      // Offline, the fetch stage's worker has no net grant: Deno's refusal is the expected end.
      if (offline && error instanceof StageCapabilityError && error.permission === "net") {
        throw new HitError(
          `fetch "${url}": offline, and the fetch stage has no network permission`,
          {
            context: [error.message],
            hint: "fetch it without --offline (and HIT_OFFLINE) where the network is reachable",
            cause: error,
          },
        );
      }
      throw error;
    } finally {
      await pending;
      if (live) await context.stderr.write("\r\x1b[2K");
    }
    if (!parsed.quiet) {
      const via = fetched.finalUrl === url ? "" : ` (redirected to ${fetched.finalUrl})`;
      await context.stderr.write(`fetched ${url}${via}: ${formatBytes(fetched.bytes)}\n`);
    }
    await context.stdout.write(
      parsed.json
        ? fetchedJson({ url, final_url: fetched.finalUrl, key: fetched.key, bytes: fetched.bytes })
        : renderSourcesFragment(fetched.key, url),
    );
    return 0;
  },
};

function isFileSync(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
