import assert from "node:assert/strict";
import { join } from "node:path";
import { fixMtimes } from "../../src/core/source_mtimes.ts";

Deno.test("fixMtimes() sets every file's and folder's mtime, and leaves a symlink's target alone", async () => {
  const root = await Deno.makeTempDir();
  try {
    const build = join(root, "build");
    await Deno.mkdir(join(build, "src", "deep"), { recursive: true });
    await Deno.writeTextFile(join(build, "src", "deep", "a.c"), "int a;\n");
    await Deno.writeTextFile(join(build, "configure"), "#!/bin/sh\n");
    const outside = join(root, "outside.txt");
    await Deno.writeTextFile(outside, "host file\n");
    const outsideTime = (await Deno.stat(outside)).mtime!.getTime();
    await Deno.symlink(outside, join(build, "link"));

    await fixMtimes(build, 315532800);
    for (const path of ["", "src", "src/deep", "src/deep/a.c", "configure"]) {
      const info = await Deno.stat(join(build, path));
      assert.equal(info.mtime!.getTime(), 315532800_000, path || ".");
    }
    assert.equal((await Deno.stat(outside)).mtime!.getTime(), outsideTime);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
