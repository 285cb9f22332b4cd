import assert from "node:assert/strict";
import { join } from "node:path";
import { exists } from "../../src/core/exists.ts";

Deno.test("exists() is true for files, folders and dangling symlinks, false for nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "f"), "x");
    await Deno.symlink(join(dir, "nowhere"), join(dir, "dangling"));
    assert.equal(await exists(join(dir, "f")), true);
    assert.equal(await exists(dir), true);
    assert.equal(await exists(join(dir, "dangling")), true);
    assert.equal(await exists(join(dir, "nowhere")), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
