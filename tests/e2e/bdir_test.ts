import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, runCli } from "./_run_cli.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

Deno.test("hit bdir prepares a build folder that builds by hand, and touches no store", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["bdir", "libgreet", "-p", EXAMPLE, "work"], { cwd: dir.path });
  assert.equal(result.code, 0, result.stderr);
  const target = join(dir.path, "work");
  assert.equal(result.stdout, target + "\n");
  for (
    const file of ["build.json", "_hashdist/build.sh", "_hashdist/env.sh", "_hashdist/greet.c"]
  ) {
    assert.ok((await Deno.stat(join(target, file))).isFile, file);
  }
  const build = await new Deno.Command("bash", {
    args: ["-c", ". _hashdist/env.sh && bash _hashdist/build.sh"],
    cwd: target,
    env: { PATH: "/usr/bin:/bin" },
    clearEnv: true,
  }).output();
  assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
  assert.ok((await Deno.stat(join(target, "_artifact", "lib", "libgreet.so"))).isFile);
  const store = join(dir.path, ".home", ".hit", "bld");
  assert.deepEqual([...Deno.readDirSync(store)], []);

  const again = await runCli(["bdir", "libgreet", "-p", EXAMPLE, "work"], { cwd: dir.path });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /error: bdir: ".*work" exists and is not empty/);
  assert.match(again.stderr, /hint: choose another TARGET, or replace it with -f/);
  const forced = await runCli(["bdir", "libgreet", "-p", EXAMPLE, "work", "-f"], { cwd: dir.path });
  assert.equal(forced.code, 0, forced.stderr);
  const unknown = await runCli(["bdir", "nope", "-p", EXAMPLE], { cwd: dir.path });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no package "nope"/);
});
