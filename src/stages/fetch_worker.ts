/**
 * The fetch stage's worker entry: downloads one URL into a new temp file of the cache's temp
 * folder while hashing it, posting progress, then the digest, size and temp path. Runs with
 * the grants of `fetchPermissions` only; its imports stay minimal (no YAML, no environment).
 */
import { type DownloadedFile, type DownloadProgress, downloadToTemp } from "../core/download.ts";
import { serveStageRequest } from "./stage_worker.ts";

/** The one message the fetch worker receives. */
export interface FetchRequest {
  url: string;
  /** The folder to write the temp file in (the worker's only write grant). */
  tempDir: string;
  /** The cache folder (read). */
  cacheDir: string;
  key?: string;
  retryDelays?: readonly number[];
  /** Whether to post progress reports. */
  progress: boolean;
}

serveStageRequest<FetchRequest, DownloadedFile, DownloadProgress>(async (request, progress) => {
  // Offline is not checked here: the worker's missing net grant is what keeps it off the network.
  return await downloadToTemp(request.url, {
    tempDir: request.tempDir,
    cacheDir: request.cacheDir,
    key: request.key,
    retryDelays: request.retryDelays,
    onProgress: request.progress ? progress : undefined,
  });
});
