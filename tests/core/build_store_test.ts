import assert from "node:assert/strict";
import { join } from "node:path";
import {
  artifactDir,
  artifactState,
  ArtifactWrite,
  formatStoreJson,
  makeArtifactJson,
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

Deno.test("ArtifactWrite commits a write-protected staging folder, with the store files, id last", async () => {
  await withStore(async (root) => {
    const write = await ArtifactWrite.begin(root, ID, { staged: true });
    assert.ok(write);
    assert.notEqual(write.outputDir, write.dir);
    assert.equal((await Deno.stat(write.outputDir)).mode! & 0o777, 0o755);
    assert.equal(await artifactState(root, ID), "missing");
    await Deno.writeTextFile(join(write.outputDir, "lib.a"), "x");
    // A build's own `id` (maybe a symlink) is replaced, never written through.
    await Deno.symlink("/etc/hostname", join(write.outputDir, "id"));
    await Deno.chmod(write.outputDir, 0o555);
    const spec = { name: "zlib", build: { import: [] } };
    const logPath = await Deno.makeTempFile({ prefix: "hit-log-" });
    await Deno.writeTextFile(logPath, "built\n");
    using log = await Deno.open(logPath, { read: true });
    await write.commit({ log, spec, artifactJson: await write.describe(spec, "none") });
    await Deno.remove(logPath);
    await write[Symbol.asyncDispose]();
    assert.equal(await artifactState(root, ID), "built");
    assert.equal((await Deno.stat(write.dir)).mode! & 0o777, 0o555);
    assert.equal(await Deno.readTextFile(join(write.dir, "id")), ID + "\n");
    assert.equal(
      JSON.parse(await Deno.readTextFile(join(write.dir, "artifact.json"))).name,
      "zlib",
    );
    await assert.rejects(Deno.stat(write.outputDir), Deno.errors.NotFound);
    // Once built, begin() answers that there is nothing to write.
    assert.equal(await ArtifactWrite.begin(root, ID, { staged: true }), undefined);
  });
});

Deno.test("ArtifactWrite keeps the first commit when another process committed meanwhile", async () => {
  await withStore(async (root) => {
    const first = await ArtifactWrite.begin(root, ID, { staged: true });
    assert.ok(first);
    await Deno.writeTextFile(join(first.outputDir, "id"), ID + "\n");
    await first.commit();
    await first[Symbol.asyncDispose]();
    // The loser: its staging folder was made before the winner committed.
    await Deno.remove(join(artifactDir(root, ID), "id"));
    const second = await ArtifactWrite.begin(root, ID, { staged: true });
    assert.ok(second);
    await Deno.mkdir(artifactDir(root, ID), { recursive: true });
    await Deno.writeTextFile(join(artifactDir(root, ID), "id"), ID + "\n");
    await Deno.writeTextFile(join(second.outputDir, "id"), ID + "\n");
    await second.commit();
    await second[Symbol.asyncDispose]();
    await assert.rejects(Deno.stat(second.outputDir), Deno.errors.NotFound);
  });
});

Deno.test("ArtifactWrite discards on dispose: an unsandboxed half-built folder leaves no trace", async () => {
  await withStore(async (root) => {
    {
      await using write = await ArtifactWrite.begin(root, ID, { staged: false });
      assert.ok(write);
      assert.equal(write.outputDir, write.dir);
      await Deno.writeTextFile(join(write.outputDir, "half"), "x");
    }
    assert.equal(await artifactState(root, ID), "missing");
    // A folder without `id` (a killed build) is removed by the next begin().
    await Deno.mkdir(join(artifactDir(root, ID), "junk"), { recursive: true });
    await using again = await ArtifactWrite.begin(root, ID, { staged: true });
    assert.equal(await artifactState(root, ID), "missing");
    assert.ok(again);
  });
});
