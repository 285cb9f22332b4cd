import assert from "node:assert/strict";
import { join } from "node:path";
import { DownloadFailure } from "../../src/core/download_failure.ts";
import { downloadHttp, parseRetryAfter } from "../../src/core/http_download.ts";
import { b32, sha256 } from "../../src/spec/hash_document.ts";
import {
  LIBYAML,
  makeTempDir,
  serve,
  serveRaw,
  SOURCES_DIR,
  writeAll,
} from "./_source_fixtures.ts";

const FAST = [1, 1];
const LOW = { connectMs: 400, stallMs: 400 };
const BODY = await Deno.readFile(join(SOURCES_DIR, LIBYAML));

async function failure(promise: Promise<unknown>): Promise<DownloadFailure> {
  const error = await promise.then(() => assert.fail("the download succeeded"), (e) => e);
  assert.ok(error instanceof DownloadFailure, String(error?.stack ?? error));
  return error;
}

Deno.test("downloadHttp() fails a server that sends headers, then nothing, after the stall timeout", async () => {
  await using dir = await makeTempDir();
  await using server = serveRaw(async (conn, _index, _head, closing) => {
    await writeAll(conn, `HTTP/1.1 200 OK\r\ncontent-length: ${BODY.length}\r\n\r\n`);
    await writeAll(conn, BODY.subarray(0, 1000));
    await closing;
  });
  const start = performance.now();
  const error = await failure(
    downloadHttp(`${server.url}/x.tar.gz`, join(dir.path, "out"), {
      timeouts: LOW,
      retryDelays: [],
    }),
  );
  const elapsed = performance.now() - start;
  assert.equal(error.message, "stalled: no data for 0.4 s (after 1000 bytes) (after 1 attempts)");
  assert.ok(elapsed >= 400, `failed after ${elapsed} ms, before the timeout`);
  assert.ok(elapsed < 20_000, `took ${elapsed} ms`);
});

Deno.test("downloadHttp() fails a server that accepts and never answers after the connect timeout", async () => {
  await using dir = await makeTempDir();
  await using server = serveRaw(async (_conn, _index, _head, closing) => await closing);
  const error = await failure(
    downloadHttp(`${server.url}/x.tar.gz`, join(dir.path, "out"), {
      timeouts: LOW,
      retryDelays: [1],
    }),
  );
  assert.equal(error.message, "no answer within 0.4 s (after 2 attempts)");
  assert.equal(server.connections(), 2, "a stall is retried");
});

Deno.test("downloadHttp() resumes a cut download with Range where the server allows it", async () => {
  await using dir = await makeTempDir();
  const half = BODY.length >> 1;
  await using server = serveRaw(async (conn, index, head) => {
    const range = /range: bytes=(\d+)-/i.exec(head);
    if (index === 0) {
      await writeAll(
        conn,
        `HTTP/1.1 200 OK\r\ncontent-length: ${BODY.length}\r\naccept-ranges: bytes\r\n` +
          `etag: "v1"\r\nconnection: close\r\n\r\n`,
      );
      await writeAll(conn, BODY.subarray(0, half));
    } else if (range !== null) {
      const from = Number(range[1]);
      await writeAll(
        conn,
        `HTTP/1.1 206 Partial Content\r\ncontent-length: ${BODY.length - from}\r\n` +
          `content-range: bytes ${from}-${BODY.length - 1}/${BODY.length}\r\n` +
          `connection: close\r\n\r\n`,
      );
      await writeAll(conn, BODY.subarray(from));
    }
  });
  const dest = join(dir.path, "out");
  const result = await downloadHttp(`${server.url}/x.tar.gz`, dest, { retryDelays: FAST });
  assert.equal(result.kind, "file");
  assert.equal(result.kind === "file" && result.digest, b32(sha256(BODY)));
  assert.deepEqual(await Deno.readFile(dest), BODY);
  assert.equal(server.heads.length, 2);
  assert.match(server.heads[1], new RegExp(`range: bytes=${half}-`, "i"));
  assert.match(server.heads[1], /if-range: "v1"/i);
});

Deno.test("downloadHttp() honours Retry-After of a 429, then takes the 200", async () => {
  await using dir = await makeTempDir();
  let calls = 0;
  await using server = serve(() =>
    calls++ === 0
      ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
      : new Response(BODY)
  );
  const start = performance.now();
  const result = await downloadHttp(`${server.url}/x.tar.gz`, join(dir.path, "out"), {
    retryDelays: FAST,
  });
  assert.equal(result.kind, "file");
  assert.ok(performance.now() - start >= 1000, "waited the second Retry-After asked for");
  assert.equal(calls, 2);
});

Deno.test("downloadHttp() retries a 500, and fails a 404 or a far Retry-After at once", async () => {
  await using dir = await makeTempDir();
  let calls = 0;
  await using flaky = serve(() =>
    calls++ === 0 ? new Response("oops", { status: 500 }) : new Response(BODY)
  );
  const ok = await downloadHttp(`${flaky.url}/x`, join(dir.path, "a"), { retryDelays: FAST });
  assert.equal(ok.kind, "file");
  assert.equal(calls, 2);
  await using gone = serve(() => new Response("no", { status: 404 }));
  const missing = await failure(
    downloadHttp(`${gone.url}/x`, join(dir.path, "b"), { retryDelays: FAST }),
  );
  assert.deepEqual([missing.message, gone.requests.length], ["HTTP 404 Not Found", 1]);
  await using busy = serve(() =>
    new Response("later", { status: 503, headers: { "retry-after": "3600" } })
  );
  const later = await failure(
    downloadHttp(`${busy.url}/x`, join(dir.path, "c"), { retryDelays: FAST }),
  );
  assert.equal(later.message, "HTTP 503 Service Unavailable: the server asks to wait 3600 s");
  assert.equal(busy.requests.length, 1);
});

Deno.test("downloadHttp() hands a redirect back instead of following it", async () => {
  await using dir = await makeTempDir();
  await using server = serve(() =>
    new Response(null, { status: 308, headers: { location: "/elsewhere" } })
  );
  const result = await downloadHttp(`${server.url}/x`, join(dir.path, "out"));
  assert.deepEqual(result, { kind: "redirect", status: 308, location: "/elsewhere" });
  assert.equal(server.requests.length, 1);
});

Deno.test("downloadHttp() keeps what a server without Content-Length sent before closing", async () => {
  await using dir = await makeTempDir();
  await using server = serveRaw(async (conn) => {
    await writeAll(conn, "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n");
    await writeAll(conn, BODY.subarray(0, 5000));
  });
  // Nothing in HTTP says this body is short: the key (or, keyless, the archive reader) must.
  const result = await downloadHttp(`${server.url}/x`, join(dir.path, "out"));
  assert.equal(result.kind === "file" && result.bytes, 5000);
});

Deno.test("parseRetryAfter() reads seconds and HTTP dates", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("7", now), 7000);
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now), 30_000);
  assert.equal(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});
