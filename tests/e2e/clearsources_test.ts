import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hitHome, maskSizes } from "./_gc_stack.ts";
import { makeTempDir, runCli } from "./_run_cli.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

/** Builds the example stack and fetches one archive, so the cache holds both kinds. */
async function fillCache(cwd: string): Promise<string> {
  const built = await runCli(["build", EXAMPLE], { cwd });
  assert.equal(built.code, 0, built.stderr);
  await Deno.mkdir(join(cwd, "src", "pkg-1.0"), { recursive: true });
  await Deno.writeTextFile(join(cwd, "src", "pkg-1.0", "README"), "hello\n");
  const tar = await new Deno.Command("tar", {
    args: ["-czf", join(cwd, "pkg-1.0.tar.gz"), "-C", join(cwd, "src"), "pkg-1.0"],
  }).output();
  assert.ok(tar.success);
  const fetched = await runCli(["fetch", "-q", join(cwd, "pkg-1.0.tar.gz")], { cwd });
  assert.equal(fetched.code, 0, fetched.stderr);
  return fetched.stdout.match(/key: (\S+)/)![1];
}

Deno.test("hit clearsources needs --force and says what it would delete", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  const key = await fillCache(cwd);
  const cache = join(hitHome(cwd), "src");
  const refused = await runCli(["clearsources"], { cwd });
  assert.deepEqual({ ...refused, stderr: maskSizes(refused.stderr) }, {
    code: 2,
    stdout: "",
    stderr: `error: clearsources: refusing to empty the source cache "${cache}" without --force\n` +
      "hint: it holds 1 archive, 3 hit-packs (SIZE); run " +
      '"hit clearsources --force" to delete them\n',
  });
  const dry = await runCli(["clearsources", "--dry-run"], { cwd });
  assert.equal(dry.code, 0, dry.stderr);
  const lines = maskSizes(dry.stdout).split("\n");
  assert.equal(lines[0], `would remove ${key} (SIZE)`);
  assert.match(lines[1], /^would remove files:[a-z2-7]{32} \(SIZE\)$/);
  assert.equal(lines[4], "would remove 1 archive, 3 hit-packs (SIZE)");
  assert.ok(Deno.statSync(join(cache, "packs", key.replace(":", "/"))).isFile);
});

Deno.test("hit clearsources --force empties the cache, and the next build still works", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  const key = await fillCache(cwd);
  const cleared = await runCli(["clearsources", "--force"], { cwd });
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.equal(cleared.stderr, "");
  const lines = maskSizes(cleared.stdout).split("\n");
  assert.equal(lines[0], `removed ${key} (SIZE)`);
  assert.equal(lines[4], "removed 1 archive, 3 hit-packs (SIZE)");
  const cache = join(hitHome(cwd), "src");
  assert.deepEqual([...Deno.readDirSync(join(cache, "files"))], []);
  assert.deepEqual([...Deno.readDirSync(join(cache, "packs", "tar.gz"))], []);

  const again = await runCli(["clearsources", "-f"], { cwd });
  assert.deepEqual(again, { code: 0, stdout: "removed nothing\n", stderr: "" });
  await Deno.remove(join(cwd, "stack"));
  assert.equal((await runCli(["purge", "*", "--force"], { cwd })).code, 0);
  const rebuilt = await runCli(["build", EXAMPLE], { cwd });
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
});
