/**
 * Push and pull of artifacts against a real `docker-registry`, a folder remote and a static
 * HTTP site serving that folder: round trips, first-writer-wins, and every refusal (tampered
 * layer, wrong size, wrong key, unsigned, another id's manifest, non-relocatable, broken
 * transfer), each leaving the store unchanged.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pullArtifact } from "../../src/core/artifact_pull.ts";
import { pushArtifact, storedClosure } from "../../src/core/artifact_push.ts";
import { generateKeyPair, readSecretKey } from "../../src/core/artifact_signing.ts";
import { artifactDir, artifactState, removeTree } from "../../src/core/build_store.ts";
import { HitError } from "../../src/errors.ts";
import { openRemote, type Remote } from "../../src/core/remotes.ts";
import { makeStoreFixture, writeArtifact } from "./_store_fixture.ts";
import { hasRegistry, startRegistry } from "./_registry.ts";
import { serve } from "./_source_fixtures.ts";

const LIB = "libx/aaaabbbbccccddddeeeeffffgggghhhh";
const APP = "App/bbbbccccddddeeeeffffgggghhhhiiii";
const skip = !hasRegistry();
if (skip) console.log("skipping registry tests: docker-registry is not installed");

async function keys(dir: string) {
  const mine = await generateKeyPair(join(dir, "keys"), "builder");
  const other = await generateKeyPair(join(dir, "keys"), "stranger");
  return { secret: await readSecretKey(mine.secret), pub: mine.public, otherPub: other.public };
}

function remote(url: string, options: Partial<Remote> = {}): Remote {
  return { name: "test", url, push: true, trust: [], trustUnsigned: false, ...options };
}

async function open(r: Remote) {
  return await openRemote(r, { env: {}, configDir: "/nonexistent" });
}

async function stagingEmpty(store: string): Promise<boolean> {
  const entries = await Array.fromAsync(Deno.readDir(join(store, ".staging"))).catch(() => []);
  return entries.length === 0;
}

Deno.test({
  name: "pushArtifact() then pullArtifact() moves a signed closure between stores",
  ignore: skip,
  async fn() {
    await using a = await makeStoreFixture();
    await using b = await makeStoreFixture();
    await using registry = await startRegistry(a.root);
    const k = await keys(a.root);
    await writeArtifact(a.store, LIB, { files: { "lib/x.txt": "x".repeat(5000) } });
    await writeArtifact(a.store, APP, {
      dependencies: [LIB],
      files: { "bin/app": "#!/bin/sh\necho app\n" },
      symlinks: { "bin/lib": "../../../libx/aaaabbbbcccc/lib" },
      writeProtect: true,
    });
    const target = await open(remote(`oci+http://${registry.host}/hit`, { trust: [k.pub] }));
    const ids = await storedClosure(a.store, [APP]);
    assert.deepEqual(ids, [LIB, APP]);
    for (const id of ids) {
      const outcome = await pushArtifact(target, a.store, id, {
        secret: k.secret,
        tempParent: a.root,
      });
      assert.equal(outcome.status, "pushed");
    }
    const again = await pushArtifact(target, a.store, APP, {
      secret: k.secret,
      tempParent: a.root,
    });
    assert.deepEqual(again, { status: "present", bytes: 0 });

    // The app needs its dependency first.
    await assert.rejects(pullArtifact(target, b.store, APP), /dependency "libx\/.*" is not in/);
    assert.equal(await artifactState(b.store, APP), "missing");
    for (const id of ids) assert.equal((await pullArtifact(target, b.store, id)).status, "pulled");
    assert.equal((await pullArtifact(target, b.store, APP)).status, "present");
    const dir = artifactDir(b.store, APP);
    assert.equal(await Deno.readTextFile(join(dir, "bin/app")), "#!/bin/sh\necho app\n");
    assert.equal(await Deno.readLink(join(dir, "bin/lib")), "../../../libx/aaaabbbbcccc/lib");
    assert.equal((await Deno.readTextFile(join(dir, "bin/lib/x.txt"))).length, 5000);
    assert.equal(await Deno.readTextFile(join(dir, "id")), APP + "\n");
    assert.ok(await stagingEmpty(b.store));

    const absent = await pullArtifact(target, b.store, "libx/zzzzbbbbccccddddeeeeffffgggghhhh");
    assert.equal(absent.status, "absent");
  },
});

Deno.test({
  name: "pullArtifact() refuses a tampered layer, a wrong size and another id's manifest",
  ignore: skip,
  async fn() {
    await using a = await makeStoreFixture();
    await using b = await makeStoreFixture();
    await using registry = await startRegistry(a.root);
    await writeArtifact(a.store, LIB, { files: { "lib/x.txt": "payload ".repeat(100) } });
    const target = await open(remote(`oci+http://${registry.host}`, { trustUnsigned: true }));
    await pushArtifact(target, a.store, LIB, { tempParent: a.root });
    const repo = "libx";
    const tag = LIB.split("/")[1];
    const manifest = JSON.parse(
      new TextDecoder().decode(await target.store.readManifest(repo, tag)),
    );

    // Another id's manifest behind this id's tag (tags are mutable on registry 2.8).
    const other = "libx/zzzzbbbbccccddddeeeeffffgggghhhh";
    await target.store.writeManifest(repo, "zzzzbbbbccccddddeeeeffffgggghhhh", encode(manifest));
    await assert.rejects(pullArtifact(target, b.store, other), (error: HitError) => {
      assert.match(error.message, /the manifest is for "libx\/aaaa.*", not for "libx\/zzzz/);
      return true;
    });

    // A descriptor whose size is wrong: the registry does not check it (§1.4), the pull does.
    const wrongSize = structuredClone(manifest);
    wrongSize.layers[0].size += 10;
    await target.store.writeManifest(repo, tag, encode(wrongSize));
    await assert.rejects(pullArtifact(target, b.store, LIB), /got \d+ bytes, the manifest says/);

    // A layer whose bytes changed in the registry's storage.
    await target.store.writeManifest(repo, tag, encode(manifest));
    const hex = manifest.layers[0].digest.slice(7);
    const blob = join(
      registry.data,
      "docker/registry/v2/blobs/sha256",
      hex.slice(0, 2),
      hex,
      "data",
    );
    const bytes = await Deno.readFile(blob);
    bytes[bytes.length - 20] ^= 0xff;
    await Deno.writeFile(blob, bytes);
    await assert.rejects(pullArtifact(target, b.store, LIB), /corrupted: its digest is/);
    assert.equal(await artifactState(b.store, LIB), "missing");
    assert.ok(await stagingEmpty(b.store));
  },
});

Deno.test({
  name: "pullArtifact() refuses unsigned artifacts and unknown keys unless trusted-unsigned",
  ignore: skip,
  async fn() {
    await using a = await makeStoreFixture();
    await using b = await makeStoreFixture();
    await using registry = await startRegistry(a.root);
    const k = await keys(a.root);
    await writeArtifact(a.store, LIB, { files: { "a.txt": "a" } });
    await writeArtifact(a.store, APP, { files: { "b.txt": "b" } });
    const url = `oci+http://${registry.host}/site`;
    const pusher = await open(remote(url));
    await pushArtifact(pusher, a.store, LIB, { tempParent: a.root });
    await pushArtifact(pusher, a.store, APP, { secret: k.secret, tempParent: a.root });

    const trusting = await open(remote(url, { trust: [k.pub] }));
    await assert.rejects(pullArtifact(trusting, b.store, LIB), (error: HitError) => {
      assert.match(error.message, /the artifact is unsigned/);
      assert.match(error.hint ?? "", /--trust/);
      return true;
    });
    const stranger = await open(remote(url, { trust: [k.otherPub] }));
    await assert.rejects(
      pullArtifact(stranger, b.store, APP),
      /signature \(key "builder"\) matches no trusted key/,
    );
    const noKeys = await open(remote(url));
    await assert.rejects(pullArtifact(noKeys, b.store, APP), /the remote has no trusted keys/);
    assert.equal(await artifactState(b.store, APP), "missing");

    assert.equal((await pullArtifact(trusting, b.store, APP)).status, "pulled");
    const lax = await open(remote(url, { trustUnsigned: true }));
    assert.equal((await pullArtifact(lax, b.store, LIB)).status, "pulled");
  },
});

Deno.test({
  name: "pullArtifact() takes a non-relocatable artifact only into a store at its path",
  ignore: skip,
  async fn() {
    await using a = await makeStoreFixture();
    await using b = await makeStoreFixture();
    await using registry = await startRegistry(a.root);
    const own = `${artifactDir(a.store, LIB)}/bin/bzdiff`;
    await writeArtifact(a.store, LIB, {
      files: { "lib/rpath.txt": `-Wl,-rpath=${a.store}/x`, "bin/bzdiff": "diff" },
      // An absolute link into its own folder, as bzip2's `make install` leaves.
      symlinks: { "bin/bzcmp": own },
    });
    const target = await open(remote(`oci+http://${registry.host}`, { trustUnsigned: true }));
    await pushArtifact(target, a.store, LIB, { tempParent: a.root });
    await assert.rejects(pullArtifact(target, b.store, LIB), (error: HitError) => {
      assert.match(error.message, /it is not relocatable and was built for the store/);
      assert.match(error.hint ?? "", /same path/);
      return true;
    });
    assert.equal(await artifactState(b.store, LIB), "missing");

    // At the builder's path it is pulled, its absolute link kept.
    await removeTree(artifactDir(a.store, LIB));
    assert.equal((await pullArtifact(target, a.store, LIB)).status, "pulled");
    assert.equal(await Deno.readLink(join(artifactDir(a.store, LIB), "bin/bzcmp")), own);
  },
});

Deno.test({
  name: "two pushArtifact() of one id at once both succeed and leave one pullable artifact",
  ignore: skip,
  async fn() {
    await using a = await makeStoreFixture();
    await using b = await makeStoreFixture();
    await using registry = await startRegistry(a.root);
    await writeArtifact(a.store, LIB, { files: { "big.bin": "z".repeat(3 << 20) } });
    const target = await open(remote(`oci+http://${registry.host}`, { trustUnsigned: true }));
    const outcomes = await Promise.all([
      pushArtifact(target, a.store, LIB, { tempParent: a.root }),
      pushArtifact(target, a.store, LIB, { tempParent: a.root }),
    ]);
    assert.ok(outcomes.some((outcome) => outcome.status === "pushed"));
    assert.equal((await pullArtifact(target, b.store, LIB)).status, "pulled");
  },
});

Deno.test("a file:// remote and a static HTTP site serving it hold the same layout", async () => {
  await using a = await makeStoreFixture();
  await using b = await makeStoreFixture();
  await using c = await makeStoreFixture();
  const k = await keys(a.root);
  await writeArtifact(a.store, LIB, { files: { "share/doc.txt": "doc" } });
  const folder = join(a.root, "cache");
  const target = await open(remote(`file://${folder}`, { trust: [k.pub] }));
  assert.equal(
    (await pushArtifact(target, a.store, LIB, { secret: k.secret, tempParent: a.root })).status,
    "pushed",
  );
  assert.equal(
    (await pushArtifact(target, a.store, LIB, { secret: k.secret, tempParent: a.root })).status,
    "present",
  );
  assert.equal((await pullArtifact(target, b.store, LIB)).status, "pulled");

  await using server = serve(async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.includes("..")) return new Response("bad", { status: 400 });
    try {
      return new Response(await Deno.readFile(join(folder, path)));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const site = await open(remote(`${server.url}/`, { trust: [k.pub] }));
  assert.equal((await pullArtifact(site, c.store, LIB)).status, "pulled");
  assert.equal(await Deno.readTextFile(join(artifactDir(c.store, LIB), "share/doc.txt")), "doc");
  await assert.rejects(
    pushArtifact(site, a.store, APP, { tempParent: a.root }),
    /the remote is read only/,
  );
});

Deno.test({
  name: "pullArtifact() fails cleanly when the registry dies mid-transfer",
  ignore: skip,
  async fn() {
    await using a = await makeStoreFixture();
    await using b = await makeStoreFixture();
    await using registry = await startRegistry(a.root);
    // Random bytes do not compress: the layer is as big as the file.
    const big = new Uint8Array(4 << 20);
    for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
    await writeArtifact(a.store, LIB, {});
    await Deno.writeFile(join(artifactDir(a.store, LIB), "big.bin"), big);
    const target = await open(remote(`oci+http://${registry.host}`, { trustUnsigned: true }));
    await pushArtifact(target, a.store, LIB, { tempParent: a.root });
    let killed = false;
    await assert.rejects(
      pullArtifact(target, b.store, LIB, {
        onBytes: () => {
          if (!killed) {
            killed = true;
            registry.kill();
          }
        },
      }),
      (error: HitError) => {
        assert.ok(error instanceof HitError);
        assert.match(error.message, /broke off|got \d+ bytes/);
        return true;
      },
    );
    assert.ok(killed);
    assert.equal(await artifactState(b.store, LIB), "missing");
    assert.ok(await stagingEmpty(b.store));
    await assert.rejects(pullArtifact(target, b.store, LIB), /not reachable/);
  },
});

function encode(doc: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(doc));
}
