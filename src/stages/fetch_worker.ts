/**
 * The fetch stage's worker entry: fetches one URL, one hop (no redirect followed), into the
 * temp file the main process created, while hashing it, posting progress, then the digest,
 * size and first bytes, or the redirect for the main process to judge. Runs with the grants
 * of `fetchPermissions` only; its imports stay minimal (no YAML, no environment).
 */
import { downloadHop } from "../core/download.ts";
import type {
  FetchTimeouts,
  HopProgress,
  HopResult,
  NetworkSettings,
} from "../core/http_download.ts";
import { serveStageRequest } from "./stage_worker.ts";

/** The one message the fetch worker receives. */
export interface FetchRequest {
  /** The URL of this hop. */
  url: string;
  /** The file to write (in the worker's only write grant, the cache's temp folder). */
  temp: string;
  retryDelays?: readonly number[];
  timeouts?: FetchTimeouts;
  /** The proxy and extra CA certificates for this URL. */
  network?: NetworkSettings;
  /** Whether to post progress reports. */
  progress: boolean;
}

serveStageRequest<FetchRequest, HopResult, HopProgress>(async (request, progress) => {
  // Offline is not checked here: the worker's missing net grant is what keeps it off the network.
  return await downloadHop(request.url, request.temp, {
    retryDelays: request.retryDelays,
    timeouts: request.timeouts,
    network: request.network,
    onProgress: request.progress ? progress : undefined,
  });
});
