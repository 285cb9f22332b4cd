/**
 * The Deno permissions of each stage that runs our TypeScript in a `Worker` (DESIGN.md
 * "Permissions and sandbox"), computed from the stage's inputs. Pure: reads and touches nothing.
 * Every permission a stage does not need is denied explicitly.
 */
import { join } from "node:path";
import { DECOMPRESSOR_PATH, decompressorProgram } from "../core/decompress.ts";
import { locateSource } from "../core/download.ts";
import type { ArchiveType } from "../core/unpack.ts";
import { HitError } from "../errors.ts";

/**
 * The grants of one stage worker, as `new Worker(url, {deno: {permissions}})` takes them.
 * `false` denies; a list allows exactly its entries. No read grant is needed for the worker's
 * own modules (checked with Deno 2.9.6: a worker with `read: false` still loads its static and
 * dynamic local imports; only the parent needs read of the entry file), and `import` only
 * concerns remote modules, which `hit` has none of.
 */
export interface StagePermissions {
  /** Exact `host:port` entries: `127.0.0.1:8080` does not allow `localhost:8080`. */
  net: string[] | false;
  read: string[] | false;
  write: string[] | false;
  env: false;
  /**
   * Absolute program paths. Deno 2.9.6 compares the path a command resolves to (by the
   * spawn's own `env.PATH`) with the grants, symlinks unresolved: `/bin/bzip2` is not
   * `/usr/bin/bzip2` even where `/bin -> usr/bin`. A bare name would be resolved once, by the
   * parent's `PATH` when the worker starts, so it fails when the user's `PATH` finds another
   * copy first.
   */
  run: string[] | false;
  sys: false;
  ffi: false;
  import: false;
}

/** The inputs of `fetchPermissions`. */
export interface FetchPermissionInputs {
  /** The URLs to fetch (mirror URLs included): `http(s)`, `file:` or plain paths. */
  urls: readonly string[];
  /** Mirror prefixes (`http(s)://`, `file:` or a folder) the worker may fetch below. */
  mirrors?: readonly string[];
  /** The source cache folder: read. */
  cacheDir: string;
  /** The cache's temp folder the download is written into: the only write grant. */
  cacheTempDir: string;
  /** No network at all. */
  offline?: boolean;
}

const DENIED = { env: false, run: false, sys: false, ffi: false, import: false } as const;

/** The inputs of `unpackPermissions`. */
export interface UnpackPermissionInputs {
  /** The archive or hit-pack file: read. */
  archive: string;
  /** The folder it unpacks into: read (to `lstat` on the way down) and write. */
  target: string;
  /** The source key's type; `files` is a hit-pack. */
  type: ArchiveType | "files";
}

/**
 * The fetch stage's grants: `net` for the exact `host:port` of each `http(s)` URL and mirror
 * (none when offline or when there are none), `read` of the cache and of local sources, and
 * `write` of the cache's temp folder only.
 */
export function fetchPermissions(inputs: FetchPermissionInputs): StagePermissions {
  const hosts = new Set<string>();
  const reads = new Set<string>([inputs.cacheDir]);
  for (const place of [...inputs.urls, ...(inputs.mirrors ?? [])]) {
    const address = netAddress(place);
    if (address !== undefined) hosts.add(address);
    else {
      const path = localPath(place);
      if (path !== undefined) reads.add(path);
    }
  }
  return {
    net: inputs.offline || hosts.size === 0 ? false : [...hosts],
    read: [...reads],
    write: [inputs.cacheTempDir],
    ...DENIED,
  };
}

/** The hash stage's grants: `read` of the one file it hashes, nothing else. */
export function hashPermissions(file: string): StagePermissions {
  return { net: false, read: [file], write: false, ...DENIED };
}

/**
 * The unpack stage's grants: `read` of the archive and the target, `write` of the target, and
 * `run` of the decompressor `bzip2` or `xz` where the type needs one, at each place
 * `decompress.ts` may find it (every folder of its fixed `PATH`). No symlinks can be made with
 * scoped grants: the stage makes them in the main thread.
 */
export function unpackPermissions(inputs: UnpackPermissionInputs): StagePermissions {
  const program = decompressorProgram(inputs.type);
  const run = program === undefined
    ? false
    : DECOMPRESSOR_PATH.split(":").map((folder) => join(folder, program));
  return {
    net: false,
    read: [inputs.archive, inputs.target],
    write: [inputs.target],
    ...DENIED,
    run,
  };
}

const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443" };

/**
 * The `host:port` a Deno net grant needs for an `http(s)` URL (the scheme's default port when
 * none is written; an IPv6 host keeps its brackets); undefined for any other URL.
 */
export function netAddress(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The download reports the malformed URL; there is nothing to grant.
    return undefined;
  }
  return `${parsed.hostname}:${parsed.port || DEFAULT_PORTS[parsed.protocol]}`;
}

function localPath(place: string): string | undefined {
  try {
    const location = locateSource(place);
    return location.kind === "local" ? location.path : undefined;
  } catch (error) {
    // An unsupported scheme gets no grant; the download reports it.
    if (error instanceof HitError) return undefined;
    throw error;
  }
}
