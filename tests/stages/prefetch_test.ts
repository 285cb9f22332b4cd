import assert from "node:assert/strict";
import { join } from "node:path";
import { MissingSourceError, openSourceCache } from "../../src/core/source_cache.ts";
import { resolveProfile } from "../../src/spec/resolve.ts";
import { fetchInWorker } from "../../src/stages/fetch_stage.ts";
import { listNeededSources, type NeededSource } from "../../src/stages/missing_sources.ts";
import { planPrefetch, type PrefetchEvent, prefetchSources } from "../../src/stages/prefetch.ts";
import { makeTempDir, serve, SOURCE_KEYS, SOURCES_DIR } from "../core/_source_fixtures.ts";
import { renderBuildPlan } from "../../src/cli/build_plan.ts";
import { startSmallStackServer, writeSmallStack } from "../e2e/_small_stack.ts";

/** A source cache in `root` that downloads in the fetch stage's worker, as `hit` does. */
function workerCache(root: string, mirrors: string[] = []) {
  return openSourceCache({ sourceCache: root, mirrors }, {
    downloader: fetchInWorker,
    retryDelays: [1, 1],
  });
}

Deno.test("prefetchSources() fetches archives and git commits, writes bundles, then finds them cached", async () => {
  await using dir = await makeTempDir();
  await using server = await startSmallStackServer(dir.path);
  const needed = listNeededSources([resolveProfile(await writeSmallStack(dir.path, server))]);
  const cache = workerCache(join(dir.path, "cache"));
  const events: PrefetchEvent[] = [];
  const first = await prefetchSources(needed, cache, { onEvent: (event) => events.push(event) });
  const libyaml = (await Deno.stat(join(SOURCES_DIR, "libyaml_0.2.5.orig.tar.gz"))).size;
  assert.deepEqual({ ...first, bytes: 0 }, {
    sources: 5,
    cached: 0,
    fetched: 2,
    written: 3,
    bytes: 0,
    failures: [],
  });
  // The archive's bytes and the git objects'.
  assert.ok(first.bytes > libyaml, String(first.bytes));
  for (const source of needed) assert.ok(await cache.has(source.key), source.key);
  assert.equal(events.filter((event) => event.type === "start").length, 5);
  assert.ok(events.some((event) => event.type === "progress"));

  const requests = server.requests.length;
  const second = await prefetchSources(needed, cache);
  assert.deepEqual(second, {
    sources: 5,
    cached: 5,
    fetched: 0,
    written: 0,
    bytes: 0,
    failures: [],
  });
  assert.equal(server.requests.length, requests, "nothing asked of the network");
});

Deno.test("prefetchSources() collects every failure and still fetches the rest", async () => {
  await using dir = await makeTempDir();
  await using server = await startSmallStackServer(dir.path);
  const profile = await writeSmallStack(dir.path, {
    ...server,
    gitUrl: `${server.url}/gone.git`,
  }, { tarball: { key: SOURCE_KEYS["libyaml_0.2.5.orig.tar.gz"], url: `${server.url}/gone` } });
  const needed = listNeededSources([resolveProfile(profile)]);
  const cache = workerCache(join(dir.path, "cache"));
  const summary = await prefetchSources(needed, cache, { jobs: 2 });
  assert.deepEqual(
    summary.failures.map(({ source, error }) => [source.packages, source.key, error.location]),
    [
      [["tinygit"], `git:${server.commit}`, { package: "tinygit" }],
      [["yamldoc"], SOURCE_KEYS["libyaml_0.2.5.orig.tar.gz"], { package: "yamldoc" }],
    ],
  );
  assert.match(summary.failures[1].error.context.join("\n"), /HTTP 404 Not Found/);
  assert.equal(summary.written, 3);
  assert.equal(summary.fetched, 0);
});

Deno.test("prefetchSources() runs at most `jobs` downloads at once, and that many", async () => {
  const names = Object.keys(SOURCE_KEYS).slice(0, 4);
  await using server = serve(async (request) => {
    await new Promise((done) => setTimeout(done, 300));
    return new Response(await Deno.readFile(join(SOURCES_DIR, new URL(request.url).pathname)));
  });
  const needed: NeededSource[] = names.map((name) => ({
    key: SOURCE_KEYS[name],
    url: `${server.url}/${name}`,
    packages: [name],
  }));
  for (const jobs of [4, 2, 1]) {
    await using dir = await makeTempDir();
    let running = 0;
    let most = 0;
    const summary = await prefetchSources(needed, workerCache(dir.path), {
      jobs,
      onEvent(event) {
        if (event.type === "start") most = Math.max(most, ++running);
        if (event.type === "done" || event.type === "failed") running--;
      },
    });
    assert.equal(summary.fetched, 4);
    assert.equal(most, jobs, `jobs ${jobs}`);
  }
});

Deno.test("prefetchSources() offline copies from a folder mirror and fails network sources unasked", async () => {
  await using dir = await makeTempDir();
  await using server = await startSmallStackServer(dir.path);
  const needed = listNeededSources([resolveProfile(await writeSmallStack(dir.path, server))]);
  const mirror = join(dir.path, "mirror");
  const key = SOURCE_KEYS["libyaml_0.2.5.orig.tar.gz"];
  await Deno.mkdir(join(mirror, "packs", "tar.gz"), { recursive: true });
  await Deno.copyFile(
    join(SOURCES_DIR, "libyaml_0.2.5.orig.tar.gz"),
    join(mirror, "packs", "tar.gz", key.split(":")[1]),
  );
  const cache = workerCache(join(dir.path, "cache"), [mirror]);
  const summary = await prefetchSources(needed, cache, { offline: true });
  assert.equal(summary.fetched, 1);
  assert.ok(await cache.has(key));
  assert.deepEqual(summary.failures.map(({ source }) => source.key), [`git:${server.commit}`]);
  assert.ok(summary.failures[0].error instanceof MissingSourceError);
  assert.deepEqual(server.requests, []);
});

Deno.test("planPrefetch() says which sources are cached, written, copied or downloaded", async () => {
  await using dir = await makeTempDir();
  const mirror = join(dir.path, "mirror");
  const key = SOURCE_KEYS["libyaml_0.2.5.orig.tar.gz"];
  await Deno.mkdir(join(mirror, "packs", "tar.gz"), { recursive: true });
  await Deno.copyFile(
    join(SOURCES_DIR, "libyaml_0.2.5.orig.tar.gz"),
    join(mirror, "packs", "tar.gz", key.split(":")[1]),
  );
  const cache = workerCache(join(dir.path, "cache"), [mirror]);
  const bundle = [{ name: "_hashdist/a", content: new TextEncoder().encode("a") }];
  const written = await cache.putHitPack(bundle);
  const plan = await planPrefetch([
    { key: written, packages: ["a"], bundle },
    { key: "files:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", packages: ["b"], bundle: [] },
    { key, url: "http://127.0.0.1:1/y", packages: ["c"] },
    { key: SOURCE_KEYS["patchelf-0.14.3.tar.gz"], url: "http://127.0.0.1:1/p", packages: ["d"] },
  ], cache);
  assert.deepEqual(plan.map((item) => [item.action, item.from]), [
    ["cached", undefined],
    ["write", undefined],
    ["copy", mirror],
    ["download", undefined],
  ]);
  // A mirror copy's size is known; a download's is not (no request is made to learn it).
  const size = (await Deno.stat(join(SOURCES_DIR, "libyaml_0.2.5.orig.tar.gz"))).size;
  assert.deepEqual(plan.map((item) => item.bytes), [undefined, undefined, size, undefined]);
  const text = renderBuildPlan({
    build: ["c", "d"],
    pull: [],
    present: [],
    profilePresent: false,
    sources: plan,
  });
  assert.deepEqual(text.split("\n").slice(0, 3), [
    "would fetch 1 sources, copy 1 from mirrors (1 already in the source cache); " +
    "83.1 KiB known, 1 of size unknown",
    `  copy from ${mirror}: "c": ${key} from "http://127.0.0.1:1/y" (83.1 KiB)`,
    `  download: "d": ${SOURCE_KEYS["patchelf-0.14.3.tar.gz"]} from "http://127.0.0.1:1/p" ` +
    "(size unknown)",
  ]);
});
