/**
 * The fetch stage (DESIGN.md "Permissions and sandbox"): a download hop by hop, each hop in a
 * `Worker` granted `net` to exactly its URL's `host:port` (and the proxy's, when one is
 * used; none offline), `read` of the cache and of a local source, and `write` of the cache's
 * temp folder. A redirect ends the hop: the main process judges it (`core/redirects.ts`) and
 * starts the next hop in a worker granted exactly the new host. The main process creates and
 * locks the temp file, removes it on failure or interrupt; the source cache checks the key
 * and commits it into `packs/`.
 */
import type { DownloadedFile, Downloader, DownloadRequest } from "../core/download.ts";
import { followHops, isNetworkSource } from "../core/download.ts";
import { CHECK_PREFIX, withDownloadTemp } from "../core/download_temp.ts";
import type { HopProgress, HopResult } from "../core/http_download.ts";
import { networkFor } from "../core/network_config.ts";
import type { ArchiveType } from "../core/unpack.ts";
import type { FetchRequest } from "./fetch_worker.ts";
import { unpackInWorker } from "./unpack_stage.ts";
import { fetchPermissions, type StagePermissions } from "./permissions.ts";
import { StageWorkerHost, workerModuleUrl } from "./stage_worker.ts";

const FETCH_WORKER = workerModuleUrl("fetch_worker", import.meta.url);

/** How many idle fetch workers a `FetchWorkers` keeps for later downloads. */
export const MAX_IDLE_FETCH_WORKERS = 8;

/**
 * The fetch workers of one command: one long-lived worker per set of grants (one `host:port`,
 * the cache), reused for every download and every hop that needs exactly those grants, so a
 * profile's downloads from one server pay one worker start. Dispose of it at the end of the
 * command; idle workers beyond `MAX_IDLE_FETCH_WORKERS` end as new ones start.
 */
export class FetchWorkers implements Disposable {
  #hosts = new Map<string, StageWorkerHost<HopResult, HopProgress>>();

  /**
   * The `Downloader` that `hit` gives `SourceCache`: downloads `url` hop by hop, each hop in
   * the fetch worker granted exactly that hop's `host:port` (and the proxy's).
   * @throws {StageCapabilityError} when a worker steps outside its grants (a bug).
   * @throws {DownloadFailure} or {HitError} when the download fails or is interrupted.
   */
  download: Downloader = async (url, request) => {
    return await withDownloadTemp(request.tempDir, async (temp) => {
      const result = await followHops(url, async (hop) => {
        const network = request.offline || !isNetworkSource(hop)
          ? {}
          : networkFor(hop, request.network);
        const permissions = fetchPermissions({
          urls: network.proxy === undefined ? [hop] : [hop, network.proxy],
          cacheDir: request.cacheDir,
          cacheTempDir: request.tempDir,
          offline: request.offline,
        });
        const onProgress = request.onProgress;
        return await this.run({
          url: hop,
          temp,
          retryDelays: request.retryDelays,
          timeouts: request.timeouts,
          network,
          progress: onProgress !== undefined,
        }, {
          permissions,
          signal: request.signal,
          onProgress: onProgress &&
            ((event: HopProgress) => onProgress({ key: request.key, url, ...event })),
        });
      });
      return { ...result, temp };
    });
  };

  /**
   * Runs one hop in the worker holding exactly `options.permissions` (started if needed),
   * which need not match the request (tests ask for more than is granted).
   * @throws {StageCapabilityError} when the worker steps outside `options.permissions`.
   */
  async run(request: FetchRequest, options: FetchWorkerOptions): Promise<HopResult> {
    const grants = JSON.stringify(options.permissions);
    let host = this.#hosts.get(grants);
    if (host === undefined || host.dead) {
      host = new StageWorkerHost(FETCH_WORKER, {
        stage: "fetch",
        permissions: options.permissions,
      });
      this.#hosts.set(grants, host);
    }
    try {
      return await host.run(request, options);
    } finally {
      // The most recently used last; the idle ones first in line to end.
      this.#hosts.delete(grants);
      if (!host.dead) this.#hosts.set(grants, host);
      this.#trim();
    }
  }

  /** Workers alive now. */
  get size(): number {
    return this.#hosts.size;
  }

  [Symbol.dispose](): void {
    for (const host of this.#hosts.values()) host.terminate();
    this.#hosts.clear();
  }

  #trim(): void {
    const idle = [...this.#hosts].filter(([, host]) => host.busy === 0);
    for (const [grants, host] of idle.slice(0, Math.max(0, idle.length - MAX_IDLE_FETCH_WORKERS))) {
      host.terminate();
      this.#hosts.delete(grants);
    }
  }
}

/** Options of `FetchWorkers.run` and `runFetchWorker`. */
export interface FetchWorkerOptions {
  permissions: StagePermissions;
  onProgress?: (event: HopProgress) => void;
  signal?: AbortSignal;
}

/**
 * A `Downloader` for one download: `FetchWorkers.download` with workers of its own, ended
 * when it returns.
 * @throws {DownloadFailure} or {HitError} when the download fails or is interrupted.
 */
export async function fetchInWorker(
  url: string,
  request: DownloadRequest,
): Promise<DownloadedFile> {
  using workers = new FetchWorkers();
  return await workers.download(url, request);
}

/**
 * Runs one hop in a fetch worker of its own with exactly `options.permissions`.
 * @throws {StageCapabilityError} when the worker steps outside `options.permissions`.
 */
export async function runFetchWorker(
  request: FetchRequest,
  options: FetchWorkerOptions,
): Promise<HopResult> {
  using workers = new FetchWorkers();
  return await workers.run(request, options);
}

/**
 * The `ArchiveChecker` that `hit` gives `SourceCache`: unpacks `archive` in the unpack stage's
 * worker (the reader builds use) into a scratch folder of `tempDir`, then removes it.
 * @throws {HitError} when the archive is damaged or cut short.
 */
export async function checkArchiveInWorker(
  archive: string,
  type: ArchiveType,
  tempDir: string,
): Promise<void> {
  const scratch = await Deno.makeTempDir({ dir: tempDir, prefix: CHECK_PREFIX });
  try {
    await unpackInWorker(archive, type, scratch);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}
