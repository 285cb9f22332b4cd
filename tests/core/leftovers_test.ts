import assert from "node:assert/strict";
import { join } from "node:path";
import { exists } from "../../src/core/exists.ts";
import { KEPT_MARKER, reclaimLeftovers } from "../../src/core/leftovers.ts";

/** A store and build_temp with one leftover of each kind, and things that are not leftovers. */
async function makeLayout(root: string): Promise<{ store: string; buildTemp: string }> {
  const store = join(root, "bld");
  const buildTemp = join(root, "tmp");
  const dirs = [
    join(store, ".staging", "zlib-aaaaaaaaaaaa-x1y2z3"),
    join(store, "zlib", "aaaaaaaaaaaa"),
    join(store, "done", "bbbbbbbbbbbb"),
    join(buildTemp, "zlib-aaaaaaaaaaaa", "job"),
    join(buildTemp, "zlib-aaaaaaaaaaaa-1"),
    join(buildTemp, "kept-cccccccccccc", "_hashdist"),
    join(buildTemp, "zlib-aaaaaaaaaaaa-bdir-x1y2z3", "_hashdist"),
    join(buildTemp, "someone-elses", "job"),
    join(buildTemp, "photos-dddddddddddd", "holiday"),
  ];
  for (const dir of dirs) await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(store, "zlib", "aaaaaaaaaaaa", "half"), "x");
  await Deno.writeTextFile(join(store, "done", "bbbbbbbbbbbb", "id"), "done/bbbbbbbbbbbbzz\n");
  await Deno.writeTextFile(join(buildTemp, "kept-cccccccccccc", KEPT_MARKER), "");
  return { store, buildTemp };
}

function tree(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.isDirectory || entry.name === ".locks") continue;
    const path = join(dir, entry.name);
    out.push(path.slice(root.length + 1), ...tree(root, path));
  }
  return out.sort();
}

Deno.test("reclaimLeftovers() removes staging folders, build folders and folders without id, and nothing else", async () => {
  const root = await Deno.makeTempDir({ prefix: "hit-leftovers-" });
  try {
    const layout = await makeLayout(root);
    const planned = await reclaimLeftovers({ ...layout, dryRun: true });
    assert.equal(planned.length, 4);
    const removed = await reclaimLeftovers(layout);
    assert.deepEqual(removed.map(({ kind, path }) => [kind, path.slice(root.length + 1)]), [
      ["staging", "bld/.staging/zlib-aaaaaaaaaaaa-x1y2z3"],
      ["build", "tmp/zlib-aaaaaaaaaaaa"],
      ["build", "tmp/zlib-aaaaaaaaaaaa-1"],
      ["incomplete", "bld/zlib/aaaaaaaaaaaa"],
    ]);
    assert.ok(removed[3].bytes > 0);
    assert.deepEqual(tree(root), [
      "bld",
      "bld/.staging",
      "bld/done",
      "bld/done/bbbbbbbbbbbb",
      "bld/zlib",
      "tmp",
      "tmp/kept-cccccccccccc",
      "tmp/kept-cccccccccccc/_hashdist",
      "tmp/photos-dddddddddddd",
      "tmp/photos-dddddddddddd/holiday",
      "tmp/someone-elses",
      "tmp/someone-elses/job",
      "tmp/zlib-aaaaaaaaaaaa-bdir-x1y2z3",
      "tmp/zlib-aaaaaaaaaaaa-bdir-x1y2z3/_hashdist",
    ]);
    const kept = await reclaimLeftovers({ ...layout, keptBuilds: true });
    assert.deepEqual(kept.map(({ kind }) => kind), ["kept-build"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("reclaimLeftovers() leaves alone what another process holds the artifact's lock for", async () => {
  const root = await Deno.makeTempDir({ prefix: "hit-leftovers-" });
  const layout = await makeLayout(root);
  const lock = join(layout.store, ".locks", "zlib-aaaaaaaaaaaa.lock");
  await Deno.mkdir(join(layout.store, ".locks"));
  await Deno.writeTextFile(join(root, "go"), "");
  // A real other process holds the lock, as a running build does, until `go` is removed.
  const holder = new Deno.Command("flock", {
    args: [
      lock,
      "sh",
      "-c",
      `touch "${root}/held"; while [ -e "${root}/go" ]; do sleep 0.05; done`,
    ],
  }).spawn();
  try {
    for (let i = 0; i < 2400 && !(await exists(join(root, "held"))); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const removed = await reclaimLeftovers(layout);
    assert.deepEqual(removed, []);
    assert.ok(Deno.statSync(join(layout.store, ".staging", "zlib-aaaaaaaaaaaa-x1y2z3")));
    assert.ok(Deno.statSync(join(layout.buildTemp, "zlib-aaaaaaaaaaaa")));
    assert.ok(Deno.statSync(join(layout.store, "zlib", "aaaaaaaaaaaa")));
  } finally {
    await Deno.remove(join(root, "go"));
    await holder.status;
  }
  try {
    assert.equal((await reclaimLeftovers(layout)).length, 4);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
