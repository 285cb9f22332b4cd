/**
 * Test helpers for the source cache: temporary folders, HTTP servers on 127.0.0.1 that count
 * requests, a raw TCP server that drops a connection mid-body, and the shared real tarballs.
 * Only ever listens on and connects to 127.0.0.1 by address.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The shared real source tarballs (read only). */
export const SOURCES_DIR = fileURLToPath(new URL("../../../shared/sources", import.meta.url));

/** Files of `SOURCES_DIR` with their HashDist keys, from its README. */
export const SOURCE_KEYS: Record<string, string> = {
  "zlib_1.2.13.dfsg.orig.tar.bz2": "tar.bz2:oh7lpfd6hqao6es7qo3zutsstppdcfy6",
  "libpng1.6_1.6.39.orig.tar.gz": "tar.gz:uahj2lzpmzaynzbafw4ste4x7bi25jy3",
  "bzip2_1.0.8.orig.tar.gz": "tar.gz:vnnagf3o4ednh4h2sdrydwshrxnoibmr",
  "xz-utils_5.4.1.orig.tar.xz": "tar.xz:lwmcpkqyowzbykeppcdexmtnezilinxk",
  "libogg_1.3.5.orig.tar.xz": "tar.xz:ytmrxy3pzdsu32xhk5jedyb7iii6webk",
  "libvorbis_1.3.7.orig.tar.gz": "tar.gz:b2mcicnjyp6if3qg4cbalmjvlzogvjgd",
  "libyaml_0.2.5.orig.tar.gz": "tar.gz:7isa3pzgfpqfh44jqadnkawvcsjwzamo",
  "fftw_2.1.5.orig.tar.gz": "tar.gz:7acx7lq4px4lteiwpa7ph2kknjcfddkj",
  "ncurses_6.4.orig.tar.gz": "tar.gz:neysqpm2zb6fa47tbnrjbrghl4qwgk5u",
  "readline_8.2.orig.tar.gz": "tar.gz:h7vxc4prnkco5awkdcrw26434ee2klae",
  "patchelf-0.14.3.tar.gz": "tar.gz:4vdkrihefipzeggyqt4gmnwvnvfvyszz",
};

/** The small tarball most tests fetch, and its key. */
export const LIBYAML = "libyaml_0.2.5.orig.tar.gz";
export const LIBYAML_KEY = SOURCE_KEYS[LIBYAML];

/** A temporary folder removed when disposed. */
export interface TempDir extends AsyncDisposable {
  path: string;
}

/** Creates a temporary folder for `await using`. */
export async function makeTempDir(prefix = "hit-source-"): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      // Packs are mode 0444, which does not stop removal by their folder's owner.
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** A local HTTP server: its base URL and the paths it was asked for, in order. */
export interface TestServer extends AsyncDisposable {
  url: string;
  requests: string[];
  /** How many requests asked for `path`. */
  count(path: string): number;
}

/** Serves `handler` on 127.0.0.1 at a free port, recording request paths. */
export function serve(
  handler: (request: Request) => Response | Promise<Response>,
  options: { hostname?: string } = {},
): TestServer {
  const requests: string[] = [];
  const hostname = options.hostname ?? "127.0.0.1";
  const server = Deno.serve({ hostname, port: 0, onListen() {} }, (request) => {
    requests.push(new URL(request.url).pathname);
    return handler(request);
  });
  return {
    url: `http://${hostname}:${server.addr.port}`,
    requests,
    count: (path) => requests.filter((p) => p === path).length,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** Serves the files of `SOURCES_DIR` at `/NAME`, and 404 for anything else. */
export function serveSources(options: { hostname?: string } = {}): TestServer {
  return serve(async (request) => {
    const name = decodeURIComponent(new URL(request.url).pathname.slice(1));
    if (!(name in SOURCE_KEYS)) return new Response("not found", { status: 404 });
    return new Response(await Deno.readFile(join(SOURCES_DIR, name)));
  }, options);
}

/** A raw TCP server speaking just enough HTTP/1.1 for a test: see `serveRaw`. */
export interface RawServer extends AsyncDisposable {
  url: string;
  /** Connections accepted so far. */
  connections: () => number;
  /** The request heads received, in order. */
  heads: string[];
}

/**
 * A raw HTTP/1.1 server on `options.hostname` (default 127.0.0.1): for each connection, reads
 * the request head and calls `answer(conn, index, head, closing)`; `closing` resolves when the
 * server is disposed, so an answer that stalls can wait for it. Connections close after it.
 */
export function serveRaw(
  answer: (conn: Deno.Conn, index: number, head: string, closing: Promise<void>) => Promise<void>,
  options: { hostname?: string } = {},
): RawServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const listener = Deno.listen({ hostname, port: 0 });
  let connections = 0;
  const heads: string[] = [];
  const handled: Promise<void>[] = [];
  let close = () => {};
  const closing = new Promise<void>((done) => close = done);
  const loop = (async () => {
    for await (const conn of listener) {
      const index = connections++;
      handled.push((async () => {
        try {
          const head = await readRequestHead(conn);
          heads.push(head);
          await answer(conn, index, head, closing);
        } catch {
          // The client went away; nothing to answer.
        } finally {
          conn.close();
        }
      })());
    }
  })();
  const { port } = listener.addr as Deno.NetAddr;
  return {
    url: `http://${hostname}:${port}`,
    connections: () => connections,
    heads,
    async [Symbol.asyncDispose]() {
      close();
      listener.close();
      await loop.catch(() => {});
      await Promise.all(handled);
    },
  };
}

/** Writes all of `text` or `bytes` to `conn`. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array | string): Promise<void> {
  let rest = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  while (rest.length > 0) rest = rest.subarray(await conn.write(rest));
}

/**
 * A raw HTTP/1.1 server whose first `drops` connections send the headers and half of `body`,
 * then close; later connections send all of it. Counts connections.
 */
export function serveDroppingBody(
  body: Uint8Array,
  drops: number,
): AsyncDisposable & { url: string; connections: () => number } {
  return serveRaw(async (conn, index) => {
    const head = `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n` +
      `content-type: application/octet-stream\r\nconnection: close\r\n\r\n`;
    await writeAll(conn, head);
    await writeAll(conn, index < drops ? body.subarray(0, body.length >> 1) : body);
  });
}

async function readRequestHead(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const count = await conn.read(buffer);
    if (count === null) return text;
    text += new TextDecoder().decode(buffer.subarray(0, count));
  }
  return text;
}

/** Names in `dir`, sorted; empty when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}
