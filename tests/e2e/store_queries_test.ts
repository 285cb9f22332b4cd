/**
 * `hit list`, `hit path`, `hit info` and `hit build --dry-run`/`--json` over one store built
 * from the example stack (one build for all of them, to keep CI short).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, runCli } from "./_run_cli.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

Deno.test("hit list, path and info tell what the store holds, where, and what keeps it", async (t) => {
  await using dir = await makeTempDir();
  const store = join(dir.path, ".home", ".hit", "bld");

  await t.step("before a build: info says not built, path fails, list is empty", async () => {
    const info = await runCli(["info", "greet", "-p", EXAMPLE], { cwd: dir.path });
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^name: +greet\n/);
    assert.match(info.stdout, /^description: +A program that links against libgreet\.\n/m);
    assert.match(info.stdout, /^built: +no\n/m);
    assert.match(info.stdout, /^build deps: +libgreet\n/m);
    const path = await runCli(["path", "greet", "-p", EXAMPLE], { cwd: dir.path });
    assert.equal(path.code, 1);
    assert.match(path.stderr, /^error: find "greet": "greet\/\w+" is not built\n/);
    const list = await runCli(["list"], { cwd: dir.path });
    assert.deepEqual(list, { code: 0, stdout: "the build store is empty\n", stderr: "" });
  });

  await t.step("build --dry-run plans without touching the store", async () => {
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
  });

  const built = await runCli(["build", EXAMPLE], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);
  assert.match(built.stderr, /\n3 built, 0 already present, in \d+\.\d s\n$/);

  await t.step("build --json and --dry-run --json report what was and would be done", async () => {
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
      pull: [],
      present: ["greet-tools", "libgreet", "greet"],
      profile_present: true,
      sources: [],
    });
  });

  await t.step("after it: path prints the artifact folder, info --json says where", async () => {
    const path = await runCli(["path", "greet", "-p", EXAMPLE], { cwd: dir.path });
    assert.equal(path.code, 0, path.stderr);
    const folder = path.stdout.trim();
    assert.ok(folder.startsWith(store + "/greet/"), folder);
    assert.ok((await Deno.stat(join(folder, "bin", "greet"))).isFile);
    const info = await runCli(["info", "greet", "-p", EXAMPLE, "--json"], { cwd: dir.path });
    const json = JSON.parse(info.stdout);
    assert.equal(json.built, true);
    assert.equal(json.path, folder);
    assert.deepEqual(json.build_dependencies, ["libgreet"]);
    const typo = await runCli(["path", "gret", "-p", EXAMPLE], { cwd: dir.path });
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /hint: did you mean "greet"\?/);
  });

  await t.step(
    "build --dry-run elsewhere names what a remote has, unless --no-remote",
    async () => {
      const shelf = `file://${join(dir.path, "shelf")}`;
      const add = await runCli(["remote", "add", "shelf", shelf, "--push"], { cwd: dir.path });
      assert.equal(add.code, 0, add.stderr);
      const push = await runCli(["push", EXAMPLE, "--to", "shelf"], { cwd: dir.path });
      assert.equal(push.code, 0, push.stderr);
      // Another machine: a home of its own, the same remote.
      const other = join(dir.path, "other");
      await Deno.mkdir(other);
      const added = await runCli(["remote", "add", "shelf", shelf, "--trust-unsigned"], {
        cwd: other,
      });
      assert.equal(added.code, 0, added.stderr);
      const plan = await runCli(["build", EXAMPLE, "--dry-run"], { cwd: other });
      assert.deepEqual(plan, {
        code: 0,
        stdout: "would fetch 0 sources, copy 0 from mirrors (0 already in the source cache)\n" +
          "would pull 3 packages: greet-tools (from shelf), libgreet (from shelf), greet (from shelf)\n" +
          "would build 0 packages\n" +
          "already present 0 packages\n" +
          "would build the profile\n",
        stderr: "",
      });
      for (const flag of ["--no-remote", "--offline"]) {
        const local = await runCli(["build", EXAMPLE, "--dry-run", "--json", flag], { cwd: other });
        assert.equal(local.code, 0, local.stderr);
        const json = JSON.parse(local.stdout);
        assert.deepEqual([json.pull, json.build.length], [[], 3], flag);
      }
      assert.deepEqual([...Deno.readDirSync(join(other, ".home", ".hit", "bld"))], []);
    },
  );

  await t.step("list shows each artifact, kept by the link's gc root until it goes", async () => {
    const list = await runCli(["list", "--json"], { cwd: dir.path });
    assert.equal(list.code, 0, list.stderr);
    const artifacts = JSON.parse(list.stdout) as { name: string; kept: boolean; size: number }[];
    assert.deepEqual(artifacts.map((a) => a.name), ["greet", "greet-tools", "libgreet", "profile"]);
    assert.ok(artifacts.every((a) => a.kept && a.size > 0));
    const removed = await runCli(["rm", "stack"], { cwd: dir.path });
    assert.equal(removed.code, 0, removed.stderr);
    const after = await runCli(["list"], { cwd: dir.path });
    assert.match(after.stdout, /^profile\/\w+ .* not kept\n/m);
    assert.match(after.stdout, /^4 artifacts, .*; 0 kept by gc roots\n/m);
  });
});
