import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, runCli } from "./_run_cli.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

Deno.test("hit build --dry-run plans without touching the store; a build ends with a summary and --json", async () => {
  await using dir = await makeTempDir();
  const store = join(dir.path, ".home", ".hit", "bld");
  const plan = await runCli(["build", EXAMPLE, "--dry-run"], { cwd: dir.path });
  assert.deepEqual(plan, {
    code: 0,
    stdout: "would fetch 0 sources, copy 0 from mirrors (0 already in the source cache)\n" +
      "would build 3 packages: greet-tools, libgreet, greet\n" +
      "already present 0 packages\n" +
      "would build the profile\n",
    stderr: "",
  });
  assert.deepEqual([...Deno.readDirSync(store)], [], "a dry run builds nothing");
  await assert.rejects(Deno.lstat(join(dir.path, "stack")), Deno.errors.NotFound);

  const built = await runCli(["build", EXAMPLE], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);
  assert.match(built.stderr, /\n3 built, 0 already present, in \d+\.\d s\n$/);

  const again = await runCli(["build", EXAMPLE, "--json"], { cwd: dir.path });
  assert.equal(again.code, 0, again.stderr);
  const result = JSON.parse(again.stdout);
  assert.deepEqual(result.built, []);
  assert.deepEqual(result.present, ["greet-tools", "libgreet", "greet"]);
  assert.equal(result.link, join(await Deno.realPath(dir.path), "stack"));
  assert.equal(typeof result.seconds, "number");

  const after = await runCli(["build", EXAMPLE, "-n", "--json"], { cwd: dir.path });
  assert.deepEqual(JSON.parse(after.stdout), {
    build: [],
    present: ["greet-tools", "libgreet", "greet"],
    profile_present: true,
    sources: [],
  });
});
