import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, runCli } from "./_run_cli.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

/** Every path below `dir` with its mode, for comparing a tree before and after. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string) => {
    for await (const entry of Deno.readDir(path)) {
      const full = join(path, entry.name);
      const info = await Deno.lstat(full);
      out.push(`${full} ${(info.mode ?? 0).toString(8)} ${info.size}`);
      if (entry.isDirectory) await walk(full);
    }
  };
  await walk(dir);
  return out.sort();
}

Deno.test("hit develop makes a writable profile outside the store and leaves the store alone", async () => {
  await using dir = await makeTempDir();
  const first = await runCli(["develop", EXAMPLE, "dev", "-q"], { cwd: dir.path });
  assert.equal(first.code, 0, first.stderr);
  const target = join(dir.path, "dev");
  assert.equal(first.stdout, `Development profile ${target} successful\n`);
  const store = join(dir.path, ".home", ".hit", "bld");
  const before = await snapshot(store);
  assert.ok(before.some((line) => line.includes("/libgreet/")), "packages are in the store");
  assert.ok(!before.some((line) => line.includes(`${store}/profile/`)), "no profile in the store");

  // Absolute symlinks into the store (the default), in real, writable folders.
  const greet = await Deno.readLink(join(target, "bin", "greet"));
  assert.ok(greet.startsWith(store + "/greet/"), greet);
  await Deno.writeTextFile(join(target, "bin", "installed-by-hand"), "#!/bin/sh\necho hi\n");
  await Deno.mkdir(join(target, "lib", "python", "site-packages"), { recursive: true });
  const run = await new Deno.Command(join(target, "bin", "greet"), { args: ["dev"] }).output();
  assert.equal(new TextDecoder().decode(run.stdout), "Hello, dev!\n");
  for (const file of ["build.json", "artifact.json", "id", "build.log.gz", "_hashdist/build.log"]) {
    assert.ok((await Deno.stat(join(target, file))).isFile, file);
  }
  assert.equal((await Deno.stat(join(target, "build.json"))).mode! & 0o222, 0);
  assert.deepEqual(await snapshot(store), before, "the store is untouched");
  assert.deepEqual([...Deno.readDirSync(join(dir.path, ".home", ".hit", "gcroots"))], []);

  const refused = await runCli(["develop", EXAMPLE, "dev", "-q"], { cwd: dir.path });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /error: develop: ".*dev" exists and is not empty/);
  assert.match(refused.stderr, /hint: choose another TARGET, or replace it with -f/);

  const copied = await runCli(["develop", EXAMPLE, "dev", "-l", "copy", "-f", "-q"], {
    cwd: dir.path,
  });
  assert.equal(copied.code, 0, copied.stderr);
  const info = await Deno.lstat(join(target, "bin", "greet"));
  assert.ok(info.isFile, "-l copy copies");
  await assert.rejects(Deno.stat(join(target, "bin", "installed-by-hand")), Deno.errors.NotFound);
});
