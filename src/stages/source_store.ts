/**
 * The source cache as builds use it: fetch what a package needs (mirrors first, then its
 * URL; nothing from the network when offline) in the fetch stage's worker, and unpack each
 * source into a build folder.
 */
import type { Config } from "../core/config.ts";
import { openSourceCache } from "../core/source_cache.ts";
import { parseSourceKey } from "../core/source_key.ts";
import { unpackArchive, unpackHitPack } from "../core/unpack.ts";
import { fetchInWorker } from "./fetch_stage.ts";
import type { SourceStore } from "./build_profile.ts";

/** Options of `openSourceStore`. */
export interface SourceStoreOptions {
  offline?: boolean;
  /** The environment `git` may see (proxies, HOME); never passed to builds. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A `SourceStore` over the configuration's source cache and mirrors. */
export function openSourceStore(config: Config, options: SourceStoreOptions = {}): SourceStore {
  const cache = openSourceCache(config, { env: options.env, downloader: fetchInWorker });
  return {
    putHitPack: (entries) => cache.putHitPack(entries),
    ensure: (key, url, repoName) =>
      cache.fetchSource({ key, url }, { repoName, offline: options.offline }),
    async unpack(key, target) {
      const { type, hash } = parseSourceKey(key);
      if (type === "git") return await cache.unpackGit(key, target);
      const path = cache.packPath(key);
      if (type === "files") {
        return await unpackHitPack(await Deno.readFile(path), target, { expectedHash: hash });
      }
      await unpackArchive(path, type, target, { expectedHash: hash });
    },
  };
}
