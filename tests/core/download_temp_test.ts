import assert from "node:assert/strict";
import { join } from "node:path";
import { reclaimDownloads, withDownloadTemp } from "../../src/core/download_temp.ts";
import { listDir, makeTempDir } from "./_source_fixtures.ts";

const HOUR = 60 * 60 * 1000;

Deno.test("withDownloadTemp() removes the temp file when the work fails", async () => {
  await using dir = await makeTempDir();
  const error = await withDownloadTemp(dir.path, async (temp) => {
    await Deno.writeTextFile(temp, "partial");
    throw new Error("cut");
  }).catch((e) => e);
  assert.equal(error.message, "cut");
  assert.deepEqual(await listDir(dir.path), []);
});

Deno.test("reclaimDownloads() removes old unlocked downloads, keeps live and recent ones", async () => {
  await using dir = await makeTempDir();
  const dead = join(dir.path, "downloading-dead");
  const recent = join(dir.path, "downloading-recent");
  const other = join(dir.path, "writing-other");
  await Deno.writeTextFile(dead, "12345");
  await Deno.writeTextFile(recent, "1");
  await Deno.writeTextFile(other, "1");
  const old = new Date(Date.now() - 2 * HOUR);
  await Deno.utime(dead, old, old);
  await Deno.utime(other, old, old);
  let live = "";
  // A live download's lock keeps it, however old it looks.
  const reclaimed = await withDownloadTemp(dir.path, async (temp) => {
    live = temp;
    await Deno.utime(temp, old, old);
    return await reclaimDownloads({ tempDir: dir.path });
  });
  assert.deepEqual(reclaimed, { files: [dead], bytes: 5 });
  assert.deepEqual(
    await listDir(dir.path),
    [
      "downloading-recent",
      live.slice(dir.path.length + 1),
      "writing-other",
    ].sort(),
  );
  const later = await reclaimDownloads({ tempDir: dir.path }, { now: Date.now() + 2 * HOUR });
  assert.deepEqual(later.files.sort(), [live, recent].sort());
  assert.deepEqual(await reclaimDownloads({ tempDir: join(dir.path, "none") }), {
    files: [],
    bytes: 0,
  });
});
