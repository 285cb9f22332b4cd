import assert from "node:assert/strict";
import { join } from "node:path";
import { gcRootName, linkProfile, replaceSymlink } from "../../src/core/gc_roots.ts";

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
