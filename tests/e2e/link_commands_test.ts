import assert from "node:assert/strict";
import { join } from "node:path";
import { APP_OUTPUT, runApp, writeAppStack } from "./_gc_stack.ts";
import { makeTempDir, runCli } from "./_run_cli.ts";

async function gcList(cwd: string): Promise<string> {
  const list = await runCli(["gc", "--list"], { cwd });
  assert.equal(list.code, 0, list.stderr);
  return list.stdout;
}

Deno.test("hit cp, mv and rm keep profile links and gc roots in step", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  const built = await runCli(["build", await writeAppStack(cwd)], { cwd });
  assert.equal(built.code, 0, built.stderr);

  assert.deepEqual(await runCli(["cp", "app", "stable"], { cwd }), {
    code: 0,
    stdout: "",
    stderr: "",
  });
  assert.equal(await runApp(join(cwd, "stable")), APP_OUTPUT);
  assert.equal(await gcList(cwd), `${join(cwd, "app")}\n${join(cwd, "stable")}\n`);

  await Deno.mkdir(join(cwd, "old"));
  assert.deepEqual(await runCli(["mv", "stable", "old/2024"], { cwd }), {
    code: 0,
    stdout: "",
    stderr: "",
  });
  assert.equal(await runApp(join(cwd, "old", "2024")), APP_OUTPUT);
  assert.equal(await gcList(cwd), `${join(cwd, "app")}\n${join(cwd, "old", "2024")}\n`);

  assert.deepEqual(await runCli(["rm", "app", "old/2024"], { cwd }), {
    code: 0,
    stdout: "",
    stderr: "",
  });
  assert.equal(await gcList(cwd), "");
  const gc = await runCli(["gc"], { cwd });
  assert.equal(gc.code, 0, gc.stderr);
  assert.match(gc.stdout, /^removed 4 artifacts \(.*\), kept 0\n$/m);
});

Deno.test("hit cp and mv refuse an existing target and a source that is no artifact", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  const built = await runCli(["build", await writeAppStack(cwd)], { cwd });
  assert.equal(built.code, 0, built.stderr);
  await Deno.writeTextFile(join(cwd, "taken"), "");

  const taken = await runCli(["cp", "app", "taken"], { cwd });
  assert.deepEqual(taken, {
    code: 1,
    stdout: "",
    stderr: `error: copy profile link "${join(cwd, "app")}" to "${join(cwd, "taken")}": ` +
      `"${join(cwd, "taken")}" already exists\n` +
      `hint: remove it first ("hit rm ${join(cwd, "taken")}" for a profile link), or choose ` +
      "another name\n",
  });

  const notArtifact = await runCli(["mv", "pkgs", "elsewhere"], { cwd });
  assert.deepEqual(notArtifact, {
    code: 1,
    stdout: "",
    stderr: `error: move profile link "${join(cwd, "pkgs")}": not a symlink\n` +
      "hint: profile links are the symlinks hit build makes, such as ./default\n",
  });

  const noId = await runCli(["cp", "pkgs", "elsewhere"], { cwd });
  assert.deepEqual(noId, {
    code: 1,
    stdout: "",
    stderr: `error: copy profile link "${join(cwd, "pkgs")}": it does not lead to an artifact: ` +
      `no artifact id in "${join(cwd, "pkgs", "id")}"\n` +
      "hint: give a profile link made by hit build, such as ./default\n",
  });
  assert.equal(await gcList(cwd), `${join(cwd, "app")}\n`);
});

Deno.test("hit rm refuses a missing link and a symlink that is no profile link", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  await Deno.symlink("/usr/bin", join(cwd, "bin"));
  const missing = await runCli(["rm", "nothing"], { cwd });
  assert.deepEqual(missing, {
    code: 1,
    stdout: "",
    stderr: `error: remove profile link "${join(cwd, "nothing")}": no such link\n`,
  });
  const other = await runCli(["rm", "bin"], { cwd });
  assert.deepEqual(other, {
    code: 1,
    stdout: "",
    stderr: `error: remove profile link "${join(cwd, "bin")}": not a profile link: no gc root ` +
      "leads to it\nhint: hit rm removes links made by hit build; remove other links with rm(1)\n",
  });
  assert.ok(Deno.lstatSync(join(cwd, "bin")).isSymlink);
  const usage = await runCli(["cp", "only-one"], { cwd });
  assert.deepEqual(usage, {
    code: 2,
    stdout: "",
    stderr: 'error: cp: missing TARGET\nhint: run "hit help cp" for its usage\n',
  });
});
