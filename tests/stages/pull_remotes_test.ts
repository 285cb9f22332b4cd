/**
 * `pullFromRemotes()`: remotes asked in order, a failing one reported as a warning and the next
 * one asked, and undefined when none holds the artifact. Real folder remotes, real stores.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pushArtifact } from "../../src/core/artifact_push.ts";
import { artifactState } from "../../src/core/build_store.ts";
import { openRemote } from "../../src/core/remotes.ts";
import { pullFromRemotes } from "../../src/stages/pull_remotes.ts";
import { makeStoreFixture, writeArtifact } from "../core/_store_fixture.ts";

const ID = "zlib/cwfxs3bhjvlxoczwlxlexklpeoewybcn";

Deno.test("pullFromRemotes() warns about a damaged remote and pulls from the next", async () => {
  await using a = await makeStoreFixture();
  await using b = await makeStoreFixture();
  await writeArtifact(a.store, ID, { files: { "lib/libz.a": "z".repeat(4000) } });
  const places = { env: {}, configDir: "/nonexistent" };
  const open = (name: string) =>
    openRemote({
      name,
      url: `file://${join(a.root, name)}`,
      push: true,
      trust: [],
      trustUnsigned: true,
    }, places);
  const [damaged, good, empty] = [await open("damaged"), await open("good"), await open("empty")];
  for (const target of [damaged, good]) {
    await pushArtifact(target, a.store, ID, { tempParent: a.root });
  }
  const blobs = join(a.root, "damaged", "zlib", "blobs", "sha256");
  for await (const entry of Deno.readDir(blobs)) {
    await Deno.writeTextFile(join(blobs, entry.name), "not the layer");
  }
  const warnings: string[] = [];
  const onWarning = (name: string, message: string) => warnings.push(`${name}: ${message}`);

  const none = pullFromRemotes([empty], b.store, onWarning);
  assert.equal(await none("zlib", ID), undefined);
  assert.deepEqual(warnings, []);

  const pull = pullFromRemotes([empty, damaged, good], b.store, onWarning);
  const from = await pull("zlib", ID);
  assert.equal(from?.remote, "good");
  assert.ok(from.bytes > 0);
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /^zlib: download sha256:\w+ from remote "damaged" .*; building it here instead$/,
  );
  assert.equal(await artifactState(b.store, ID), "built");
});
