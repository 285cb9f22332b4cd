import assert from "node:assert/strict";
import { join } from "node:path";
import { artifactDir } from "../../src/core/build_store.ts";
import {
  copyProfileLink,
  gcRootName,
  linkProfile,
  moveProfileLink,
  readGcRoots,
  removeProfileLink,
  replaceSymlink,
} from "../../src/core/gc_roots.ts";
import { linkFixtureProfile, makeStoreFixture, writeArtifact } from "./_store_fixture.ts";

const PROFILE = "profile/pppppppppppppppppppppppppppppppp";
const APP = "app/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

Deno.test("gcRootName() is _ plus URL-safe base64 without padding (D-5)", () => {
  assert.equal(gcRootName("/home/u/stack/default"), "_L2hvbWUvdS9zdGFjay9kZWZhdWx0");
  // The standard alphabet would put "/" in this one.
  assert.equal(gcRootName("/??>"), "_Lz8_Pg");
  assert.doesNotMatch(gcRootName("/a/b?c>"), /[/+=]/);
});

Deno.test("replaceSymlink() replaces an existing link atomically", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const link = join(dir, "default");
    await replaceSymlink("/first", link);
    await replaceSymlink("/second", link);
    assert.equal(await Deno.readLink(link), "/second");
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["default"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("linkProfile() points the link at the artifact and the gc root at the link", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(join(dir, "artifact"));
    const link = await linkProfile(join(dir, "artifact"), join(dir, "stack"), join(dir, "roots"));
    assert.equal(link, join(dir, "stack"));
    assert.equal(await Deno.readLink(link), join(dir, "artifact"));
    assert.equal(await Deno.readLink(join(dir, "roots", gcRootName(link))), link);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readGcRoots() tells live, stale and foreign entries apart", async () => {
  await using fixture = await makeStoreFixture();
  await writeArtifact(fixture.store, PROFILE, { dependencies: [APP] });
  const live = await linkFixtureProfile(fixture, PROFILE, "live");
  const stale = await linkFixtureProfile(fixture, PROFILE, "stale");
  await Deno.remove(stale);
  await Deno.writeTextFile(join(fixture.gcRoots, "README"), "");
  const roots = await readGcRoots(fixture.gcRoots);
  const byState = Object.fromEntries(roots.map((root) => [root.state, root]));
  assert.equal(roots.length, 3);
  assert.deepEqual(byState.live, {
    entry: join(fixture.gcRoots, gcRootName(live)),
    state: "live",
    link: live,
    artifact: { id: PROFILE, dir: artifactDir(fixture.store, PROFILE), dependencies: [APP] },
  });
  assert.deepEqual(byState.stale, {
    entry: join(fixture.gcRoots, gcRootName(stale)),
    state: "stale",
    link: stale,
  });
  assert.deepEqual(byState.other, { entry: join(fixture.gcRoots, "README"), state: "other" });
});

Deno.test("readGcRoots() refuses a root that leads to an artifact.json of something else", async () => {
  await using fixture = await makeStoreFixture();
  const dir = await writeArtifact(fixture.store, PROFILE);
  await Deno.writeTextFile(join(dir, "artifact.json"), "{}");
  await linkFixtureProfile(fixture, PROFILE, "stack");
  await assert.rejects(readGcRoots(fixture.gcRoots), /artifact\.json" is not an artifact's/);
});

Deno.test("copyProfileLink() links a new name with its root, and refuses an existing one", async () => {
  await using fixture = await makeStoreFixture();
  await writeArtifact(fixture.store, PROFILE);
  const stack = await linkFixtureProfile(fixture, PROFILE, "stack");
  const copy = join(fixture.root, "copy");
  const made = await copyProfileLink(stack, copy, fixture.gcRoots);
  assert.deepEqual(made, { link: copy, artifact: artifactDir(fixture.store, PROFILE) });
  assert.equal(await Deno.readLink(copy), artifactDir(fixture.store, PROFILE));
  assert.equal(await Deno.readLink(join(fixture.gcRoots, gcRootName(copy))), copy);
  await assert.rejects(copyProfileLink(stack, copy, fixture.gcRoots), /"[^"]*copy" already exists/);
  await assert.rejects(
    copyProfileLink(fixture.root, join(fixture.root, "x"), fixture.gcRoots),
    /it does not lead to an artifact/,
  );
});

Deno.test("moveProfileLink() and removeProfileLink() keep gc roots in step", async () => {
  await using fixture = await makeStoreFixture();
  await writeArtifact(fixture.store, PROFILE);
  const stack = await linkFixtureProfile(fixture, PROFILE, "stack");
  const moved = join(fixture.root, "moved");
  await moveProfileLink(stack, moved, fixture.gcRoots);
  assert.deepEqual([...Deno.readDirSync(fixture.gcRoots)].map((e) => e.name), [gcRootName(moved)]);
  await assert.rejects(Deno.lstat(stack), Deno.errors.NotFound);
  assert.deepEqual(await removeProfileLink(moved, fixture.gcRoots), [
    join(fixture.gcRoots, gcRootName(moved)),
  ]);
  assert.deepEqual([...Deno.readDirSync(fixture.gcRoots)], []);
  await assert.rejects(removeProfileLink(moved, fixture.gcRoots), /no such link/);
});

Deno.test("removeProfileLink() refuses files and symlinks that are no profile links", async () => {
  await using fixture = await makeStoreFixture();
  await Deno.writeTextFile(join(fixture.root, "file"), "");
  await Deno.symlink("/usr/bin", join(fixture.root, "other"));
  await assert.rejects(
    removeProfileLink(join(fixture.root, "file"), fixture.gcRoots),
    /not a symlink/,
  );
  await assert.rejects(
    removeProfileLink(join(fixture.root, "other"), fixture.gcRoots),
    /not a profile link: no gc root leads to it/,
  );
  assert.ok((await Deno.lstat(join(fixture.root, "other"))).isSymlink);
});

Deno.test("removeProfileLink() also removes a root named by the original's base64", async () => {
  await using fixture = await makeStoreFixture();
  await writeArtifact(fixture.store, PROFILE);
  const link = join(fixture.root, "stack");
  await Deno.symlink(artifactDir(fixture.store, PROFILE), link);
  const original = "_" + btoa(link).replaceAll("=", "-");
  await Deno.symlink(link, join(fixture.gcRoots, original));
  assert.deepEqual(await removeProfileLink(link, fixture.gcRoots), [
    join(fixture.gcRoots, original),
  ]);
  assert.deepEqual([...Deno.readDirSync(fixture.gcRoots)], []);
});

Deno.test("linkProfile() refuses to replace a folder or file that is not a symlink", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(join(dir, "artifact"));
    await Deno.mkdir(join(dir, "stack"));
    await Deno.writeTextFile(join(dir, "stack", "mine.txt"), "keep me");
    await assert.rejects(
      linkProfile(join(dir, "artifact"), join(dir, "stack"), join(dir, "roots")),
      /exists and is not a symlink/,
    );
    assert.equal(await Deno.readTextFile(join(dir, "stack", "mine.txt")), "keep me");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
