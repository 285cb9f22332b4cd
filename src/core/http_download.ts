/**
 * One URL of a download over HTTP(S), one hop: a GET that does not follow redirects (it
 * reports them, so the main process can grant the next host), bounded by a connect timeout
 * (until the answer's headers) and a stall timeout (between body bytes), retrying what is
 * worth retrying (connection errors, stalls, 5xx, 408, 429 with `Retry-After`) and resuming
 * with `Range` where the server allows it. Runs in the fetch worker: it reads no environment;
 * the proxy and CA certificates come in as `NetworkSettings`. Touches only its temp file.
 */
import { VERSION } from "../version.ts";
import { describeCause, DownloadFailure } from "./download_failure.ts";
import { HashingWriter, type WrittenBytes } from "./hashing_writer.ts";
import { isRedirectStatus } from "./redirects.ts";

/** How long a download may wait, in milliseconds. */
export interface FetchTimeouts {
  /** From the request to the answer's headers (connection, TLS, the server's first reply). */
  connectMs: number;
  /** Between two chunks of the body. */
  stallMs: number;
}

/** The default timeouts: 30 s to connect, 60 s without a byte. */
export const DEFAULT_TIMEOUTS: FetchTimeouts = { connectMs: 30_000, stallMs: 60_000 };

/** The default waits between attempts (§8.1): 1 s, then 2 s (3 attempts). */
export const DEFAULT_RETRY_DELAYS: readonly number[] = [1000, 2000];

/** The longest `Retry-After` honoured; a server asking for more fails the attempt at once. */
export const MAX_RETRY_AFTER_MS = 120_000;

/** How one request reaches its server: a proxy URL, extra trusted CA certificates (PEM). */
export interface NetworkSettings {
  proxy?: string;
  caCerts?: string[];
}

/** One report of a hop's progress: bytes so far and, when known, the total. */
export interface HopProgress {
  bytes: number;
  total?: number;
}

/** Options of `downloadHttp`. */
export interface HttpHopOptions {
  onProgress?: (event: HopProgress) => void;
  retryDelays?: readonly number[];
  timeouts?: FetchTimeouts;
  network?: NetworkSettings;
}

/** What one hop produced: the bytes, or a redirect for the main process to judge. */
export type HopResult =
  | ({ kind: "file" } & WrittenBytes)
  | { kind: "redirect"; status: number; location: string | null };

/**
 * Fetches `url` into `dest` (created or emptied), retrying with the waits of
 * `options.retryDelays` (or the server's `Retry-After`) and resuming where possible.
 * @throws {DownloadFailure} when the last attempt failed or the failure is final.
 */
export async function downloadHttp(
  url: string,
  dest: string,
  options: HttpHopOptions = {},
): Promise<HopResult> {
  const delays = options.retryDelays ?? DEFAULT_RETRY_DELAYS;
  using file = await Deno.open(dest, { write: true, create: true, truncate: true });
  const writer = new HashingWriter(file);
  const client = createClient(options.network);
  const state: ResumeState = {};
  try {
    for (let attempt = 0;; attempt++) {
      try {
        return await attemptHttp(url, writer, state, { ...options, client });
      } catch (error) {
        if (!(error instanceof DownloadFailure) || !error.retry) throw error;
        if (attempt >= delays.length) {
          throw new DownloadFailure(`${error.message} (after ${attempt + 1} attempts)`, {
            retry: false,
            cause: error,
            hint: error.hint,
          });
        }
        await new Promise((done) => setTimeout(done, error.retryAfterMs ?? delays[attempt]));
      }
    }
  } finally {
    client?.close();
  }
}

// What a later attempt needs to resume: whether the server takes ranges, and the validator
// that makes sure the bytes are still those of the same file.
interface ResumeState {
  ranges?: boolean;
  validator?: string;
}

/** A client with `network`'s proxy and CA certificates; undefined when the default one does. */
export function createClient(network: NetworkSettings | undefined): Deno.HttpClient | undefined {
  if (network?.proxy === undefined && (network?.caCerts ?? []).length === 0) return undefined;
  return Deno.createHttpClient({
    ...(network?.proxy === undefined ? {} : { proxy: { url: network.proxy } }),
    ...(network?.caCerts === undefined ? {} : { caCerts: network.caCerts }),
  });
}

async function attemptHttp(
  url: string,
  writer: HashingWriter,
  state: ResumeState,
  options: HttpHopOptions & { client?: Deno.HttpClient },
): Promise<HopResult> {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const headers: Record<string, string> = {
    // `fetch` would otherwise ask for gzip and silently decompress a `.tar.gz` served with
    // `Content-Encoding: gzip`, changing the bytes and so the hash.
    "accept-encoding": "identity",
    "user-agent": `hit/${VERSION}`,
  };
  const resumeAt = state.ranges ? writer.bytes : 0;
  if (resumeAt > 0) {
    headers.range = `bytes=${resumeAt}-`;
    if (state.validator !== undefined) headers["if-range"] = state.validator;
  }
  const controller = new AbortController();
  let timedOut: string | undefined;
  const arm = (ms: number, what: string) =>
    setTimeout(() => {
      timedOut = `${what} ${seconds(ms)}`;
      controller.abort();
    }, ms);
  let timer = arm(timeouts.connectMs, "no answer within");
  let response: Response;
  try {
    response = await fetch(url, {
      headers,
      redirect: "manual",
      signal: controller.signal,
      ...(options.client === undefined ? {} : { client: options.client }),
    });
  } catch (error) {
    // A denied permission is a bug in the grants, not a network failure to retry.
    if (error instanceof Deno.errors.NotCapable) throw error;
    if (timedOut !== undefined) throw new DownloadFailure(timedOut, { retry: true });
    throw connectFailure(url, error);
  } finally {
    clearTimeout(timer);
  }
  if (isRedirectStatus(response.status)) {
    await response.body?.cancel();
    return {
      kind: "redirect",
      status: response.status,
      location: response.headers.get("location"),
    };
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw statusFailure(response);
  }
  const total = await startBody(response, writer, state, resumeAt);
  const reader = response.body.getReader();
  for (;;) {
    timer = arm(timeouts.stallMs, "stalled: no data for");
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) throw error;
      const why = timedOut ?? `connection lost: ${describeCause(error)}`;
      throw new DownloadFailure(`${why} (after ${writer.bytes} bytes)`, {
        retry: true,
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
    if (chunk.done) break;
    await writer.write(chunk.value);
    options.onProgress?.({ bytes: writer.bytes, total });
  }
  if (total !== undefined && writer.bytes !== total) {
    throw new DownloadFailure(`connection lost after ${writer.bytes} of ${total} bytes`, {
      retry: true,
    });
  }
  return { kind: "file", ...writer.result() };
}

// Checks how the body continues the file (a 206 from `resumeAt`, else from the start) and
// returns the file's full size when known.
async function startBody(
  response: Response,
  writer: HashingWriter,
  state: ResumeState,
  resumeAt: number,
): Promise<number | undefined> {
  if (response.status === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
    if (range === null || Number(range[1]) !== resumeAt) {
      await response.body?.cancel();
      await writer.restart();
      state.ranges = false;
      throw new DownloadFailure("the server resumed at the wrong byte", { retry: true });
    }
    return range[2] === "*" ? undefined : Number(range[2]);
  }
  if (writer.bytes > 0) await writer.restart();
  state.ranges = response.headers.get("accept-ranges")?.toLowerCase() === "bytes";
  const etag = response.headers.get("etag");
  state.validator = etag !== null && !etag.startsWith("W/")
    ? etag
    : response.headers.get("last-modified") ?? undefined;
  const length = response.headers.get("content-length");
  return length === null ? undefined : Number(length);
}

function statusFailure(response: Response): DownloadFailure {
  const status = response.status;
  const text = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ""}`;
  const transient = status >= 500 || status === 408 || status === 429;
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), Date.now());
  if (transient && retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) {
    return new DownloadFailure(`${text}: the server asks to wait ${seconds(retryAfterMs)}`, {
      retry: false,
      hint: "try again later, or use a mirror",
    });
  }
  return new DownloadFailure(text, { retry: transient, retryAfterMs });
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds (seconds, or an HTTP date taken
 * from `now`); undefined when absent or unreadable.
 */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The hint of a server certificate no trusted CA signed. */
export const SITE_CA_HINT =
  'if a site CA signs it, name its PEM file in the configuration ("ca_file: ' +
  'PATH") or in SSL_CERT_FILE';

/** "TLS: the certificate … was refused: …" when `error` of a request to `url` says so. */
export function certificateRefusal(url: string | URL, error: unknown): string | undefined {
  const reason = describeCause(error);
  if (!/certificate|UnknownIssuer|tls|handshake/i.test(reason)) return undefined;
  return `TLS: the certificate of "${new URL(url).host}" was refused: ${reason}`;
}

function connectFailure(url: string, error: unknown): DownloadFailure {
  const refusal = certificateRefusal(url, error);
  if (refusal !== undefined) {
    return new DownloadFailure(refusal, { retry: false, cause: error, hint: SITE_CA_HINT });
  }
  return new DownloadFailure(`cannot connect: ${describeCause(error)}`, {
    retry: true,
    cause: error,
  });
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
