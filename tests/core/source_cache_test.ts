import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  KeyMismatchError,
  MissingSourceError,
  openSourceCache,
  SourceCache,
} from "../../src/core/source_cache.ts";
import { HitError } from "../../src/errors.ts";
import { type PackEntry } from "../../src/spec/hit_pack.ts";
import {
  LIBYAML,
  LIBYAML_KEY,
  listDir,
  makeTempDir,
  serve,
  serveDroppingBody,
  serveSources,
  SOURCE_KEYS,
  SOURCES_DIR,
} from "./_source_fixtures.ts";

const FAST = { retryDelays: [1, 1] };
const LIBYAML_PACK = `packs/${LIBYAML_KEY.replace(":", "/")}`;

function cacheIn(root: string, mirrors: string[] = []): SourceCache {
  return openSourceCache({ sourceCache: root, mirrors }, FAST);
}

async function readLibyaml(): Promise<Uint8Array<ArrayBuffer>> {
  return await Deno.readFile(join(SOURCES_DIR, LIBYAML));
}

/** Asserts that `packs/` holds no stray file: no download left behind, no pack stored. */
async function assertNothingStored(root: string): Promise<void> {
  assert.deepEqual((await listDir(join(root, "packs"))).filter((n) => n !== "tar.gz"), []);
  assert.deepEqual(await listDir(join(root, "packs", "tar.gz")), []);
}

Deno.test("SourceCache.packPath() places archives under packs/ and hit-packs under files/", () => {
  const cache = cacheIn("/cache");
  assert.equal(cache.packPath(LIBYAML_KEY), `/cache/${LIBYAML_PACK}`);
  assert.equal(
    cache.packPath("files:lci3lnjc2xpqq3ip6cyrb66z2in3j7dr"),
    "/cache/files/lci3lnjc2xpqq3ip6cyrb66z2in3j7dr",
  );
  assert.throws(() => cache.packPath(`git:${"a".repeat(40)}`), HitError);
});

Deno.test("SourceCache.putHitPack() writes the original's pack vector and reads it back", async () => {
  await using dir = await makeTempDir();
  const cache = cacheIn(dir.path);
  const text = new TextEncoder();
  const entries: PackEntry[] = [
    { name: "foo", content: text.encode("contains foo") },
    { name: "bar", content: text.encode("contains bar") },
    { name: "a/b", content: text.encode("in a subdir") },
    { name: "a/c", content: text.encode("also in subdir") },
  ];
  const key = await cache.putHitPack(entries);
  assert.equal(key, "files:ruwkpei2ot2fp77myn2n2n4ttefuabab");
  assert.equal(await cache.has(key), true);
  const stat = await Deno.stat(cache.packPath(key));
  assert.equal(stat.mode! & 0o777, 0o444);
  assert.deepEqual(await listDir(join(dir.path, "files")), ["ruwkpei2ot2fp77myn2n2n4ttefuabab"]);
  const back = await cache.readHitPack(key);
  assert.deepEqual(
    back.map((e) => e.name),
    ["a/b", "a/c", "bar", "foo"],
  );
  assert.equal(new TextDecoder().decode(back[3].content), "contains foo");
  assert.equal(await cache.putHitPack(entries.toReversed()), key);
});

Deno.test("SourceCache.readHitPack() rejects a missing or corrupted pack", async () => {
  await using dir = await makeTempDir();
  const cache = cacheIn(dir.path);
  await assert.rejects(
    cache.readHitPack("files:iwlpi4ky3yry354qrfzrikdacaqn7xeg"),
    MissingSourceError,
  );
  const key = await cache.putHitPack([]);
  assert.equal(key, "files:iwlpi4ky3yry354qrfzrikdacaqn7xeg");
  await Deno.chmod(cache.packPath(key), 0o644);
  await Deno.writeTextFile(cache.packPath(key), "HDSTPCK1x");
  await assert.rejects(cache.readHitPack(key), /corrupted file/);
});

Deno.test("SourceCache.fetchArchive() stores each shared tarball under its README key", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const cache = cacheIn(dir.path);
  for (const [name, key] of Object.entries(SOURCE_KEYS)) {
    assert.equal(await cache.has(key), false);
    await cache.fetchArchive(key, `${server.url}/${name}`);
    assert.equal(await cache.has(key), true, name);
    const path = cache.packPath(key);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o444);
    assert.deepEqual(await Deno.readFile(path), await Deno.readFile(join(SOURCES_DIR, name)));
  }
  assert.equal(SOURCE_KEYS["fftw_2.1.5.orig.tar.gz"], "tar.gz:7acx7lq4px4lteiwpa7ph2kknjcfddkj");
  assert.deepEqual(await listDir(join(dir.path, "packs")), ["tar.bz2", "tar.gz", "tar.xz"]);
});

Deno.test("SourceCache.fetchArchive() does nothing when the pack is present", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const cache = cacheIn(dir.path);
  await cache.fetchArchive(LIBYAML_KEY, `${server.url}/${LIBYAML}`);
  await cache.fetchArchive(LIBYAML_KEY, `${server.url}/${LIBYAML}`);
  await cache.fetchArchive(LIBYAML_KEY, undefined);
  assert.equal(server.requests.length, 1);
});

Deno.test("SourceCache.fetchArchive() tries a 404 mirror, then a good mirror, not the URL", async () => {
  await using dir = await makeTempDir();
  const body = await readLibyaml();
  await using empty = serve(() => new Response("no", { status: 404 }));
  await using mirror = serve((request) =>
    new URL(request.url).pathname === `/src/${LIBYAML_PACK}`
      ? new Response(body)
      : new Response("no", { status: 404 })
  );
  await using origin = serveSources();
  const cache = cacheIn(dir.path, [`${empty.url}/`, `${mirror.url}/src`]);
  await cache.fetchArchive(LIBYAML_KEY, `${origin.url}/${LIBYAML}`);
  assert.equal(await cache.has(LIBYAML_KEY), true);
  assert.deepEqual(empty.requests, [`/${LIBYAML_PACK}`]);
  assert.deepEqual(mirror.requests, [`/src/${LIBYAML_PACK}`]);
  assert.equal(origin.requests.length, 0);
});

Deno.test("SourceCache.fetchArchive() takes a mirror that is a folder or a file: URL", async () => {
  // The original's test_mirrors: mirror 1 empty, mirror 2 holds the pack, the URL unreachable.
  await using dir = await makeTempDir();
  await using mirrors = await makeTempDir();
  const full = join(mirrors.path, "full");
  await Deno.mkdir(join(full, "packs", "tar.gz"), { recursive: true });
  await Deno.copyFile(join(SOURCES_DIR, LIBYAML), join(full, LIBYAML_PACK));
  for (const second of [full, `file:${full}`, `file://${full}/`]) {
    const root = join(dir.path, String(second.length));
    const cache = cacheIn(root, [join(mirrors.path, "empty"), second]);
    await cache.fetchArchive(LIBYAML_KEY, join(mirrors.path, "unreachable.tar.gz"));
    assert.equal(await cache.has(LIBYAML_KEY), true, second);
  }
});

Deno.test("SourceCache.fetchArchive() passes over a mirror with wrong bytes to the URL", async () => {
  await using dir = await makeTempDir();
  await using bad = serve(() => new Response("these are not the bytes\n"));
  await using origin = serveSources();
  const cache = cacheIn(dir.path, [bad.url]);
  await cache.fetchArchive(LIBYAML_KEY, `${origin.url}/${LIBYAML}`);
  assert.equal(await cache.has(LIBYAML_KEY), true);
  assert.equal(bad.requests.length, 1, "a hash mismatch is not retried");
  assert.equal(origin.requests.length, 1);
  assert.deepEqual(await listDir(join(dir.path, "packs")), ["tar.gz"]);
});

Deno.test("SourceCache.fetchArchive() with the wrong key keeps nothing and names both keys", async () => {
  await using dir = await makeTempDir();
  await using origin = serveSources();
  const cache = cacheIn(dir.path);
  const wrong = "tar.gz:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  const error = await cache.fetchArchive(wrong, `${origin.url}/${LIBYAML}`).then(
    () => assert.fail("fetch succeeded"),
    (e) => e,
  );
  assert.ok(error instanceof MissingSourceError);
  assert.equal(error.key, wrong);
  const detail = [error.message, ...error.context].join("\n");
  assert.match(detail, new RegExp(`expected "${wrong}", got "${LIBYAML_KEY}"`));
  assert.equal(origin.requests.length, 1, "a hash mismatch is not retried");
  await assertNothingStored(dir.path);
  assert.equal(await cache.has(wrong), false);
});

Deno.test("SourceCache.fetchArchive() lists every attempt and hints at hit fetch", async () => {
  await using dir = await makeTempDir();
  await using gone = serve(() => new Response("no", { status: 404 }));
  await using down = serve(() => new Response("down", { status: 502 }));
  const cache = cacheIn(dir.path, [gone.url, join(dir.path, "nowhere")]);
  const url = `${down.url}/${LIBYAML}`;
  const error = await cache.fetchArchive(LIBYAML_KEY, url).then(
    () => assert.fail("fetch succeeded"),
    (e) => e,
  );
  assert.ok(error instanceof MissingSourceError);
  assert.equal(error.message, `fetch "${LIBYAML_KEY}": every source failed`);
  assert.deepEqual(error.context, [
    `tried "${gone.url}/${LIBYAML_PACK}": HTTP 404 Not Found`,
    `tried "${join(dir.path, "nowhere", LIBYAML_PACK)}": no such file`,
    `tried "${url}": HTTP 502 Bad Gateway (after 3 attempts)`,
  ]);
  assert.match(error.hint!, new RegExp(`hit fetch ${url} ${LIBYAML_KEY}`));
  assert.equal(down.requests.length, 3);
  await assertNothingStored(dir.path);
});

Deno.test("SourceCache.fetchArchive() retries a download cut off mid-body", async () => {
  await using dir = await makeTempDir();
  await using server = serveDroppingBody(await readLibyaml(), 2);
  const cache = cacheIn(dir.path);
  await cache.fetchArchive(LIBYAML_KEY, `${server.url}/${LIBYAML}`);
  assert.equal(await cache.has(LIBYAML_KEY), true);
  assert.equal(server.connections(), 3);
  assert.deepEqual(await listDir(join(dir.path, "packs")), ["tar.gz"]);
});

Deno.test("SourceCache.fetchArchive() offline fails without touching the network", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const cache = cacheIn(dir.path, [server.url]);
  const error = await cache.fetchArchive(LIBYAML_KEY, `${server.url}/${LIBYAML}`, {
    offline: true,
  }).then(() => assert.fail("fetch succeeded"), (e) => e);
  assert.ok(error instanceof MissingSourceError);
  assert.equal(error.message, `missing source "${LIBYAML_KEY}" (offline)`);
  assert.equal(server.requests.length, 0);
  // A local URL is not the network.
  await cache.fetchArchive(LIBYAML_KEY, join(SOURCES_DIR, LIBYAML), { offline: true });
  assert.equal(await cache.has(LIBYAML_KEY), true);
});

Deno.test("SourceCache.fetchArchive() fetches once for two concurrent calls", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const url = `${server.url}/${LIBYAML}`;
  const a = cacheIn(dir.path);
  const b = cacheIn(dir.path);
  await Promise.all([a.fetchArchive(LIBYAML_KEY, url), b.fetchArchive(LIBYAML_KEY, url)]);
  assert.equal(server.requests.length, 1);
  assert.equal(await a.has(LIBYAML_KEY), true);
  assert.deepEqual(await listDir(join(dir.path, "packs")), ["tar.gz"]);
});

const DENO = fileURLToPath(new URL("../../scripts/deno", import.meta.url));
const SOURCE_CACHE_MODULE = new URL("../../src/core/source_cache.ts", import.meta.url).href;

Deno.test("SourceCache.fetchArchive() fetches once for two processes on one cache", async () => {
  await using dir = await makeTempDir();
  const body = await readLibyaml();
  // A slow body keeps the first download running while the second process waits on the lock.
  await using server = serve(() => {
    let offset = 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((done) => setTimeout(done, 60));
          controller.enqueue(body.slice(offset, offset + 8192));
          offset += 8192;
          if (offset >= body.length) controller.close();
        },
      }),
      { headers: { "content-length": String(body.length) } },
    );
  });
  const script = `
    import { openSourceCache } from ${JSON.stringify(SOURCE_CACHE_MODULE)};
    const cache = openSourceCache({ sourceCache: ${JSON.stringify(dir.path)}, mirrors: [] });
    await cache.fetchArchive(${JSON.stringify(LIBYAML_KEY)}, ${
    JSON.stringify(`${server.url}/${LIBYAML}`)
  });
  `;
  const run = () =>
    new Deno.Command(DENO, { args: ["eval", script], stdout: "piped", stderr: "piped" }).output();
  const results = await Promise.all([run(), run()]);
  for (const result of results) {
    assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
  }
  assert.equal(server.requests.length, 1);
  const cache = cacheIn(dir.path);
  assert.deepEqual(await Deno.readFile(cache.packPath(LIBYAML_KEY)), body);
  assert.deepEqual(await listDir(join(dir.path, "packs")), ["tar.gz"]);
});

Deno.test("SourceCache.fetchArchive() rejects bytes that are not the key's archive type", async () => {
  await using dir = await makeTempDir();
  const bytes = new TextEncoder().encode("hello\n");
  await using server = serve(() => new Response(bytes));
  const cache = cacheIn(dir.path);
  const key = "tar.gz:lci3lnjc2xpqq3ip6cyrb66z2in3j7dr";
  await assert.rejects(
    cache.fetchArchive(key, `${server.url}/hello.tar.gz`),
    (error) =>
      error instanceof MissingSourceError &&
      /not a valid tar\.gz archive/.test(error.context.join("\n")),
  );
  await assertNothingStored(dir.path);
});

Deno.test("SourceCache.fetchUrl() computes the key from the bytes and stores the pack", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const cache = cacheIn(dir.path);
  const url = `${server.url}/fftw_2.1.5.orig.tar.gz`;
  const fetched = await cache.fetchUrl(url);
  assert.deepEqual(fetched, {
    key: "tar.gz:7acx7lq4px4lteiwpa7ph2kknjcfddkj",
    bytes: 1256888,
    finalUrl: url,
  });
  assert.equal(await cache.has(fetched.key), true);
  // Fetching again replaces nothing and leaves no temporary file.
  assert.deepEqual(await cache.fetchUrl(url, { key: fetched.key }), fetched);
  assert.deepEqual(await listDir(join(dir.path, "packs")), ["tar.gz"]);
});

Deno.test("SourceCache.fetchUrl() with a different key keeps nothing", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const cache = cacheIn(dir.path);
  const wrong = "tar.gz:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  await assert.rejects(
    cache.fetchUrl(`${server.url}/${LIBYAML}`, { key: wrong }),
    (error) =>
      error instanceof KeyMismatchError && error.expected === wrong &&
      error.actual === LIBYAML_KEY,
  );
  await assertNothingStored(dir.path);
});

Deno.test("SourceCache.fetchUrl() takes the type from the option, the key, or the name", async () => {
  await using dir = await makeTempDir();
  const cache = cacheIn(dir.path);
  const copy = join(dir.path, "download");
  await Deno.copyFile(join(SOURCES_DIR, LIBYAML), copy);
  await assert.rejects(cache.fetchUrl(copy), /guess the archive type .*unknown extension/);
  assert.equal((await cache.fetchUrl(copy, { type: "tar.gz" })).key, LIBYAML_KEY);
  assert.equal((await cache.fetchUrl(`file:${copy}`, { key: LIBYAML_KEY })).key, LIBYAML_KEY);
  await assert.rejects(cache.fetchUrl(copy, { type: "zip" }), /not a valid zip archive/);
  await assert.rejects(cache.fetchUrl(join(dir.path, "missing.tar.gz")), /no such file/);
  assert.deepEqual(await listDir(join(dir.path, "packs")), ["tar.gz"]);
});

Deno.test("SourceCache.fetchSource() cannot download a missing files: key", async () => {
  await using dir = await makeTempDir();
  const cache = cacheIn(dir.path);
  await assert.rejects(
    cache.fetchSource({ key: "files:iwlpi4ky3yry354qrfzrikdacaqn7xeg" }, { repoName: "x" }),
    MissingSourceError,
  );
  await cache.putHitPack([]);
  await cache.fetchSource({ key: "files:iwlpi4ky3yry354qrfzrikdacaqn7xeg" }, { repoName: "x" });
});
