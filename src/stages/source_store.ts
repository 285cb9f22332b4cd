/**
 * The source cache as builds use it: fetch what a package needs (mirrors first, then its
 * URL; nothing from the network when offline) in the fetch stage's worker, and unpack each
 * archive or hit-pack into a build folder in the unpack stage's worker, handing on its
 * warnings.
 */
import type { Config } from "../core/config.ts";
import type { Downloader } from "../core/download.ts";
import { openSourceCache } from "../core/source_cache.ts";
import { parseSourceKey } from "../core/source_key.ts";
import { fetchInWorker } from "./fetch_stage.ts";
import { unpackInWorker } from "./unpack_stage.ts";
import type { SourceStore } from "./build_profile.ts";

/** Options of `openSourceStore`. */
export interface SourceStoreOptions {
  offline?: boolean;
  /** The environment `git` may see (proxies, HOME); never passed to builds. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Stops a download at once (Ctrl-C); its temp file is removed. */
  signal?: AbortSignal;
  /** Downloads one URL; default: `fetchInWorker` (a fetch worker per download). */
  downloader?: Downloader;
  /** Called with each warning of an unpack (a member skipped, and why); awaited. */
  onWarning?: (message: string) => void | Promise<void>;
}

/** A `SourceStore` over the configuration's source cache and mirrors. */
export function openSourceStore(config: Config, options: SourceStoreOptions = {}): SourceStore {
  const cache = openSourceCache(config, {
    env: options.env,
    downloader: options.downloader ?? fetchInWorker,
  });
  return {
    putHitPack: (entries) => cache.putHitPack(entries),
    ensure: (key, url, repoName, onProgress) =>
      cache.fetchSource({ key, url }, {
        repoName,
        offline: options.offline,
        signal: options.signal,
        onProgress,
      }),
    async unpack(key, target) {
      const { type, hash } = parseSourceKey(key);
      if (type === "git") return await cache.unpackGit(key, target);
      // Hit-packs go through the worker too: their parser is ours, fed from the cache.
      const result = await unpackInWorker(cache.packPath(key), type, target, {
        expectedHash: hash,
      });
      for (const warning of result.warnings) await options.onWarning?.(warning);
    },
  };
}
