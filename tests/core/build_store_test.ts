import assert from "node:assert/strict";
import { join } from "node:path";
import {
  artifactDir,
  artifactState,
  commitArtifact,
  formatStoreJson,
  makeArtifactJson,
  makeStagingDir,
  removeTree,
} from "../../src/core/build_store.ts";

async function withStore(work: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir();
  try {
    await work(root);
  } finally {
    await removeTree(root);
  }
}

const ID = "zlib/pplncnwkdganiw7n36ijdq6b6xus7dzt";

Deno.test("artifactDir() uses the name and the first 12 hash characters", () => {
  assert.equal(artifactDir("/s", ID), "/s/zlib/pplncnwkdgan");
});

Deno.test("artifactState() tells built, missing and incomplete apart, and detects collisions", async () => {
  await withStore(async (root) => {
    assert.equal(await artifactState(root, ID), "missing");
    await Deno.mkdir(artifactDir(root, ID), { recursive: true });
    assert.equal(await artifactState(root, ID), "incomplete");
    await Deno.writeTextFile(join(artifactDir(root, ID), "id"), ID + "\n");
    assert.equal(await artifactState(root, ID), "built");
    const other = ID.slice(0, -1) + "a";
    await assert.rejects(artifactState(root, other), /collide in first 12 chars/);
  });
});

Deno.test("formatStoreJson() writes Python 2's pretty layout (HASHDIST.md §6.2)", () => {
  assert.equal(
    formatStoreJson({
      name: "profile",
      id: "profile/guo5zi7ty7vz6sfhtutjyu5mturn72h6",
      version: "n",
      dependencies: [
        "alpha/6n52wcuvjw5tpswnohyeabwilx3jgshr",
        "beta/acvx3elfzewddmk7okiam7733tqkaqmr",
      ],
    }),
    `{
  "dependencies" : [
    "alpha/6n52wcuvjw5tpswnohyeabwilx3jgshr", 
    "beta/acvx3elfzewddmk7okiam7733tqkaqmr"
  ], 
  "id" : "profile/guo5zi7ty7vz6sfhtutjyu5mturn72h6", 
  "name" : "profile", 
  "version" : "n"
}`,
  );
  assert.equal(formatStoreJson({ a: [], b: {} }), '{\n  "a" : [], \n  "b" : {}\n}');
});

Deno.test("makeArtifactJson() lists imports and their dependencies, sorted", async () => {
  await withStore(async (root) => {
    const alpha = "alpha/6n52wcuvjw5tpswnohyeabwilx3jgshr";
    const beta = "beta/acvx3elfzewddmk7okiam7733tqkaqmr";
    await Deno.mkdir(artifactDir(root, beta), { recursive: true });
    await Deno.writeTextFile(
      join(artifactDir(root, beta), "artifact.json"),
      JSON.stringify({ name: "beta", id: beta, dependencies: [alpha] }),
    );
    const json = await makeArtifactJson(
      root,
      "gamma/x",
      { name: "gamma", build: { import: [{ id: beta, ref: "BETA" }] } },
      "bwrap",
    );
    assert.deepEqual(json, {
      name: "gamma",
      id: "gamma/x",
      dependencies: [alpha, beta],
      sandbox: "bwrap",
    });
    await assert.rejects(
      makeArtifactJson(root, "d/x", { name: "d", build: { import: [{ id: "no/such" }] } }, "none"),
      /import "no\/such" is not in the store/,
    );
  });
});

Deno.test("commitArtifact() renames a write-protected staging folder into place", async () => {
  await withStore(async (root) => {
    const staging = await makeStagingDir(root, ID);
    assert.equal((await Deno.stat(staging)).mode! & 0o777, 0o755);
    await Deno.writeTextFile(join(staging, "id"), ID + "\n");
    await Deno.chmod(staging, 0o555);
    await commitArtifact(staging, root, ID);
    assert.equal(await artifactState(root, ID), "built");
    assert.equal((await Deno.stat(artifactDir(root, ID))).mode! & 0o777, 0o555);
    // A second commit of the same artifact (another process won) keeps the first.
    const again = await makeStagingDir(root, ID);
    await Deno.writeTextFile(join(again, "id"), ID + "\n");
    await commitArtifact(again, root, ID);
    await assert.rejects(Deno.stat(again), Deno.errors.NotFound);
  });
});
