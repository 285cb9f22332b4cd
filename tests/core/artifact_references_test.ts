import assert from "node:assert/strict";
import { join } from "node:path";
import { findReferences } from "../../src/core/artifact_references.ts";
import { makeStoreFixture, writeArtifact } from "./_store_fixture.ts";

const LIB = "lib/llllllllllllllllllllllllllllllll";
const TOOL = "tool/tttttttttttttttttttttttttttttttt";
const APP = "app/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

Deno.test("findReferences() finds NAME/SHORT in file bytes and symlink targets", async () => {
  await using fixture = await makeStoreFixture();
  const dir = await writeArtifact(fixture.store, APP, {
    dependencies: [LIB, TOOL],
    files: { "lib/libapp.so": `\0\x7fELF\0RPATH=/s/lib/llllllllllll/lib\0` },
    symlinks: { "bin/tool": "../../tool/tttttttttttt/bin/tool" },
  });
  assert.deepEqual([...await findReferences(dir, [LIB, TOOL])].sort(), [LIB, TOOL]);
});

Deno.test("findReferences() ignores the store's metadata files, which name every import", async () => {
  await using fixture = await makeStoreFixture();
  const dir = await writeArtifact(fixture.store, APP, {
    dependencies: [LIB, TOOL],
    files: { "share/doc/build.json": '{"id": "tool/tttttttttttttttttttttttttttttttt"}' },
  });
  // build.json and artifact.json at the top name both; only the nested copy counts.
  assert.deepEqual([...await findReferences(dir, [LIB, TOOL])], [TOOL]);
});

Deno.test("findReferences() sees a reference split across two reads", async () => {
  await using fixture = await makeStoreFixture();
  const chunk = 1 << 20;
  const padding = "x".repeat(chunk - 5);
  const dir = await writeArtifact(fixture.store, APP, {
    files: { "data.bin": `${padding}/lib/llllllllllll/rest` },
  });
  assert.deepEqual([...await findReferences(dir, [LIB])], [LIB]);
});

Deno.test("findReferences() needs the name before the short hash", async () => {
  await using fixture = await makeStoreFixture();
  const dir = await writeArtifact(fixture.store, APP, {
    files: { "a.txt": "/other/llllllllllll/ and llllllllllll" },
  });
  assert.deepEqual([...await findReferences(dir, [LIB])], []);
});

Deno.test("findReferences() of a missing folder is empty", async () => {
  await using fixture = await makeStoreFixture();
  assert.deepEqual([...await findReferences(join(fixture.store, "none"), [LIB])], []);
});
