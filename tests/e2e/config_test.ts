import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";

Deno.test("hit config path, list, get and set read and write the configuration in use", async () => {
  await using dir = await makeTempDir();
  const home = join(dir.path, ".home", ".hit");
  const path = await runCli(["config", "path"], { cwd: dir.path });
  assert.deepEqual(path, { code: 0, stdout: join(home, "config.yaml") + "\n", stderr: "" });
  const list = await runCli(["config", "list", "--json"], { cwd: dir.path });
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout), {
    build_store: join(home, "bld"),
    source_cache: join(home, "src"),
    mirrors: [],
    build_temp: join(home, "tmp"),
    cache: join(home, "cache"),
    gc_roots: join(home, "gcroots"),
    sandbox: "auto",
  });
  const set = await runCli(["config", "set", "build_temp", "../scratch"], { cwd: dir.path });
  assert.equal(set.code, 0, set.stderr);
  const get = await runCli(["config", "get", "build_temp"], { cwd: dir.path });
  assert.equal(get.stdout, join(dir.path, ".home", "scratch") + "\n");
  assert.ok((await Deno.stat(join(dir.path, ".home", "scratch"))).isDirectory);
  const bad = await runCli(["config", "set", "sandbox", "nonee"], { cwd: dir.path });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /"sandbox" must be one of/);
  assert.doesNotMatch(await Deno.readTextFile(join(home, "config.yaml")), /nonee/);
  const typo = await runCli(["config", "get", "buid_temp"], { cwd: dir.path });
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /hint: did you mean "build_temp"\?/);
});
