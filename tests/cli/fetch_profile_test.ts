import assert from "node:assert/strict";
import {
  applyPrefetchEvent,
  prefetchFailedError,
  type PrefetchProgress,
  renderPrefetchEvent,
  renderPrefetchPlan,
  renderPrefetchProgress,
  renderPrefetchSummary,
} from "../../src/cli/fetch_profile.ts";
import { MissingSourceError } from "../../src/core/source_cache.ts";
import { HitError } from "../../src/errors.ts";
import type { NeededSource } from "../../src/stages/missing_sources.ts";

const ZLIB: NeededSource = {
  key: "tar.bz2:oh7lpfd6hqao6es7qo3zutsstppdcfy6",
  url: "http://127.0.0.1:1/zlib.tar.bz2",
  packages: ["zlib"],
};
const PNG: NeededSource = {
  key: "tar.gz:uahj2lzpmzaynzbafw4ste4x7bi25jy3",
  url: "http://127.0.0.1:1/png.tar.gz",
  packages: ["png"],
};
const BUNDLE: NeededSource = {
  key: "files:kwg2gvl3awht3xuzep2xrdte3oxmgnly",
  packages: ["greeting"],
  bundle: [],
};

Deno.test("applyPrefetchEvent() tracks running, finished, failed sources and bytes", () => {
  let state: PrefetchProgress = {
    total: 3,
    done: 0,
    failed: 0,
    running: [],
    bytes: 0,
    elapsedMs: 0,
  };
  state = applyPrefetchEvent(state, { type: "start", source: ZLIB });
  state = applyPrefetchEvent(state, { type: "start", source: PNG });
  state = applyPrefetchEvent(state, { type: "progress", source: ZLIB, bytes: 10, total: 20 });
  assert.deepEqual(state.running, ["zlib", "png"]);
  assert.deepEqual(state.downloads, { zlib: { bytes: 10, total: 20 } });
  assert.equal(renderPrefetchProgress(state), "[0/3] fetching zlib (10 B / 20 B), png  10 B");
  state = applyPrefetchEvent(state, { type: "done", source: ZLIB, status: "fetched", bytes: 2048 });
  state = applyPrefetchEvent(state, { type: "failed", source: PNG, error: new HitError("x") });
  assert.deepEqual(state, {
    total: 3,
    done: 2,
    failed: 1,
    running: [],
    bytes: 2048,
    downloads: {},
    elapsedMs: 0,
  });
});

Deno.test("renderPrefetchProgress() shows counts, what runs, bytes and rate within the width", () => {
  const state = {
    total: 12,
    done: 5,
    failed: 0,
    running: ["zlib", "png"],
    bytes: 3 << 20,
    elapsedMs: 2000,
  };
  assert.equal(renderPrefetchProgress(state), "[5/12] fetching zlib, png  3.0 MiB  1.5 MiB/s");
  assert.equal(
    renderPrefetchProgress({ ...state, failed: 1, running: [], bytes: 0 }),
    "[5/12, 1 failed]  0 B",
  );
  assert.equal(renderPrefetchProgress(state, 20), "[5/12] fetching zli…");
});

Deno.test("renderPrefetchEvent() prints fetched and failed sources only", () => {
  assert.equal(
    renderPrefetchEvent({ type: "done", source: ZLIB, status: "fetched", bytes: 1536 }),
    `fetched "zlib": ${ZLIB.key} from "${ZLIB.url}" (1.5 KiB)\n`,
  );
  assert.equal(
    renderPrefetchEvent({
      type: "done",
      source: ZLIB,
      status: "fetched",
      bytes: 1536,
      seconds: 0.25,
    }),
    `fetched "zlib": ${ZLIB.key} from "${ZLIB.url}" (1.5 KiB in 0.3 s)\n`,
  );
  assert.equal(
    renderPrefetchEvent({ type: "failed", source: PNG, error: new HitError("x") }),
    `failed "png": ${PNG.key} from "${PNG.url}"\n`,
  );
  assert.equal(
    renderPrefetchEvent({ type: "done", source: ZLIB, status: "cached", bytes: 0 }),
    undefined,
  );
  assert.equal(renderPrefetchEvent({ type: "start", source: ZLIB }), undefined);
});

Deno.test("renderPrefetchSummary() says sources, cached, bytes fetched and failures", () => {
  const summary = {
    sources: 12,
    cached: 3,
    fetched: 7,
    written: 2,
    bytes: 14.2 * 2 ** 20,
    failures: [],
  };
  assert.equal(renderPrefetchSummary(summary), "12 sources, 3 already cached, 14.2 MiB fetched\n");
  assert.equal(
    renderPrefetchSummary({ ...summary, failures: [{ source: PNG, error: new HitError("x") }] }),
    "12 sources, 3 already cached, 14.2 MiB fetched, 1 failed\n",
  );
});

Deno.test("renderPrefetchPlan() lists what a fetch would do and from where", () => {
  assert.equal(
    renderPrefetchPlan([
      { source: ZLIB, action: "cached" },
      { source: BUNDLE, action: "write" },
      { source: PNG, action: "copy", from: "/media/usb/b" },
      { source: { ...ZLIB, packages: ["zlib", "png"] }, action: "download" },
    ]),
    "would fetch 3 of 4 sources (1 already cached):\n" +
      `  "greeting": ${BUNDLE.key} (build-script bundle, written)\n` +
      `  "png": ${PNG.key} from "${PNG.url}" (from mirror "/media/usb/b")\n` +
      `  "zlib", "png": ${ZLIB.key} from "${ZLIB.url}"\n`,
  );
  assert.equal(
    renderPrefetchPlan([{ source: ZLIB, action: "cached" }]),
    "would fetch 0 of 1 sources (1 already cached)\n",
  );
});

Deno.test("prefetchFailedError() names package, key, URL and reason of every failure", () => {
  const error = prefetchFailedError([
    {
      source: ZLIB,
      error: new HitError(`fetch "${ZLIB.key}": every source failed`, {
        context: [`tried "${ZLIB.url}": HTTP 404 Not Found`],
      }),
    },
    {
      source: PNG,
      error: new MissingSourceError(PNG.key, `missing source "${PNG.key}" (offline)`),
    },
  ], 5);
  assert.equal(error.message, "fetch: 2 of 5 sources failed");
  assert.deepEqual(error.context, [
    `"zlib": ${ZLIB.key} from "${ZLIB.url}": fetch "${ZLIB.key}": every source failed`,
    `  tried "${ZLIB.url}": HTTP 404 Not Found`,
    `"png": ${PNG.key} from "${PNG.url}": missing source "${PNG.key}" (offline)`,
  ]);
  assert.match(error.hint!, /check the URLs/);
});
