import assert from "node:assert/strict";
import type { MarkSources } from "../../src/core/gc.ts";
import type { GcRoot } from "../../src/core/gc_roots.ts";
import { matchArtifact, rootsUsing } from "../../src/core/purge.ts";
import type { StoredArtifact } from "../../src/core/stored_artifacts.ts";

const GREET = "greet/h3uvrmire33ihjf7ddadrkmsxm3lhdw5";
const GREET_OLD = "greet/h3uvzzzzzzzzhjf7ddadrkmsxm3lhdw5";
const TOOLS = "greet-tools/bvl3glyqooikrvhnfazhp52juuzkiac2";

function stored(id: string): StoredArtifact {
  const [name, hash] = id.split("/");
  return { name, short: hash.slice(0, 12), dir: `/s/${name}/${hash.slice(0, 12)}`, id };
}

const STORE = [
  stored(GREET),
  stored(GREET_OLD),
  stored(TOOLS),
  { name: "broken", short: "bbbbbbbbbbbb", dir: "/s/broken/bbbbbbbbbbbb" },
];

Deno.test("matchArtifact() takes a full id, NAME/SHORT or a unique prefix", () => {
  assert.equal(matchArtifact(STORE, GREET).id, GREET);
  assert.equal(matchArtifact(STORE, "greet/h3uvrmire33i").id, GREET);
  assert.equal(matchArtifact(STORE, "greet/h3uvr").id, GREET);
  assert.equal(matchArtifact(STORE, "greet-").id, TOOLS);
});

Deno.test("matchArtifact() names a folder without id by NAME/SHORT or a longer id", () => {
  assert.equal(matchArtifact(STORE, "broken/bbbbbbbbbbbb").dir, "/s/broken/bbbbbbbbbbbb");
  assert.equal(matchArtifact(STORE, "broken/bbbbbbbbbbbbcccc").dir, "/s/broken/bbbbbbbbbbbb");
});

Deno.test("matchArtifact() refuses an ambiguous prefix and lists the matches", () => {
  assert.throws(
    () => matchArtifact(STORE, "greet/h3uv"),
    (error: Error & { context: string[] }) => {
      assert.equal(error.message, 'purge "greet/h3uv": 2 artifacts match');
      assert.deepEqual(error.context, [GREET, GREET_OLD]);
      return true;
    },
  );
});

Deno.test("matchArtifact() reports no match with the folders of that name", () => {
  assert.throws(() => matchArtifact(STORE, "greet/zzz"), (error: Error & { hint: string }) => {
    assert.equal(error.message, 'purge "greet/zzz": no artifact in the store matches');
    assert.equal(error.hint, 'the store holds "greet/h3uvrmire33i", "greet/h3uvzzzzzzzz"');
    return true;
  });
  assert.throws(() => matchArtifact([], "x"), {
    message: 'purge "x": no artifact in the store matches',
  });
});

Deno.test("rootsUsing() finds the live roots that keep each target, as hit gc would", async () => {
  const roots: GcRoot[] = [
    {
      entry: "/r/_a",
      state: "live",
      link: "/u/a",
      artifact: { id: "profile/p", dir: "/s/profile/p", dependencies: [GREET, TOOLS] },
    },
    { entry: "/r/_b", state: "stale", link: "/u/b" },
    {
      entry: "/r/_c",
      state: "live",
      link: "/u/c",
      artifact: { id: TOOLS, dir: "/s/tools", dependencies: [] },
    },
  ];
  // The profile names greet in its files; tools is only a build dependency of it.
  const sources: MarkSources = {
    dirOf: (id) => `/s/${id}`,
    dependencies: () => Promise.resolve([]),
    references: (dir, candidates) =>
      Promise.resolve(
        new Set(dir === "/s/profile/p" ? candidates.filter((id) => id === GREET) : []),
      ),
    allIds: () => [],
  };
  const targets = [stored(GREET), stored(TOOLS), stored(GREET_OLD)];
  const users = await rootsUsing(roots, targets, sources);
  assert.deepEqual(users.get(targets[0])?.map((root) => root.entry), ["/r/_a"]);
  assert.deepEqual(users.get(targets[1])?.map((root) => root.entry), ["/r/_c"]);
  assert.equal(users.has(targets[2]), false);
});
