/**
 * The fetch stage (DESIGN.md "Permissions and sandbox"): a download, one hop per `Worker`,
 * each worker granted `net` to exactly its URL's `host:port` (and the proxy's, when one is
 * used; none offline), `read` of the cache and of a local source, and `write` of the cache's
 * temp folder. A redirect ends the hop: the main process judges it (`core/redirects.ts`) and
 * starts the next hop in a worker granted exactly the new host. The main process creates and
 * locks the temp file, removes it on failure or interrupt; the source cache checks the key
 * and commits it into `packs/`.
 */
import type { DownloadedFile, DownloadRequest } from "../core/download.ts";
import { followHops, isNetworkSource } from "../core/download.ts";
import { CHECK_PREFIX, withDownloadTemp } from "../core/download_temp.ts";
import type { HopProgress, HopResult } from "../core/http_download.ts";
import { networkFor } from "../core/network_config.ts";
import type { ArchiveType } from "../core/unpack.ts";
import type { FetchRequest } from "./fetch_worker.ts";
import { unpackInWorker } from "./unpack_stage.ts";
import { fetchPermissions, type StagePermissions } from "./permissions.ts";
import { runStageWorker, workerModuleUrl } from "./stage_worker.ts";

const FETCH_WORKER = workerModuleUrl("fetch_worker", import.meta.url);

/**
 * The `Downloader` that `hit` gives `SourceCache`: downloads `url` hop by hop, each hop in a
 * fetch worker with the grants `fetchPermissions` computes for that one URL.
 * @throws {StageCapabilityError} when a worker steps outside them (a bug).
 * @throws {DownloadFailure} or {HitError} when the download fails or is interrupted.
 */
export async function fetchInWorker(
  url: string,
  request: DownloadRequest,
): Promise<DownloadedFile> {
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
      return await runFetchWorker({
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
}

/**
 * Runs the fetch worker on one hop with exactly `options.permissions`, which need not match
 * the request (tests ask for more than is granted).
 * @throws {StageCapabilityError} when the worker steps outside `options.permissions`.
 */
export async function runFetchWorker(
  request: FetchRequest,
  options: {
    permissions: StagePermissions;
    onProgress?: (event: HopProgress) => void;
    signal?: AbortSignal;
  },
): Promise<HopResult> {
  return await runStageWorker<HopResult, HopProgress>(FETCH_WORKER, {
    stage: "fetch",
    permissions: options.permissions,
    request,
    onProgress: options.onProgress,
    signal: options.signal,
  });
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
