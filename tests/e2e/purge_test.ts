import assert from "node:assert/strict";
import { join } from "node:path";
import { storeFolders } from "../core/_store_fixture.ts";
import { APP_OUTPUT, hitHome, maskSizes, runApp, writeAppStack } from "./_gc_stack.ts";
import { makeTempDir, runCli } from "./_run_cli.ts";

/** Builds the app stack in `cwd`; returns the ids of its artifacts by package name. */
async function buildApp(cwd: string): Promise<Record<string, string>> {
  const built = await runCli(["build", await writeAppStack(cwd)], { cwd });
  assert.equal(built.code, 0, built.stderr);
  const json = JSON.parse(await Deno.readTextFile(join(cwd, "app", "artifact.json")));
  const ids: Record<string, string> = { profile: json.id };
  for (const id of json.dependencies as string[]) ids[id.split("/")[0]] = id;
  return ids;
}

Deno.test("hit purge refuses an artifact a profile uses, and removes it with --force", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  const ids = await buildApp(cwd);
  const short = ids.lib.slice(0, "lib/".length + 12);

  const refused = await runCli(["purge", short], { cwd });
  assert.deepEqual(refused, {
    code: 1,
    stdout: "",
    stderr: `error: purge "${ids.lib}": still used by the profile link "${join(cwd, "app")}"\n` +
      `hint: remove the link first ("hit rm ${join(cwd, "app")}"), then "hit gc"; or purge ` +
      "anyway with --force, which breaks the profile\n",
  });

  const forced = await runCli(["purge", short, "--force"], { cwd });
  assert.deepEqual({ ...forced, stdout: maskSizes(forced.stdout) }, {
    code: 0,
    stdout: `removed ${ids.lib} (SIZE)\n`,
    stderr: "",
  });
  assert.equal((await storeFolders(join(hitHome(cwd), "bld"))).length, 3);
});

Deno.test("hit purge removes a build-only dependency by unique prefix; the profile still runs", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  const ids = await buildApp(cwd);
  const purged = await runCli(["purge", "tool/"], { cwd });
  assert.deepEqual({ ...purged, stdout: maskSizes(purged.stdout) }, {
    code: 0,
    stdout: `removed ${ids.tool} (SIZE)\n`,
    stderr: "",
  });
  assert.equal(await runApp(join(cwd, "app")), APP_OUTPUT);
});

Deno.test("hit purge names no match, an ambiguous prefix and a folder without id", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  const ids = await buildApp(cwd);
  const missing = await runCli(["purge", "lib/zzzz"], { cwd });
  assert.deepEqual(missing, {
    code: 1,
    stdout: "",
    stderr: 'error: purge "lib/zzzz": no artifact in the store matches\n' +
      `hint: the store holds "${ids.lib.slice(0, 16)}"\n`,
  });

  const store = join(hitHome(cwd), "bld");
  await Deno.mkdir(join(store, "app", "bbbbbbbbbbbb"));
  const ambiguous = await runCli(["purge", "app/"], { cwd });
  assert.equal(ambiguous.code, 1);
  assert.equal(
    ambiguous.stderr,
    'error: purge "app/": 2 artifacts match\n' +
      [ids.app, "app/bbbbbbbbbbbb (no id)"].sort().map((line) => `  ${line}\n`).join("") +
      "hint: give more characters of the artifact id\n",
  );

  const incomplete = await runCli(["purge", "app/bbbbbbbbbbbb"], { cwd });
  assert.deepEqual({ ...incomplete, stdout: maskSizes(incomplete.stdout) }, {
    code: 0,
    stdout: "removed app/bbbbbbbbbbbb (no id; SIZE)\n",
    stderr: "",
  });
});

Deno.test("hit purge '*' needs --force, then empties the store and leaves gc roots to hit gc", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  await buildApp(cwd);
  const refused = await runCli(["purge", "*"], { cwd });
  assert.deepEqual(refused, {
    code: 2,
    stdout: "",
    stderr: "error: purge: refusing to remove every artifact without --force\n" +
      `hint: run "hit purge '*' --force" to empty the build store\n`,
  });
  const wiped = await runCli(["purge", "*", "--force"], { cwd });
  assert.equal(wiped.code, 0, wiped.stderr);
  assert.equal(wiped.stderr, "");
  const lines = maskSizes(wiped.stdout).split("\n");
  assert.equal(lines.length, 6);
  assert.equal(lines[4], "removed 4 artifacts (SIZE)");
  const store = join(hitHome(cwd), "bld");
  assert.deepEqual(await storeFolders(store), []);
  assert.ok(Deno.statSync(join(store, ".locks")).isDirectory);
  const gc = await runCli(["gc"], { cwd });
  assert.deepEqual(gc, {
    code: 0,
    stdout: `removed gc root of "${join(cwd, "app")}": it leads to no artifact\n` +
      "removed 0 artifacts (0 B), kept 0\n",
    stderr: "",
  });
});

Deno.test("hit purge without an id is a usage error", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["purge"], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 2,
    stdout: "",
    stderr: 'error: purge: missing ARTIFACT_ID\nhint: run "hit help purge" for its usage\n',
  });
});
