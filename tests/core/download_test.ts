import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DEFAULT_RETRY_DELAYS,
  DownloadFailure,
  type DownloadProgress,
  downloadToFile,
  isNetworkSource,
  locateSource,
  mirrorFolder,
  mirrorUrl,
} from "../../src/core/download.ts";
import { HitError } from "../../src/errors.ts";
import {
  LIBYAML,
  LIBYAML_KEY,
  makeTempDir,
  serve,
  serveDroppingBody,
  serveSources,
  SOURCES_DIR,
} from "./_source_fixtures.ts";

const FAST = { retryDelays: [1, 1] };
const LIBYAML_HASH = LIBYAML_KEY.split(":")[1];

Deno.test("locateSource() reads the original's simple file URLs directly", () => {
  // test_source_cache test_simple_file_url_re: these match the regex.
  for (const url of ["file:foo", "file:foo/bar", "file:foo/bar/", "file:/foo", "file:/foo/bar"]) {
    assert.deepEqual(locateSource(url), { kind: "local", path: url.slice(5) }, url);
  }
  assert.deepEqual(locateSource("file:/foo/bar/"), { kind: "local", path: "/foo/bar/" });
});

Deno.test("locateSource() reads file:/// and file://localhost/ URLs through the URL parser", () => {
  assert.deepEqual(locateSource("file:///foo"), { kind: "local", path: "/foo" });
  assert.deepEqual(locateSource("file://localhost/foo"), { kind: "local", path: "/foo" });
  assert.throws(() => locateSource("file://foo"), HitError);
});

Deno.test("locateSource() treats plain paths as local and rejects unknown schemes", () => {
  assert.deepEqual(locateSource("x/y.tar.gz"), { kind: "local", path: "x/y.tar.gz" });
  assert.deepEqual(locateSource("/abs/y.tar.gz"), { kind: "local", path: "/abs/y.tar.gz" });
  assert.deepEqual(locateSource("http://127.0.0.1:9/a"), {
    kind: "http",
    url: "http://127.0.0.1:9/a",
  });
  assert.throws(() => locateSource("ftp://127.0.0.1/a.tar.gz"), /ftp:\/\/ URLs are not fetched/);
  assert.throws(
    () => locateSource("gopher://127.0.0.1/a.tar.gz"),
    /unsupported URL scheme "gopher"/,
  );
  assert.equal(isNetworkSource("https://127.0.0.1/a"), true);
  assert.equal(isNetworkSource("file:/a"), false);
  assert.equal(isNetworkSource("/a"), false);
});

Deno.test("mirrorFolder() is the folder of a local mirror, none for a network one", () => {
  assert.equal(mirrorFolder("/media/usb/b"), "/media/usb/b");
  assert.equal(mirrorFolder("bundle", "/w"), "/w/bundle");
  assert.equal(mirrorFolder("file:///media/usb/b"), "/media/usb/b");
  assert.equal(mirrorFolder("file:rel/b", "/w"), "/w/rel/b");
  assert.equal(mirrorFolder("http://127.0.0.1:8/src"), undefined);
  assert.equal(mirrorFolder("HTTPS://h/src"), undefined);
  assert.equal(mirrorFolder("ftp://h/src"), undefined);
});

Deno.test("mirrorUrl() appends the pack path to URL prefixes and folders", () => {
  assert.equal(
    mirrorUrl("http://127.0.0.1:8/src/", "packs/tar.gz/abc"),
    "http://127.0.0.1:8/src/packs/tar.gz/abc",
  );
  assert.equal(mirrorUrl("file:/m", "packs/zip/abc"), "file:/m/packs/zip/abc");
  assert.equal(mirrorUrl("/m/", "packs/zip/abc"), "/m/packs/zip/abc");
  assert.equal(mirrorUrl("m", "packs/zip/abc", "/base"), "/base/m/packs/zip/abc");
});

Deno.test("downloadToFile() streams an HTTP body into the file and hashes it", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const dest = join(dir.path, "out");
  const events: DownloadProgress[] = [];
  const url = `${server.url}/${LIBYAML}`;
  const result = await downloadToFile(url, dest, {
    key: LIBYAML_KEY,
    onProgress: (event) => events.push(event),
  });
  const original = await Deno.readFile(join(SOURCES_DIR, LIBYAML));
  assert.equal(result.digest, LIBYAML_HASH);
  assert.equal(result.bytes, original.length);
  assert.equal(result.finalUrl, url);
  assert.deepEqual([...result.head], [...original.subarray(0, 8)]);
  assert.deepEqual(await Deno.readFile(dest), original);
  assert.ok(events.length > 0);
  const last = events[events.length - 1];
  assert.deepEqual(last, { key: LIBYAML_KEY, url, bytes: original.length, total: original.length });
});

Deno.test("downloadToFile() does not decompress a body sent with Content-Encoding gzip", async () => {
  await using dir = await makeTempDir();
  const original = await Deno.readFile(join(SOURCES_DIR, LIBYAML));
  await using server = serve(() =>
    new Response(original, { headers: { "content-encoding": "gzip" } })
  );
  const result = await downloadToFile(`${server.url}/x.tar.gz`, join(dir.path, "out"), FAST);
  assert.equal(result.digest, LIBYAML_HASH);
});

Deno.test("downloadToFile() follows a redirect and reports the final URL", async () => {
  await using dir = await makeTempDir();
  await using server = serve(async (request) => {
    if (new URL(request.url).pathname === "/old") {
      return Response.redirect(new URL(`/${LIBYAML}`, request.url), 302);
    }
    return new Response(await Deno.readFile(join(SOURCES_DIR, LIBYAML)));
  });
  const result = await downloadToFile(`${server.url}/old`, join(dir.path, "out"), FAST);
  assert.equal(result.finalUrl, `${server.url}/${LIBYAML}`);
  assert.equal(result.digest, LIBYAML_HASH);
});

Deno.test("downloadToFile() does not retry an HTTP 404", async () => {
  await using dir = await makeTempDir();
  await using server = serve(() => new Response("no", { status: 404 }));
  await assert.rejects(
    downloadToFile(`${server.url}/x`, join(dir.path, "out"), FAST),
    (error) => error instanceof DownloadFailure && /^HTTP 404/.test(error.message),
  );
  assert.equal(server.requests.length, 1);
});

Deno.test("downloadToFile() retries a 503 and succeeds on the third attempt", async () => {
  await using dir = await makeTempDir();
  const body = new TextEncoder().encode("hello\n");
  await using server = serve(() =>
    server.requests.length < 3 ? new Response("busy", { status: 503 }) : new Response(body)
  );
  const result = await downloadToFile(`${server.url}/x`, join(dir.path, "out"), FAST);
  assert.equal(result.digest, "lci3lnjc2xpqq3ip6cyrb66z2in3j7dr");
  assert.equal(server.requests.length, 3);
});

Deno.test("downloadToFile() gives up after three attempts at a failing server", async () => {
  await using dir = await makeTempDir();
  await using server = serve(() => new Response("down", { status: 500 }));
  await assert.rejects(
    downloadToFile(`${server.url}/x`, join(dir.path, "out"), FAST),
    /HTTP 500 .*\(after 3 attempts\)/,
  );
  assert.equal(server.requests.length, 3);
  assert.deepEqual(DEFAULT_RETRY_DELAYS, [1000, 2000]);
});

Deno.test("downloadToFile() retries a connection dropped mid-body", async () => {
  await using dir = await makeTempDir();
  const original = await Deno.readFile(join(SOURCES_DIR, LIBYAML));
  await using server = serveDroppingBody(original, 1);
  const dest = join(dir.path, "out");
  const result = await downloadToFile(`${server.url}/x.tar.gz`, dest, FAST);
  assert.equal(result.digest, LIBYAML_HASH);
  assert.equal(result.bytes, original.length);
  assert.equal(server.connections(), 2);
  assert.deepEqual(await Deno.readFile(dest), original);
});

Deno.test("downloadToFile() retries a refused connection, then fails naming it", async () => {
  await using dir = await makeTempDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  await assert.rejects(
    downloadToFile(`http://127.0.0.1:${port}/x`, join(dir.path, "out"), FAST),
    (error) =>
      error instanceof DownloadFailure && /^cannot connect: .*\(after 3 attempts\)$/s.test(
        error.message,
      ),
  );
});

Deno.test("downloadToFile() copies file: URLs and plain paths", async () => {
  await using dir = await makeTempDir();
  const source = join(SOURCES_DIR, LIBYAML);
  for (const url of [source, `file:${source}`, `file://${source}`]) {
    const result = await downloadToFile(url, join(dir.path, "out"), FAST);
    assert.equal(result.digest, LIBYAML_HASH, url);
    assert.equal(result.finalUrl, url);
  }
});

Deno.test("downloadToFile() fails at once for a missing local file", async () => {
  await using dir = await makeTempDir();
  await assert.rejects(
    downloadToFile(join(dir.path, "missing.tar.gz"), join(dir.path, "out"), FAST),
    (error) =>
      error instanceof DownloadFailure && !error.retry && /no such file$/.test(error.message),
  );
});
