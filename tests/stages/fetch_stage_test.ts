import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { DownloadFailure, type DownloadProgress } from "../../src/core/download.ts";
import { openSourceCache } from "../../src/core/source_cache.ts";
import { HitError } from "../../src/errors.ts";
import { fetchInWorker, FetchWorkers, runFetchWorker } from "../../src/stages/fetch_stage.ts";
import { fetchPermissions } from "../../src/stages/permissions.ts";
import { StageCapabilityError } from "../../src/stages/stage_worker.ts";
import {
  LIBYAML,
  LIBYAML_KEY,
  listDir,
  makeTempDir,
  serve,
  serveSources,
  SOURCE_KEYS,
  SOURCES_DIR,
} from "../core/_source_fixtures.ts";

const FAST = [1, 1];
const LIBYAML_HASH = LIBYAML_KEY.split(":")[1];

/** A cache folder with its temp folder created, as `SourceCache` prepares them. */
async function cacheFolders(root: string): Promise<{ cacheDir: string; tempDir: string }> {
  const tempDir = join(root, "tmp");
  await Deno.mkdir(tempDir);
  return { cacheDir: root, tempDir };
}

async function capabilityError(promise: Promise<unknown>): Promise<StageCapabilityError> {
  const error = await promise.then(() => assert.fail("the fetch succeeded"), (e) => e);
  assert.ok(error instanceof StageCapabilityError, String(error?.stack ?? error));
  assert.equal(error.stage, "fetch");
  return error;
}

Deno.test("fetchInWorker() downloads into the temp folder, hashing and reporting progress", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const folders = await cacheFolders(dir.path);
  const events: DownloadProgress[] = [];
  const url = `${server.url}/${LIBYAML}`;
  const result = await fetchInWorker(url, {
    ...folders,
    key: LIBYAML_KEY,
    onProgress: (event) => events.push(event),
  });
  assert.equal(result.digest, LIBYAML_HASH);
  assert.equal(result.finalUrl, url);
  assert.deepEqual([...result.head.subarray(0, 2)], [0x1f, 0x8b]);
  assert.equal(dirname(result.temp), folders.tempDir);
  const expected = await Deno.readFile(join(SOURCES_DIR, LIBYAML));
  assert.deepEqual(await Deno.readFile(result.temp), expected);
  assert.equal(result.bytes, expected.length);
  assert.deepEqual(events.at(-1), {
    key: LIBYAML_KEY,
    url,
    bytes: expected.length,
    total: expected.length,
  });
});

Deno.test("fetchInWorker() follows a redirect to another port, then another address", async () => {
  await using dir = await makeTempDir();
  await using last = serveSources({ hostname: "127.0.0.2" });
  await using middle = serve(() => Response.redirect(`${last.url}/${LIBYAML}`, 307));
  await using first = serve(() => Response.redirect(`${middle.url}/moved`, 302));
  const folders = await cacheFolders(dir.path);
  const url = `${first.url}/${LIBYAML}`;
  const events: DownloadProgress[] = [];
  const result = await fetchInWorker(url, {
    ...folders,
    retryDelays: FAST,
    onProgress: (event) => events.push(event),
  });
  assert.equal(result.digest, LIBYAML_HASH);
  assert.equal(result.finalUrl, `${last.url}/${LIBYAML}`);
  assert.equal(events.at(-1)?.url, url, "progress names the URL the user wrote");
  assert.deepEqual([first.requests.length, middle.requests.length, last.requests.length], [
    1,
    1,
    1,
  ]);
  assert.deepEqual(
    await Deno.readFile(result.temp),
    await Deno.readFile(join(SOURCES_DIR, LIBYAML)),
  );
});

Deno.test("runFetchWorker() granted one host:port is refused any other, exactly", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  await using other = serveSources({ hostname: "127.0.0.2" });
  const folders = await cacheFolders(dir.path);
  const temp = join(folders.tempDir, "downloading-test");
  const permissions = fetchPermissions({
    urls: [`${server.url}/${LIBYAML}`],
    cacheDir: folders.cacheDir,
    cacheTempDir: folders.tempDir,
  });
  assert.deepEqual(permissions.net, [`127.0.0.1:${new URL(server.url).port}`]);
  const error = await capabilityError(
    runFetchWorker({ url: `${other.url}/${LIBYAML}`, temp, progress: false }, { permissions }),
  );
  assert.deepEqual([error.permission, error.target], [
    "net",
    `127.0.0.2:${new URL(other.url).port}`,
  ]);
  assert.equal(other.requests.length, 0);
});

Deno.test("fetchInWorker() refuses a redirect loop and https to http, naming them", async () => {
  await using dir = await makeTempDir();
  await using server = serve((request) =>
    new Response(null, {
      status: 301,
      headers: { location: new URL(request.url).pathname === "/a" ? `${server.url}/b` : "/a" },
    })
  );
  const folders = await cacheFolders(dir.path);
  const loop = await fetchInWorker(`${server.url}/a`, { ...folders, retryDelays: FAST }).catch((
    e,
  ) => e);
  assert.ok(loop instanceof DownloadFailure, String(loop));
  assert.match(loop.message, /^redirect loop: /);
  assert.equal(server.requests.length, 2, "a loop is not retried");
  assert.deepEqual(await listDir(folders.tempDir), []);
});

Deno.test("runFetchWorker() cannot write outside the temp folder it is granted", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const folders = await cacheFolders(dir.path);
  const url = `${server.url}/${LIBYAML}`;
  const permissions = fetchPermissions({
    urls: [url],
    cacheDir: folders.cacheDir,
    cacheTempDir: folders.tempDir,
  });
  // The request asks for a file inside the cache but outside the write grant.
  const packs = join(dir.path, "packs");
  await Deno.mkdir(packs);
  const error = await capabilityError(
    runFetchWorker(
      { url, temp: join(packs, "downloading-x"), progress: false },
      { permissions },
    ),
  );
  assert.deepEqual([error.permission, error.target], ["write", join(packs, "downloading-x")]);
  assert.deepEqual(await listDir(packs), []);
  assert.equal(server.requests.length, 0);
});

Deno.test("fetchInWorker() offline is denied a live server by permission, not by the network", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const folders = await cacheFolders(dir.path);
  const error = await capabilityError(
    fetchInWorker(`${server.url}/${LIBYAML}`, { ...folders, offline: true }),
  );
  assert.deepEqual(
    [error.permission, error.target],
    ["net", `127.0.0.1:${new URL(server.url).port}`],
  );
  assert.equal(server.requests.length, 0);
  assert.deepEqual(await listDir(folders.tempDir), []);
});

Deno.test("fetchInWorker() offline still copies a local file it is granted", async () => {
  await using dir = await makeTempDir();
  const folders = await cacheFolders(dir.path);
  const result = await fetchInWorker(`file://${join(SOURCES_DIR, LIBYAML)}`, {
    ...folders,
    offline: true,
  });
  assert.equal(result.digest, LIBYAML_HASH);
});

Deno.test("fetchInWorker() passes download failures and bad URLs on as the cache expects", async () => {
  await using dir = await makeTempDir();
  await using server = serve(() => new Response("gone", { status: 404 }));
  const folders = await cacheFolders(dir.path);
  const failure = await fetchInWorker(`${server.url}/x.tar.gz`, folders).catch((e) => e);
  assert.ok(failure instanceof DownloadFailure);
  assert.deepEqual([failure.message, failure.retry], ["HTTP 404 Not Found", false]);
  const scheme = await fetchInWorker("ftp://127.0.0.1/x.tar.gz", folders).catch((e) => e);
  assert.ok(scheme instanceof HitError);
  assert.match(scheme.message, /ftp:\/\/ URLs are not fetched/);
  assert.deepEqual(await listDir(folders.tempDir), []);
});

Deno.test("SourceCache with fetchInWorker stores a pack fetched in the worker", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const cache = openSourceCache({ sourceCache: dir.path, mirrors: [] }, {
    downloader: fetchInWorker,
    retryDelays: FAST,
  });
  await cache.fetchArchive(LIBYAML_KEY, `${server.url}/${LIBYAML}`);
  const pack = cache.packPath(LIBYAML_KEY);
  assert.deepEqual(await Deno.readFile(pack), await Deno.readFile(join(SOURCES_DIR, LIBYAML)));
  assert.equal((await Deno.stat(pack)).mode! & 0o777, 0o444);
  assert.deepEqual(await listDir(cache.tempDir), []);
});

Deno.test("SourceCache with fetchInWorker follows a redirect to another host", async () => {
  await using dir = await makeTempDir();
  await using other = serveSources({ hostname: "127.0.0.2" });
  await using server = serve(() => Response.redirect(`${other.url}/${LIBYAML}`, 302));
  const cache = openSourceCache({ sourceCache: dir.path, mirrors: [] }, {
    downloader: fetchInWorker,
    retryDelays: FAST,
  });
  await cache.fetchArchive(LIBYAML_KEY, `${server.url}/${LIBYAML}`);
  assert.equal(await cache.has(LIBYAML_KEY), true);
  assert.deepEqual(await listDir(cache.tempDir), []);
});

Deno.test("FetchWorkers keeps one worker per host:port and still refuses any other host", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  await using other = serveSources({ hostname: "127.0.0.2" });
  const folders = await cacheFolders(dir.path);
  using workers = new FetchWorkers();
  const names = Object.keys(SOURCE_KEYS).slice(0, 3);
  const results = await Promise.all(
    names.map((name) => workers.download(`${server.url}/${name}`, folders)),
  );
  assert.deepEqual(
    results.map((result) => `tar.${result.finalUrl.split(".tar.")[1]}:${result.digest}`),
    names.map((name) => SOURCE_KEYS[name]),
  );
  assert.equal(workers.size, 1, "one worker served the three downloads");
  await workers.download(`${other.url}/${LIBYAML}`, folders);
  assert.equal(workers.size, 2);
  // The pooled worker of the first server, asked to go to the other one.
  const permissions = fetchPermissions({
    urls: [server.url],
    cacheDir: folders.cacheDir,
    cacheTempDir: folders.tempDir,
  });
  const error = await capabilityError(
    workers.run({ url: `${other.url}/${LIBYAML}`, temp: results[0].temp, progress: false }, {
      permissions,
    }),
  );
  assert.deepEqual([error.permission, error.target], [
    "net",
    `127.0.0.2:${new URL(other.url).port}`,
  ]);
  assert.equal(workers.size, 2, "a refused request does not end the worker");
});
