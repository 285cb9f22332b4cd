/**
 * The fetch stage (DESIGN.md "Permissions and sandbox"): one download in a `Worker` whose Deno
 * grants are `net` to the URL's exact `host:port` (none offline), `read` of the cache and of a
 * local source, and `write` of the cache's temp folder. The worker writes only the temp file;
 * the source cache, in the main process, checks the key and commits it into `packs/`.
 */
import type { DownloadedFile, DownloadProgress, DownloadRequest } from "../core/download.ts";
import type { FetchRequest } from "./fetch_worker.ts";
import { fetchPermissions, type StagePermissions } from "./permissions.ts";
import { runStageWorker, workerModuleUrl } from "./stage_worker.ts";

const FETCH_WORKER = workerModuleUrl("fetch_worker", import.meta.url);

/**
 * The `Downloader` that `hit` gives `SourceCache`: downloads `url` in the fetch stage's worker,
 * with the grants `fetchPermissions` computes for that one URL.
 * @throws {StageCapabilityError} when the worker steps outside them (a redirect elsewhere).
 * @throws {DownloadFailure} or {HitError} when the download fails.
 */
export async function fetchInWorker(
  url: string,
  request: DownloadRequest,
): Promise<DownloadedFile> {
  const permissions = fetchPermissions({
    urls: [url],
    cacheDir: request.cacheDir,
    cacheTempDir: request.tempDir,
    offline: request.offline,
  });
  return await runFetchWorker({
    url,
    tempDir: request.tempDir,
    cacheDir: request.cacheDir,
    key: request.key,
    retryDelays: request.retryDelays,
    progress: request.onProgress !== undefined,
  }, { permissions, onProgress: request.onProgress });
}

/**
 * Runs the fetch worker on `request` with exactly `options.permissions`, which need not match
 * the request (tests ask for more than is granted).
 * @throws {StageCapabilityError} when the worker steps outside `options.permissions`.
 */
export async function runFetchWorker(
  request: FetchRequest,
  options: { permissions: StagePermissions; onProgress?: (event: DownloadProgress) => void },
): Promise<DownloadedFile> {
  return await runStageWorker<DownloadedFile, DownloadProgress>(FETCH_WORKER, {
    stage: "fetch",
    permissions: options.permissions,
    request,
    onProgress: options.onProgress,
  });
}
