import assert from "node:assert/strict";
import { join } from "node:path";
import { hostToolPaths } from "../../src/stages/host_paths.ts";

Deno.test("hostToolPaths() gives the prefix of HOST_* programs, never a system or home folder", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "hit-host-paths-" }));
  try {
    const prefix = join(dir, "opt", "py");
    await Deno.mkdir(join(prefix, "bin"), { recursive: true });
    await Deno.writeTextFile(join(prefix, "bin", "python3"), "#!/bin/sh\n", { mode: 0o755 });
    await Deno.mkdir(join(dir, "home", "bin"), { recursive: true });
    await Deno.writeTextFile(join(dir, "home", "bin", "tool"), "#!/bin/sh\n", { mode: 0o755 });
    await Deno.writeTextFile(join(dir, "data.txt"), "not a program\n");
    const paths = hostToolPaths({
      HOST_PYTHON: join(prefix, "bin", "python3"),
      HOST_TOOL: join(dir, "home", "bin", "tool"),
      HOST_CC: "/usr/bin/cc",
      HOST_DATA: join(dir, "data.txt"),
      HOST_MISSING: "/nonexistent/bin/x",
      HOST_WORD: "relative/bin/x",
      PYTHON: join(prefix, "bin", "python3"),
    }, join(dir, "home"));
    assert.deepEqual(paths, [join(dir, "home", "bin"), prefix]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
