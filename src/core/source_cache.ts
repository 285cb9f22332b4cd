/**
 * The source cache (HASHDIST.md §6.1, §8.1): archives in `packs/<type>/<hash>`, hit-packs in
 * `files/<hash>`, git repositories in `git/`. Fetching tries the mirrors, then the URL, checks
 * the hash, and renames into place under a per-key lock. Writes only under the cache folder.
 * The download itself is pluggable (`SourceCacheOptions.downloader`): it writes a temp file in
 * `tmp/`, and this module keeps the commit (key check, mode 0444, rename into `packs/`).
 */
import { dirname, join } from "node:path";
import { HitError, type HitErrorOptions } from "../errors.ts";
import { b32, sha256 } from "../spec/hash_document.ts";
import { decodeHitPack, encodeHitPack, type PackEntry } from "../spec/hit_pack.ts";
import type { Config } from "./config.ts";
import {
  type DownloadedFile,
  type Downloader,
  DownloadFailure,
  type DownloadProgress,
  downloadToTemp,
  isNetworkSource,
  mirrorFolder,
  mirrorUrl,
} from "./download.ts";
import {
  fetchGit,
  findGitRepo,
  findMirrorGitRepo,
  type GitCache,
  isLocalGitUrl,
  parseGitUrl,
  unpackGit,
} from "./git_source.ts";
import { FileLock } from "./locks.ts";
import { fetchTimeouts, loadNetworkConfig, type NetworkConfig } from "./network_config.ts";
import type { FetchTimeouts } from "./http_download.ts";
import {
  archiveKey,
  type ArchiveType,
  archiveTypeOf,
  isArchiveType,
  parseSourceKey,
} from "./source_key.ts";
import { exists } from "./exists.ts";
import { fetchUrlOnce } from "./url_fetch_lock.ts";

/** A source the cache could not provide: offline, or every place to get it from failed. */
export class MissingSourceError extends HitError {
  key: string;
  constructor(key: string, message: string, options: HitErrorOptions = {}) {
    super(message, options);
    this.name = "MissingSourceError";
    this.key = key;
  }
}

/** Downloaded bytes whose key is not the one expected. */
export class KeyMismatchError extends HitError {
  expected: string;
  actual: string;
  /** The message without the URL. */
  reason: string;
  constructor(expected: string, actual: string, url: string) {
    const reason = `keys did not match: expected "${expected}", got "${actual}"`;
    super(`fetch "${url}": ${reason}`);
    this.reason = reason;
    this.name = "KeyMismatchError";
    this.expected = expected;
    this.actual = actual;
  }
}

/** Options of `SourceCache.fetchArchive`. */
export interface FetchArchiveOptions {
  /** Mirrors to try first, in order; default: the configuration's. */
  mirrors?: readonly string[];
  onProgress?: (event: DownloadProgress) => void;
  /** Never use the network; local mirrors and `file:` URLs still work. */
  offline?: boolean;
  /** Stops the download at once (Ctrl-C); no temp file is left. */
  signal?: AbortSignal;
}

/** Options of `SourceCache.fetchUrl`. */
export interface FetchUrlOptions {
  /** The archive type; default: the key's type, else guessed from the URL's extension. */
  type?: string;
  /** The key the bytes must have. */
  key?: string;
  onProgress?: (event: DownloadProgress) => void;
  /** Never use the network: an `http(s)` URL fails (the fetch stage has no net grant). */
  offline?: boolean;
  /** With `key`: mirrors to try before the URL; default: the configuration's. */
  mirrors?: readonly string[];
  /** Stops the download at once (Ctrl-C); no temp file is left. */
  signal?: AbortSignal;
}

/** Where a source is on this machine: the cache itself, or a folder mirror. */
export interface SourcePlace {
  /** `"cache"`, or the mirror (as configured) holding it. */
  place: "cache" | { mirror: string };
  /** The archive or hit-pack file, or the bare repo holding a git commit. */
  path: string;
}

/** What `SourceCache.fetchUrl` stored. */
export interface FetchedUrl {
  key: string;
  bytes: number;
  /** Where the bytes came from: a mirror's URL, or the URL after redirects. */
  finalUrl: string;
}

/**
 * Reads the whole archive at `path` as unpacking would.
 * @throws {HitError} when it is not readable to the end.
 */
export type ArchiveChecker = (path: string, type: ArchiveType, tempDir: string) => Promise<void>;

/** Options of `openSourceCache`. */
export interface SourceCacheOptions {
  /** The environment `git` may see (PATH, HOME, proxies); default: nothing but a PATH. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Waits between attempts at a network download; default 1 s then 2 s. */
  retryDelays?: readonly number[];
  /**
   * Downloads one URL into the cache's `tmp/`; default: in this process (`downloadToTemp`).
   * `hit` passes the fetch stage's worker (`stages/fetch_stage.ts`).
   */
  downloader?: Downloader;
  /**
   * Reads a whole archive of a keyless download before it is admitted, with scratch space in
   * `tempDir`; default: none. `hit` passes the unpack stage (`stages/fetch_stage.ts`).
   */
  archiveChecker?: ArchiveChecker;
  /** The timeouts of a download; default: from `env` and the configuration. */
  timeouts?: FetchTimeouts;
  /** The site CA and timeouts of the configuration. */
  network?: Pick<Config, "file" | "caFile" | "fetchConnectTimeout" | "fetchStallTimeout">;
}

/**
 * The source cache of a configuration.
 * @throws {HitError} for a malformed `HIT_FETCH_*_TIMEOUT` of `options.env`.
 */
export function openSourceCache(
  config: Pick<Config, "sourceCache" | "mirrors"> & Partial<Config>,
  options: SourceCacheOptions = {},
): SourceCache {
  return new SourceCache(config.sourceCache, config.mirrors, {
    network: { ...config, file: config.file ?? config.sourceCache },
    ...options,
  });
}

// The first bytes of each archive type (§8.1 "not a valid archive").
const MAGIC: Record<ArchiveType, { name: string; starts: number[][] }> = {
  "tar.gz": { name: "gzip", starts: [[0x1f, 0x8b]] },
  "tar.bz2": { name: "bzip2", starts: [[0x42, 0x5a, 0x68]] },
  "tar.xz": { name: "xz", starts: [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]] },
  zip: { name: "zip", starts: [[0x50, 0x4b, 0x03, 0x04], [0x50, 0x4b, 0x05, 0x06]] },
};

/** One source cache folder: its packs, hit-packs, git repositories and locks. */
export class SourceCache {
  /** The cache folder. */
  readonly root: string;
  /** Read-only mirrors tried before a source's URL. */
  readonly mirrors: readonly string[];
  /** Where downloads are written before their commit into `packs/`: same file system. */
  readonly tempDir: string;
  #retryDelays?: readonly number[];
  #timeouts: FetchTimeouts;
  #network: () => Promise<NetworkConfig>;
  #downloader: Downloader;
  #archiveChecker: ArchiveChecker;
  #git: GitCache;
  /** The mirrors that are folders on this machine, with their paths. */
  #folders: { mirror: string; dir: string }[];

  constructor(root: string, mirrors: readonly string[], options: SourceCacheOptions = {}) {
    this.root = root;
    this.mirrors = mirrors;
    this.tempDir = join(root, "tmp");
    this.#retryDelays = options.retryDelays;
    const env = options.env ?? {};
    const settings = options.network ?? { file: root };
    this.#timeouts = options.timeouts ?? fetchTimeouts(env, settings);
    let network: Promise<NetworkConfig> | undefined;
    this.#network = () => network ??= loadNetworkConfig(env, settings);
    this.#downloader = options.downloader ?? downloadToTemp;
    this.#archiveChecker = options.archiveChecker ?? (() => Promise.resolve());
    this.#folders = mirrors.flatMap((mirror) => {
      const dir = mirrorFolder(mirror);
      return dir === undefined ? [] : [{ mirror, dir }];
    });
    this.#git = {
      gitDir: join(root, "git"),
      lockDir: join(root, "locks"),
      env: options.env ?? {},
      caFile: options.network?.caFile,
      mirrorGitDirs: this.#folders.map(({ dir }) => join(dir, "git")),
    };
  }

  /**
   * The file holding an archive or files key: `packs/<type>/<hash>` or `files/<hash>`.
   * @throws {HitError} for a malformed key or a git key.
   */
  packPath(key: string): string {
    const { type, hash } = parseSourceKey(key);
    if (type === "git") throw new HitError(`locate "${key}": a git source is not a file`);
    return type === "files" ? join(this.root, "files", hash) : join(this.root, "packs", type, hash);
  }

  /**
   * Whether the source of `key` is in the cache.
   * @throws {HitError} for a malformed key.
   */
  async has(key: string): Promise<boolean> {
    const { type, hash } = parseSourceKey(key);
    if (type === "git") return await findGitRepo(this.#git, hash) !== undefined;
    return await exists(this.packPath(key));
  }

  /**
   * Where the source of `key` is on this machine without any download: the cache, else the
   * first folder mirror holding it (`packs/`, `files/` or a repo of `git/`). Network mirrors
   * are not asked.
   * @throws {HitError} for a malformed key.
   */
  async locate(key: string): Promise<SourcePlace | undefined> {
    const { type, hash } = parseSourceKey(key);
    if (type === "git") {
      const name = await findGitRepo(this.#git, hash);
      if (name !== undefined) return { place: "cache", path: join(this.#git.gitDir, name) };
      for (const { mirror, dir } of this.#folders) {
        const repo = await findMirrorGitRepo(
          { ...this.#git, mirrorGitDirs: [join(dir, "git")] },
          hash,
        );
        if (repo !== undefined) return { place: { mirror }, path: repo };
      }
      return undefined;
    }
    const path = this.packPath(key);
    if (await exists(path)) return { place: "cache", path };
    const inside = path.slice(this.root.length + 1);
    for (const { mirror, dir } of this.#folders) {
      if (await exists(join(dir, inside))) return { place: { mirror }, path: join(dir, inside) };
    }
    return undefined;
  }

  /** Stores a hit-pack of `entries` as `files/<hash>` (atomically) and returns its key. */
  async putHitPack(entries: PackEntry[]): Promise<string> {
    const bytes = encodeHitPack(entries);
    const key = `files:${b32(sha256(bytes))}`;
    await this.#putFile(key, bytes);
    return key;
  }

  // Writes the hit-pack `bytes` of `key` (already checked) as `files/<hash>`, atomically.
  async #putFile(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.packPath(key);
    if (await exists(path)) return;
    const dir = join(this.root, "files");
    await Deno.mkdir(dir, { recursive: true });
    // Same content under the same name: a concurrent writer's rename is harmless.
    const temp = await Deno.makeTempFile({ dir, prefix: "writing-" });
    try {
      await Deno.writeFile(temp, bytes);
      await Deno.chmod(temp, 0o444);
      await Deno.rename(temp, path);
    } catch (error) {
      await removeQuietly(temp);
      throw error;
    }
  }

  /**
   * Reads and verifies the hit-pack of a `files:` key.
   * @throws {HitError} when it is missing, corrupted, or not a hit-pack.
   */
  async readHitPack(key: string): Promise<PackEntry[]> {
    const { type, hash } = parseSourceKey(key);
    if (type !== "files") throw new HitError(`read hit-pack "${key}": not a "files:" key`);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(this.packPath(key));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      throw new MissingSourceError(key, `read hit-pack "${key}": not in the source cache`, {
        hint: "hit-packs are written when build specs are computed (hit status, hit build)",
      });
    }
    const actual = b32(sha256(bytes));
    if (actual !== hash) {
      throw new HitError(`read hit-pack "${key}": corrupted file, its hash is "${actual}"`, {
        hint: `delete "${this.packPath(key)}" and compute the build specs again`,
      });
    }
    return decodeHitPack(bytes);
  }

  /**
   * Makes the archive of `key` present (§8.1): the cache, then each mirror, then `url`.
   * @throws {HitError} for a key that is not an archive key.
   * @throws {MissingSourceError} listing every attempt when all failed.
   */
  async fetchArchive(
    key: string,
    url: string | undefined,
    options: FetchArchiveOptions = {},
  ): Promise<void> {
    const { type, hash } = parseSourceKey(key);
    if (!isArchiveType(type)) throw new HitError(`fetch "${key}": not an archive key`);
    const target = this.packPath(key);
    if (await exists(target)) return;
    using _lock = await FileLock.acquire(this.#lockPath(type, hash));
    // Another process may have fetched it while this one waited for the lock.
    if (await exists(target)) return;
    const candidates = (options.mirrors ?? this.mirrors).map((mirror) =>
      mirrorUrl(mirror, `packs/${type}/${hash}`)
    );
    if (url !== undefined) candidates.push(url);
    const attempts: string[] = [];
    if (await this.#fetchFirst(key, candidates, attempts, options) !== undefined) return;
    throw missing(key, url, attempts, options.offline === true);
  }

  /**
   * Downloads `url` (for `hit fetch`), computes its key and stores it. A fetch of the same URL
   * under way in any process is waited for, and what it stored is taken instead.
   * @throws {KeyMismatchError} when `options.key` is given and differs; nothing is kept.
   * @throws {HitError} for an unknown type or when the download fails.
   */
  async fetchUrl(url: string, options: FetchUrlOptions = {}): Promise<FetchedUrl> {
    let type: ArchiveType;
    if (options.key !== undefined && options.type === undefined) {
      const keyType = parseSourceKey(options.key).type;
      if (!isArchiveType(keyType)) {
        throw new HitError(`fetch "${url}": "${options.key}" is not an archive key`);
      }
      type = keyType;
    } else {
      type = archiveTypeOf(url, options.type);
    }
    // Offline, a network URL is not downloaded at all: nothing to share, no lock to take.
    if (options.offline && isNetworkSource(url)) return await this.#fetchUrl(url, type, options);
    // Two fetches of one URL at once download it once: the second takes what the first stored.
    return await fetchUrlOnce(
      join(this.root, "locks"),
      url,
      async (note) => {
        const key = options.key ?? note.key;
        if (parseSourceKey(key).type !== type || !(await exists(this.packPath(key)))) {
          return undefined;
        }
        const bytes = (await Deno.stat(this.packPath(key))).size;
        return { key, bytes, finalUrl: key === note.key ? note.finalUrl : url };
      },
      () => this.#fetchUrl(url, type, options),
    );
  }

  async #fetchUrl(url: string, type: ArchiveType, options: FetchUrlOptions): Promise<FetchedUrl> {
    const mirrored = options.key === undefined
      ? undefined
      : await this.#fromMirrors(options.key, url, options);
    if (mirrored !== undefined) return mirrored;
    let result: DownloadedFile;
    try {
      result = await this.#download(url, options.key, options);
    } catch (error) {
      if (error instanceof DownloadFailure) {
        throw new HitError(`fetch "${url}": ${error.message}`, {
          hint: options.offline && isNetworkSource(url)
            ? "fetch it without --offline (or HIT_OFFLINE) where the network is reachable"
            : error.hint,
          cause: error,
        });
      }
      throw error;
    }
    try {
      const key = archiveKey(type, result.digest);
      if (options.key !== undefined && options.key !== key) {
        throw new KeyMismatchError(options.key, key, url);
      }
      checkMagic(type, result.head);
      // Without a key nothing vouches for the bytes: a body cut short with no Content-Length
      // looks complete to HTTP, so the whole archive is read before it is admitted.
      if (options.key === undefined) await this.#checkArchive(result.temp, type, url);
      const target = this.packPath(key);
      using _lock = await FileLock.acquire(this.#lockPath(type, result.digest));
      if (await exists(target)) await removeQuietly(result.temp);
      else await this.#commit(result.temp, target);
      return { key, bytes: result.bytes, finalUrl: result.finalUrl };
    } catch (error) {
      await removeQuietly(result.temp);
      if (error instanceof HitError && !(error instanceof KeyMismatchError)) {
        error.addContext(`while fetching "${url}"`);
      }
      throw error;
    }
  }

  /**
   * Fetches a `git:` key from `url` (`"URL [BRANCH]"`) into the bare repo `repoName` (§8.4).
   * Offline, a remote URL is not contacted: the commit must be in some cached repo.
   * @throws {MissingSourceError} offline, when no cached repo holds the commit.
   * @throws {HitError} when git fails or the repository lacks the commit.
   */
  async fetchGit(
    key: string,
    url: string,
    options: { repoName: string; offline?: boolean },
  ): Promise<void> {
    const { type, hash } = parseSourceKey(key);
    if (type !== "git") throw new HitError(`fetch "${key}": not a git key`);
    const remote = parseGitUrl(url).url;
    if (options.offline && !isLocalGitUrl(remote)) {
      // Unpacking searches every repo, so any repo holding the commit will do.
      if (await this.has(key)) return;
      if (await this.locate(key) === undefined) {
        throw new MissingSourceError(key, `missing source "${key}" (offline)`, {
          context: [`skipped "${remote}": offline`],
          hint: `fetch it where "${remote}" is reachable ("hit fetch PROFILE"), then bring ` +
            `it here ("hit mirror export", "hit mirror import")`,
        });
      }
    }
    const cached = options.offline && !isLocalGitUrl(remote) ? { remote: false } : {};
    await fetchGit(this.#git, { commit: hash, url, repoName: options.repoName, ...cached });
  }

  /**
   * Checks a `git:` key out into `target` as a work tree with `.git` and submodules (§8.4).
   * @throws {HitError} when no cached repo holds the commit.
   */
  async unpackGit(key: string, target: string): Promise<void> {
    const { type, hash } = parseSourceKey(key);
    if (type !== "git") throw new HitError(`unpack "${key}": not a git key`);
    await unpackGit(this.#git, hash, target);
  }

  /**
   * Makes any source present (§8.1): archives as `fetchArchive`, git as `fetchGit`; a `files:`
   * key can only be present already.
   * @throws {MissingSourceError} when the source cannot be had.
   */
  async fetchSource(
    source: { key: string; url?: string },
    options: FetchArchiveOptions & { repoName: string },
  ): Promise<void> {
    const { type, hash } = parseSourceKey(source.key);
    if (type === "files") {
      const found = await this.locate(source.key);
      if (found?.place === "cache") return;
      if (found !== undefined) {
        // A folder mirror's copy: checked like a download before it is kept.
        const bytes = await Deno.readFile(found.path);
        if (b32(sha256(bytes)) === hash) return await this.#putFile(source.key, bytes);
      }
      throw new MissingSourceError(source.key, `missing source "${source.key}"`, {
        hint: "hit-packs cannot be downloaded; they are written when build specs are computed",
      });
    }
    if (type !== "git") return await this.fetchArchive(source.key, source.url, options);
    if (source.url !== undefined) return await this.fetchGit(source.key, source.url, options);
    if (await this.has(source.key)) return;
    if (await this.locate(source.key) !== undefined) {
      // In a folder mirror: copied into the cache's repo like any fetch, with no URL to use.
      return await fetchGit(this.#git, {
        commit: hash,
        url: "",
        repoName: options.repoName,
        remote: false,
      });
    }
    throw new MissingSourceError(
      source.key,
      `missing source "${source.key}": no url to fetch it from`,
    );
  }

  /**
   * Downloads the archive of `key` from the first of `candidates` that gives the right bytes
   * and commits it (the caller holds the key's lock); every failure, including a refused
   * redirect, a stall or a wrong hash, is noted in `attempts` and the next one is tried.
   */
  async #fetchFirst(
    key: string,
    candidates: readonly string[],
    attempts: string[],
    options: FetchArchiveOptions,
  ): Promise<FetchedUrl | undefined> {
    const { type, hash } = parseSourceKey(key);
    for (const candidate of candidates) {
      if (options.offline && isNetworkSource(candidate)) {
        attempts.push(`skipped "${candidate}": offline`);
        continue;
      }
      try {
        const result = await this.#download(candidate, key, options);
        try {
          if (result.digest !== hash) {
            throw new KeyMismatchError(
              key,
              archiveKey(type as ArchiveType, result.digest),
              candidate,
            );
          }
          checkMagic(type as ArchiveType, result.head);
          await this.#commit(result.temp, this.packPath(key));
        } catch (error) {
          await removeQuietly(result.temp);
          throw error;
        }
        return { key, bytes: result.bytes, finalUrl: result.finalUrl };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        if (!(error instanceof HitError || error instanceof DownloadFailure)) throw error;
        const reason = error instanceof KeyMismatchError ? error.reason : error.message;
        attempts.push(`tried "${candidate}": ${reason}`);
        // A TLS refusal's hint (how to trust a site CA) says more than the generic one.
        if (error instanceof DownloadFailure && error.hint !== undefined) {
          attempts.push(`  hint: ${error.hint}`);
        }
      }
    }
    return undefined;
  }

  // `hit fetch URL KEY`: the cache, then each mirror, before the URL; undefined when none had it.
  async #fromMirrors(
    key: string,
    url: string,
    options: FetchUrlOptions,
  ): Promise<FetchedUrl | undefined> {
    const { type, hash } = parseSourceKey(key);
    const target = this.packPath(key);
    const mirrors = options.mirrors ?? this.mirrors;
    if (mirrors.length === 0 && !(await exists(target))) return undefined;
    using _lock = await FileLock.acquire(this.#lockPath(type, hash));
    if (await exists(target)) {
      return { key, bytes: (await Deno.stat(target)).size, finalUrl: url };
    }
    const candidates = mirrors.map((mirror) => mirrorUrl(mirror, `packs/${type}/${hash}`));
    return await this.#fetchFirst(key, candidates, [], options);
  }

  async #checkArchive(path: string, type: ArchiveType, url: string): Promise<void> {
    try {
      await this.#archiveChecker(path, type, this.tempDir);
    } catch (error) {
      if (!(error instanceof HitError)) throw error;
      throw new HitError(`fetch "${url}": the download is not a readable ${type} archive`, {
        context: [error.message, ...error.context],
        hint: "the server may have cut the download short; fetch it again, or give its key",
        cause: error,
      });
    }
  }

  #lockPath(type: string, hash: string): string {
    return join(this.root, "locks", `${type}-${hash}.lock`);
  }

  async #download(
    url: string,
    key: string | undefined,
    options: {
      onProgress?: (event: DownloadProgress) => void;
      offline?: boolean;
      signal?: AbortSignal;
    },
  ): Promise<DownloadedFile> {
    await Deno.mkdir(this.tempDir, { recursive: true });
    return await this.#downloader(url, {
      tempDir: this.tempDir,
      cacheDir: this.root,
      key,
      offline: options.offline,
      onProgress: options.onProgress,
      signal: options.signal,
      retryDelays: this.#retryDelays,
      timeouts: this.#timeouts,
      network: isNetworkSource(url) && !options.offline ? await this.#network() : undefined,
    });
  }

  async #commit(temp: string, target: string): Promise<void> {
    await Deno.chmod(temp, 0o444);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.rename(temp, target);
  }
}

function checkMagic(type: ArchiveType, head: Uint8Array): void {
  const magic = MAGIC[type];
  if (magic.starts.some((start) => start.every((byte, i) => head[i] === byte))) return;
  throw new HitError(`not a valid ${type} archive: the file does not start as ${magic.name} data`, {
    hint: 'check the URL, or give the right type ("--type" or the key\'s prefix)',
  });
}

function missing(key: string, url: string | undefined, attempts: string[], offline: boolean) {
  const fetchHint =
    `download it where the network is reachable with "hit fetch ${url ?? "URL"} ${key}"` +
    `, or add a mirror holding "packs/${key.replace(":", "/")}" to source_caches`;
  if (offline) {
    return new MissingSourceError(key, `missing source "${key}" (offline)`, {
      context: attempts,
      hint: fetchHint,
    });
  }
  if (attempts.length === 0) {
    return new MissingSourceError(key, `fetch "${key}": no mirror and no url to fetch from`, {
      hint: "give the source a url, or add a mirror to source_caches",
    });
  }
  return new MissingSourceError(key, `fetch "${key}": every source failed`, {
    context: attempts,
    hint: fetchHint,
  });
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
