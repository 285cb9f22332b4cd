import assert from "node:assert/strict";
import { join } from "node:path";
import {
  diskUsage,
  listStoredArtifacts,
  parseArtifactJson,
  removeArtifact,
} from "../../src/core/stored_artifacts.ts";
import { makeStoreFixture, storeFolders, writeArtifact } from "./_store_fixture.ts";

const APP = "app/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

Deno.test("listStoredArtifacts() lists artifact folders with their ids, not the store's own", async () => {
  await using fixture = await makeStoreFixture();
  await writeArtifact(fixture.store, APP);
  await Deno.mkdir(join(fixture.store, "broken", "bbbbbbbbbbbb"), { recursive: true });
  await Deno.mkdir(join(fixture.store, ".staging", "app-1"), { recursive: true });
  await Deno.mkdir(join(fixture.store, ".locks"));
  await Deno.writeTextFile(join(fixture.store, "README"), "");
  const stored = await listStoredArtifacts(fixture.store);
  assert.deepEqual(stored, [
    { name: "app", short: "aaaaaaaaaaaa", dir: join(fixture.store, "app/aaaaaaaaaaaa"), id: APP },
    {
      name: "broken",
      short: "bbbbbbbbbbbb",
      dir: join(fixture.store, "broken/bbbbbbbbbbbb"),
      id: undefined,
    },
  ]);
});

Deno.test("removeArtifact() removes a write-protected artifact, but not one that changed", async () => {
  await using fixture = await makeStoreFixture();
  await writeArtifact(fixture.store, APP, { files: { "bin/app": "x" }, writeProtect: true });
  const [stored] = await listStoredArtifacts(fixture.store);
  assert.equal(await removeArtifact(fixture.store, { ...stored, id: `${APP}x` }), false);
  assert.equal(await removeArtifact(fixture.store, stored), true);
  assert.deepEqual(await storeFolders(fixture.store), []);
  assert.equal(await removeArtifact(fixture.store, stored), false);
});

Deno.test("diskUsage() counts allocated blocks, and hard-linked files once", async () => {
  await using fixture = await makeStoreFixture();
  const dir = join(fixture.root, "d");
  await Deno.mkdir(dir);
  await Deno.writeFile(join(dir, "a"), new Uint8Array(100_000));
  const one = await diskUsage(dir);
  await Deno.link(join(dir, "a"), join(dir, "b"));
  assert.equal(await diskUsage(dir), one);
  assert.ok(one >= 100_000);
});

Deno.test("parseArtifactJson() reads id and dependencies, and rejects anything else", () => {
  assert.deepEqual(parseArtifactJson('{"id": "a/b", "dependencies": ["c/d"], "name": "a"}'), {
    id: "a/b",
    dependencies: ["c/d"],
  });
  assert.equal(parseArtifactJson('{"id": "a/b"}'), undefined);
  assert.equal(parseArtifactJson('{"id": "a/b", "dependencies": [1]}'), undefined);
  assert.equal(parseArtifactJson("not json"), undefined);
});
