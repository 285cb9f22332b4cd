/**
 * Downloading one source URL (HASHDIST.md §8.2) into a file while hashing it: `http(s)` hop by
 * hop (`http_download.ts`, redirects judged by `redirects.ts`), `file:` URLs and plain paths by
 * reading the file. Touches only the destination file or temp folder it is given. The hops
 * run in the fetch stage's worker (`stages/fetch_worker.ts`), so this module must not import
 * the spec layer's YAML loader or read the environment.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HitError } from "../errors.ts";
import { withDownloadTemp } from "./download_temp.ts";
import { describeCause, DownloadFailure } from "./download_failure.ts";
import { HashingWriter, type WrittenBytes } from "./hashing_writer.ts";
import {
  downloadHttp,
  type FetchTimeouts,
  type HopResult,
  type HttpHopOptions,
} from "./http_download.ts";
import { type NetworkConfig, networkFor } from "./network_config.ts";
import { followRedirect } from "./redirects.ts";

export { DownloadFailure };
export { DEFAULT_RETRY_DELAYS } from "./http_download.ts";

/** Where a source URL points: the network, or a file on this machine. */
export type SourceLocation =
  | { kind: "http"; url: string }
  | { kind: "local"; path: string };

/** One progress report of a download: bytes so far and, when known, the total. */
export interface DownloadProgress {
  key?: string;
  /** The URL as the user wrote it (before any redirect). */
  url: string;
  bytes: number;
  total?: number;
}

/** Options of `downloadToFile`. */
export interface DownloadOptions {
  /** The key being fetched, passed through to progress reports. */
  key?: string;
  onProgress?: (event: DownloadProgress) => void;
  /** Waits before each retry of a network failure; default 1 s then 2 s (3 attempts). */
  retryDelays?: readonly number[];
  /** Connect and stall timeouts; default 30 s and 60 s. */
  timeouts?: FetchTimeouts;
  /** Proxies and extra CA certificates; default: direct, the built-in CAs. */
  network?: NetworkConfig;
}

/** What a finished download produced. */
export interface DownloadResult extends WrittenBytes {
  /** The URL the bytes came from, after redirects. */
  finalUrl: string;
}

/** What a `Downloader` is asked for: where to put the bytes and how to report on them. */
export interface DownloadRequest extends DownloadOptions {
  /** The folder to create the temp file in; it must exist. */
  tempDir: string;
  /** The source cache folder `tempDir` belongs to. */
  cacheDir: string;
  /** Whether the network is off: an `http(s)` URL is refused (by Deno, in the worker). */
  offline?: boolean;
  /** Stops the download at once; its temp file is removed. */
  signal?: AbortSignal;
}

/** A finished download: the result and the temp file holding the bytes. */
export interface DownloadedFile extends DownloadResult {
  temp: string;
}

/**
 * Downloads `url` into a new temp file of `request.tempDir`, in this process or in a worker
 * (`stages/fetch_stage.ts`). The caller owns the temp file; on failure none is left.
 */
export type Downloader = (url: string, request: DownloadRequest) => Promise<DownloadedFile>;

// The original's `simple_file_url_re` (test_source_cache `test_simple_file_url_re`): `file:`,
// an optional `/`, then anything not starting with `/` is a path read directly.
const SIMPLE_FILE_URL = /^file:\/?[^/]/;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Where `url` points: `http(s)://` URLs are fetched; `file:PATH`, `file:///PATH` and plain
 * paths (no scheme) are local files.
 * @throws {HitError} for another scheme or a `file://HOST/` URL naming a remote host.
 */
export function locateSource(url: string): SourceLocation {
  if (SIMPLE_FILE_URL.test(url)) return { kind: "local", path: url.slice("file:".length) };
  if (/^https?:\/\//i.test(url)) return { kind: "http", url };
  if (/^file:\/\//i.test(url)) {
    try {
      return { kind: "local", path: fileURLToPath(url) };
    } catch (error) {
      throw new HitError(`read "${url}": not a local file URL`, {
        hint: 'write "file:///absolute/path" or "file:relative/path"',
        cause: error,
      });
    }
  }
  if (/^ftp:\/\//i.test(url)) {
    throw new HitError(`fetch "${url}": ftp:// URLs are not fetched`, {
      hint: "use an http(s) URL of the same file, or a mirror holding the archive " +
        "(source_caches or --mirror)",
    });
  }
  if (SCHEME.test(url)) {
    const scheme = url.slice(0, url.indexOf(":"));
    throw new HitError(`fetch "${url}": unsupported URL scheme "${scheme}"`, {
      hint: 'use an "http://", "https://" or "file:" URL, or a local path',
    });
  }
  return { kind: "local", path: url };
}

/** Whether fetching `url` would use the network (false for local files and folders). */
export function isNetworkSource(url: string): boolean {
  return locateSource(url).kind === "http";
}

/**
 * The URL of `packs/<type>/<hash>` in a mirror: an `http(s)://` or `file:` prefix, or a folder.
 * A relative folder is taken from `cwd` (default: the process's working folder).
 */
export function mirrorUrl(mirror: string, packPath: string, cwd?: string): string {
  if (SCHEME.test(mirror)) return `${mirror.replace(/\/+$/, "")}/${packPath}`;
  return resolve(cwd ?? ".", mirror, packPath);
}

/**
 * The folder of a mirror on this machine (a plain path or a `file:` URL), taken from `cwd` when
 * relative; undefined for a network mirror or an unsupported scheme.
 */
export function mirrorFolder(mirror: string, cwd?: string): string | undefined {
  if (/^https?:\/\//i.test(mirror)) return undefined;
  try {
    const location = locateSource(mirror);
    return location.kind === "local" ? resolve(cwd ?? ".", location.path) : undefined;
  } catch (error) {
    if (error instanceof HitError) return undefined;
    throw error;
  }
}

/**
 * Downloads `url` into `dest` (created or emptied) while hashing it, in this process, following
 * redirects by the rules of `followRedirect` and retrying network failures.
 * @throws {DownloadFailure} when the download fails.
 * @throws {HitError} when `url` has an unsupported scheme.
 */
export async function downloadToFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  return await followHops(url, (hop) =>
    downloadHop(hop, dest, {
      ...options,
      network: networkFor(hop, options.network),
      onProgress: options.onProgress &&
        ((event) => options.onProgress!({ key: options.key, url, ...event })),
    }));
}

/**
 * Fetches `url` by asking `hop` for one URL at a time: where it answers with a redirect,
 * `followRedirect` decides the next URL. Failures name the URL the user wrote and, where it
 * moved, the URL that failed.
 * @throws {DownloadFailure} when a hop fails or a redirect is refused.
 */
export async function followHops(
  url: string,
  hop: (url: string) => Promise<HopResult>,
): Promise<DownloadResult> {
  const visited = [url];
  for (;;) {
    const current = visited.at(-1)!;
    let result: HopResult;
    try {
      result = await hop(current);
    } catch (error) {
      if (error instanceof DownloadFailure && current !== url) {
        error.message = `${error.message} (at "${current}", redirected from "${url}")`;
      }
      throw error;
    }
    if (result.kind === "file") {
      return { digest: result.digest, bytes: result.bytes, head: result.head, finalUrl: current };
    }
    visited.push(followRedirect(current, result.location, visited));
  }
}

/**
 * Fetches one URL (no redirect followed) into `dest`: `http(s)` through `downloadHttp`, a
 * local file by copying it.
 * @throws {DownloadFailure} when it fails.
 * @throws {HitError} when `url` has an unsupported scheme.
 */
export async function downloadHop(
  url: string,
  dest: string,
  options: HttpHopOptions = {},
): Promise<HopResult> {
  const location = locateSource(url);
  if (location.kind === "http") return await downloadHttp(location.url, dest, options);
  return { kind: "file", ...await copyLocal(location.path, dest, options) };
}

/**
 * The in-process `Downloader`: `downloadToFile` into a new `downloading-*` file of
 * `request.tempDir`, locked while it is written, removed again when the download fails.
 * Offline, `http(s)` is refused.
 * @throws {DownloadFailure} when the download fails.
 * @throws {HitError} when `url` has an unsupported scheme.
 */
export async function downloadToTemp(
  url: string,
  request: DownloadRequest,
): Promise<DownloadedFile> {
  if (request.offline && isNetworkSource(url)) {
    throw new DownloadFailure("offline", { retry: false });
  }
  return await withDownloadTemp(request.tempDir, async (temp) => ({
    ...await downloadToFile(url, temp, request),
    temp,
  }));
}

const LOCAL_CHUNK = 1 << 20;

async function copyLocal(
  path: string,
  dest: string,
  options: HttpHopOptions,
): Promise<WrittenBytes> {
  let source: Deno.FsFile;
  try {
    source = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    const reason = error instanceof Deno.errors.NotFound ? "no such file" : describeCause(error);
    throw new DownloadFailure(reason, { retry: false, cause: error });
  }
  using _source = source;
  const total = (await source.stat()).size;
  using file = await Deno.open(dest, { write: true, create: true, truncate: true });
  const writer = new HashingWriter(file);
  const buffer = new Uint8Array(LOCAL_CHUNK);
  for (;;) {
    let count: number | null;
    try {
      count = await source.read(buffer);
    } catch (error) {
      throw new DownloadFailure(`read failed: ${describeCause(error)}`, {
        retry: false,
        cause: error,
      });
    }
    if (count === null) break;
    await writer.write(buffer.subarray(0, count));
    options.onProgress?.({ bytes: writer.bytes, total });
  }
  return writer.result();
}
