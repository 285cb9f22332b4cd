import assert from "node:assert/strict";
import { join } from "node:path";
import {
  collectGarbage,
  gcLockPath,
  holdBuildLock,
  holdGcLock,
  markLive,
  type MarkSources,
  planSweep,
} from "../../src/core/gc.ts";
import type { GcRoot } from "../../src/core/gc_roots.ts";
import type { StoredArtifact } from "../../src/core/stored_artifacts.ts";
import {
  linkFixtureProfile,
  makeStoreFixture,
  storeFolders,
  writeArtifact,
} from "./_store_fixture.ts";

const PROFILE = "profile/pppppppppppppppppppppppppppppppp";
const APP = "app/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const LIB = "lib/llllllllllllllllllllllllllllllll";
const TOOL = "tool/tttttttttttttttttttttttttttttttt";
const OLD = "old/oooooooooooooooooooooooooooooooo";

function liveRoot(id: string, dependencies: string[]): GcRoot {
  return {
    entry: `/roots/_${id}`,
    state: "live",
    link: `/u/${id}`,
    artifact: { id, dir: `/s/${id}`, dependencies },
  };
}

/** Sources where `refers[id]` lists what artifact `id` (folder `/s/<id>`) refers to. */
function sourcesOf(
  deps: Record<string, string[] | undefined>,
  refers: Record<string, string[]>,
  searched: string[][] = [],
): MarkSources {
  return {
    dirOf: (id) => `/s/${id}`,
    dependencies: (id) => Promise.resolve(deps[id]),
    references(dir, candidates) {
      searched.push([dir, ...candidates]);
      const id = dir.slice("/s/".length);
      return Promise.resolve(new Set((refers[id] ?? []).filter((ref) => candidates.includes(ref))));
    },
    allIds: () => Object.keys(deps),
  };
}

Deno.test('markLive() under "build" keeps each live root and all its dependencies', async () => {
  const roots: GcRoot[] = [
    liveRoot(PROFILE, [APP, LIB, TOOL]),
    { entry: "/roots/_stale", state: "stale", link: "/u/gone" },
    { entry: "/roots/README", state: "other" },
  ];
  const live = await markLive(roots, "build", sourcesOf({}, {}));
  assert.deepEqual([...live].sort(), [APP, LIB, PROFILE, TOOL]);
});

Deno.test('markLive() under "run" keeps what kept artifacts refer to, transitively', async () => {
  const searched: string[][] = [];
  const sources = sourcesOf(
    { [APP]: [LIB, TOOL], [LIB]: [], [TOOL]: [] },
    { [PROFILE]: [APP], [APP]: [LIB] },
    searched,
  );
  const live = await markLive([liveRoot(PROFILE, [APP, LIB, TOOL])], "run", sources);
  assert.deepEqual([...live].sort(), [APP, LIB, PROFILE]);
  // The profile is searched for all its dependencies; app only for what is not kept yet.
  // lib has no dependencies left to look for, so it is not searched at all.
  assert.deepEqual(searched, [[`/s/${PROFILE}`, APP, LIB, TOOL], [`/s/${APP}`, LIB, TOOL]]);
});

Deno.test("markLive() searches an artifact with unknown dependencies for every stored id", async () => {
  const sources = sourcesOf(
    { [APP]: undefined, [LIB]: [], [TOOL]: [], [OLD]: [] },
    { [PROFILE]: [APP], [APP]: [OLD] },
  );
  const live = await markLive([liveRoot(PROFILE, [APP])], "run", sources);
  assert.deepEqual([...live].sort(), [APP, OLD, PROFILE]);
});

Deno.test("planSweep() removes unmarked artifacts and leaves folders without id alone", () => {
  const stored = (name: string, id?: string): StoredArtifact => ({
    name,
    short: "x",
    dir: `/s/${name}/x`,
    id,
  });
  const plan = planSweep(
    [stored("app", APP), stored("tool", TOOL), stored("broken")],
    new Set([APP]),
  );
  assert.deepEqual(plan.keep.map((a) => a.name), ["app"]);
  assert.deepEqual(plan.remove.map((a) => a.name), ["tool"]);
  assert.deepEqual(plan.incomplete.map((a) => a.name), ["broken"]);
});

Deno.test("holdGcLock() waits for every build lock and says so; build locks share", async () => {
  await using fixture = await makeStoreFixture();
  const first = await holdBuildLock(fixture.store);
  const second = await holdBuildLock(fixture.store, { onWait: () => assert.fail("waited") });
  let waited = false;
  let held = false;
  const gc = holdGcLock(fixture.store, { onWait: () => waited = true }).then((lock) => {
    held = true;
    return lock;
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(waited, true);
  assert.equal(held, false);
  first.release();
  second.release();
  (await gc).release();
  assert.equal(held, true);
  assert.equal(gcLockPath(fixture.store), join(fixture.store, ".locks", "gc.lock"));
});

/** A store with a profile linking app, app naming lib, tool used by nobody, and debris. */
async function writeStack(store: string): Promise<void> {
  await writeArtifact(store, TOOL, { files: { "bin/gen": "#!/bin/sh\n" } });
  await writeArtifact(store, LIB, { files: { "share/message": "hello\n" } });
  await writeArtifact(store, APP, {
    dependencies: [LIB, TOOL],
    files: { "bin/app": `#!/bin/sh\ncat ${store}/lib/llllllllllll/share/message\n` },
    writeProtect: true,
  });
  await writeArtifact(store, PROFILE, {
    dependencies: [APP, LIB, TOOL],
    symlinks: { "bin/app": "../../../app/aaaaaaaaaaaa/bin/app" },
    writeProtect: true,
  });
  await writeArtifact(store, OLD);
  await Deno.mkdir(join(store, "broken", "bbbbbbbbbbbb"), { recursive: true });
  await Deno.mkdir(join(store, ".staging", "app-x"), { recursive: true });
  await Deno.mkdir(join(store, ".locks"), { recursive: true });
  await Deno.writeTextFile(join(store, ".locks", "old-oooooooooooo.lock"), "");
}

Deno.test("collectGarbage() removes stale roots and what no root keeps; skips folders without id", async () => {
  await using fixture = await makeStoreFixture();
  await writeStack(fixture.store);
  await linkFixtureProfile(fixture, PROFILE, "stack");
  const gone = await linkFixtureProfile(fixture, OLD, "gone");
  await Deno.remove(gone);
  const events: string[] = [];
  const result = await collectGarbage(fixture.store, fixture.gcRoots, {
    policy: "run",
    dryRun: false,
    onEvent: (event) => events.push(event.type),
  });
  assert.deepEqual(result.staleRoots.map((root) => root.link), [gone]);
  assert.deepEqual(result.removed.map((removed) => removed.id), [OLD, TOOL]);
  assert.ok(result.bytes > 0);
  assert.equal(result.kept, 3);
  assert.deepEqual(result.skipped, [join(fixture.store, "broken", "bbbbbbbbbbbb")]);
  assert.deepEqual(events, ["stale-root", "incomplete", "removed", "removed"]);
  assert.deepEqual(await storeFolders(fixture.store), [
    "app/aaaaaaaaaaaa",
    "broken/bbbbbbbbbbbb",
    "lib/llllllllllll",
    "profile/pppppppppppp",
  ]);
  assert.equal([...Deno.readDirSync(fixture.gcRoots)].length, 1);
  assert.ok(Deno.statSync(join(fixture.store, ".staging", "app-x")).isDirectory);
  assert.ok(Deno.statSync(join(fixture.store, ".locks", "old-oooooooooooo.lock")).isFile);
});

Deno.test('collectGarbage() under "build" keeps build-only dependencies; a dry run removes nothing', async () => {
  await using fixture = await makeStoreFixture();
  await writeStack(fixture.store);
  await linkFixtureProfile(fixture, PROFILE, "stack");
  const before = await storeFolders(fixture.store);
  const dry = await collectGarbage(fixture.store, fixture.gcRoots, { policy: "run", dryRun: true });
  assert.deepEqual(dry.removed.map((removed) => removed.id), [OLD, TOOL]);
  assert.deepEqual(await storeFolders(fixture.store), before);
  const build = await collectGarbage(fixture.store, fixture.gcRoots, {
    policy: "build",
    dryRun: false,
  });
  assert.deepEqual(build.removed.map((removed) => removed.id), [OLD]);
  assert.equal(build.kept, 4);
});
