import assert from "node:assert/strict";
import { join } from "node:path";
import { FAILED_BUILD_AGE_MS, removeFailedBuilds } from "../../src/core/failed_builds.ts";
import { makeTempDir } from "../e2e/_run_cli.ts";

Deno.test("removeFailedBuilds() removes failed build folders older than the cut-off, nothing else", async () => {
  await using dir = await makeTempDir();
  const old = new Date(Date.now() - 2 * FAILED_BUILD_AGE_MS);
  const names = [
    "zlib-abcdefghijkl",
    "zlib-abcdefghijkl-1",
    "new-mnopqrstuvwx",
    "zlib-abcdefghijkl-bdir-x1",
  ];
  for (const name of [...names, "notes"]) {
    await Deno.mkdir(join(dir.path, name, "_hashdist"), { recursive: true });
    await Deno.writeTextFile(join(dir.path, name, "_hashdist", "build.log"), "log\n");
  }
  for (
    const name of ["zlib-abcdefghijkl", "zlib-abcdefghijkl-1", "zlib-abcdefghijkl-bdir-x1", "notes"]
  ) {
    await Deno.utime(join(dir.path, name), old, old);
  }
  const cutoff = Date.now() - FAILED_BUILD_AGE_MS;
  const planned = await removeFailedBuilds(dir.path, { olderThan: cutoff, dryRun: true });
  assert.deepEqual(planned.map((build) => build.dir), [
    join(dir.path, "zlib-abcdefghijkl"),
    join(dir.path, "zlib-abcdefghijkl-1"),
  ]);
  assert.ok((await Deno.stat(join(dir.path, "zlib-abcdefghijkl"))).isDirectory, "dry run");
  await removeFailedBuilds(dir.path, { olderThan: cutoff, dryRun: false });
  const left = (await Array.fromAsync(Deno.readDir(dir.path))).map((entry) => entry.name).sort();
  assert.deepEqual(left, ["new-mnopqrstuvwx", "notes", "zlib-abcdefghijkl-bdir-x1"]);
  const all = await removeFailedBuilds(dir.path, { olderThan: Infinity, dryRun: false });
  assert.deepEqual(all.map((build) => build.dir), [join(dir.path, "new-mnopqrstuvwx")]);
});
