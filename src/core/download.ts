/**
 * Downloading one source URL (HASHDIST.md §8.2) into a file while hashing it: `http(s)` through
 * `fetch`, `file:` URLs and plain paths by reading the file. Network failures are retried;
 * everything else fails at once. Touches only the destination file or temp folder it is given.
 * Runs in the fetch stage's worker (`stages/fetch_worker.ts`), so it must not import the spec
 * layer's YAML loader or read the environment.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HitError } from "../errors.ts";
import { b32 } from "../spec/hash_document.ts";
import { VERSION } from "../version.ts";

/** Where a source URL points: the network, or a file on this machine. */
export type SourceLocation =
  | { kind: "http"; url: string }
  | { kind: "local"; path: string };

/** One progress report of a download: bytes so far and, when known, the total. */
export interface DownloadProgress {
  key?: string;
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
}

/** What a finished download produced. */
export interface DownloadResult {
  /** `b32(sha256)` of the bytes. */
  digest: string;
  bytes: number;
  /** The URL the bytes came from, after redirects. */
  finalUrl: string;
  /** The first bytes of the file (up to 8), to check an archive's magic number. */
  head: Uint8Array;
}

/** What a `Downloader` is asked for: where to put the bytes and how to report on them. */
export interface DownloadRequest {
  /** The folder to create the temp file in; it must exist. */
  tempDir: string;
  /** The source cache folder `tempDir` belongs to. */
  cacheDir: string;
  /** The key being fetched, passed through to progress reports. */
  key?: string;
  /** Whether the network is off: an `http(s)` URL is refused (by Deno, in the worker). */
  offline?: boolean;
  onProgress?: (event: DownloadProgress) => void;
  /** Waits before each retry of a network failure; default 1 s then 2 s. */
  retryDelays?: readonly number[];
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

/** Why one download failed; `retry` is true for network failures worth another attempt. */
export class DownloadFailure extends Error {
  retry: boolean;
  constructor(message: string, options: { retry: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DownloadFailure";
    this.retry = options.retry;
  }
}

/** The default waits between attempts at a network download (§8.1): 1 s, then 2 s. */
export const DEFAULT_RETRY_DELAYS: readonly number[] = [1000, 2000];

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
 * Downloads `url` into `dest` (created or truncated) while hashing it, retrying network
 * failures with the waits of `options.retryDelays`.
 * @throws {DownloadFailure} when the last attempt failed or the failure is not worth a retry.
 * @throws {HitError} when `url` has an unsupported scheme.
 */
export async function downloadToFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const location = locateSource(url);
  const delays = options.retryDelays ?? DEFAULT_RETRY_DELAYS;
  for (let attempt = 0;; attempt++) {
    try {
      return location.kind === "http"
        ? await downloadHttp(location.url, dest, options)
        : await copyLocal(location.path, url, dest, options);
    } catch (error) {
      if (!(error instanceof DownloadFailure) || !error.retry) throw error;
      if (attempt >= delays.length) {
        throw new DownloadFailure(`${error.message} (after ${attempt + 1} attempts)`, {
          retry: false,
          cause: error,
        });
      }
      await new Promise((done) => setTimeout(done, delays[attempt]));
    }
  }
}

/**
 * The in-process `Downloader`: `downloadToFile` into a new `downloading-*` file of
 * `request.tempDir`, removed again when the download fails. Offline, `http(s)` is refused.
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
  const temp = await Deno.makeTempFile({ dir: request.tempDir, prefix: "downloading-" });
  try {
    const result = await downloadToFile(url, temp, request);
    return { ...result, temp };
  } catch (error) {
    try {
      await Deno.remove(temp);
    } catch (removeError) {
      if (!(removeError instanceof Deno.errors.NotFound)) throw removeError;
    }
    throw error;
  }
}

/** Hashes and writes chunks, keeping the first bytes and reporting progress. */
class HashingWriter {
  #file: Deno.FsFile;
  #hash = createHash("sha256");
  #head = new Uint8Array(8);
  #headLength = 0;
  bytes = 0;

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#hash.update(chunk);
    if (this.#headLength < this.#head.length) {
      const take = chunk.subarray(0, this.#head.length - this.#headLength);
      this.#head.set(take, this.#headLength);
      this.#headLength += take.length;
    }
    let rest = chunk;
    while (rest.length > 0) rest = rest.subarray(await this.#file.write(rest));
    this.bytes += chunk.length;
  }

  result(finalUrl: string): DownloadResult {
    const digest = b32(new Uint8Array(this.#hash.digest()));
    return { digest, bytes: this.bytes, finalUrl, head: this.#head.slice(0, this.#headLength) };
  }
}

// HTTP statuses that a later attempt may not see again; other 4xx answers are final.
function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

async function downloadHttp(
  url: string,
  dest: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  let response: Response;
  try {
    // `fetch` would otherwise ask for gzip and silently decompress a `.tar.gz` served with
    // `Content-Encoding: gzip`, changing the bytes and so the hash.
    response = await fetch(url, {
      headers: { "accept-encoding": "identity", "user-agent": `hit/${VERSION}` },
    });
  } catch (error) {
    // A denied permission (a redirect to a host outside the fetch stage's grant) is a bug to
    // report, not a network failure to retry.
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new DownloadFailure(`cannot connect: ${describeError(error)}`, {
      retry: true,
      cause: error,
    });
  }
  const finalUrl = response.url || url;
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    const where = finalUrl === url ? "" : ` from "${finalUrl}"`;
    throw new DownloadFailure(
      `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}${where}`,
      { retry: isTransientStatus(response.status) },
    );
  }
  const lengthHeader = response.headers.get("content-length");
  const total = lengthHeader === null ? undefined : Number(lengthHeader);
  using file = await Deno.open(dest, { write: true, create: true, truncate: true });
  const writer = new HashingWriter(file);
  try {
    for await (const chunk of response.body) {
      await writer.write(chunk);
      options.onProgress?.({ key: options.key, url, bytes: writer.bytes, total });
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new DownloadFailure(
      `connection lost after ${writer.bytes} bytes: ${describeError(error)}`,
      { retry: true, cause: error },
    );
  }
  if (total !== undefined && writer.bytes !== total) {
    throw new DownloadFailure(`connection lost after ${writer.bytes} of ${total} bytes`, {
      retry: true,
    });
  }
  return writer.result(finalUrl);
}

const LOCAL_CHUNK = 1 << 20;

async function copyLocal(
  path: string,
  url: string,
  dest: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  let source: Deno.FsFile;
  try {
    source = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    const reason = error instanceof Deno.errors.NotFound ? "no such file" : describeError(error);
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
      throw new DownloadFailure(`read failed: ${describeError(error)}`, {
        retry: false,
        cause: error,
      });
    }
    if (count === null) break;
    await writer.write(buffer.subarray(0, count));
    options.onProgress?.({ key: options.key, url, bytes: writer.bytes, total });
  }
  return writer.result(url);
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
