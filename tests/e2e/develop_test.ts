import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, runCli } from "./_run_cli.ts";

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function sh(script: string, cwd: string): Promise<void> {
  const run = await new Deno.Command("/bin/sh", { args: ["-c", script], cwd }).output();
  assert.ok(run.success, `${script}: ${new TextDecoder().decode(run.stderr)}`);
}

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

/** Every path below `dir` with its mode and a digest of its bytes, to compare a tree. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string) => {
    for await (const entry of Deno.readDir(path)) {
      const full = join(path, entry.name);
      const info = await Deno.lstat(full);
      const digest = info.isFile
        ? toHex(await crypto.subtle.digest("SHA-256", await Deno.readFile(full)))
        : info.isSymlink
        ? await Deno.readLink(full)
        : "";
      out.push(`${full} ${(info.mode ?? 0).toString(8)} ${info.size} ${digest}`);
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

  // Writable copies (the default): editing, appending to and installing over them, as root
  // where permissions stop nothing, leaves every byte of the store as it was.
  const greet = await Deno.lstat(join(target, "bin", "greet"));
  assert.ok(greet.isFile, "the default copies");
  assert.notEqual((greet.mode ?? 0) & 0o200, 0, "copies are writable");
  await sh(
    "echo appended >> bin/greet && printf 'edited' > bin/greet-tools 2>/dev/null; " +
      'for f in $(find lib include -type f); do echo x >> "$f"; done; ' +
      "install -m 755 /bin/true bin/greet; sed -i s/a/b/ build.json 2>/dev/null; true",
    target,
  );
  await Deno.writeTextFile(join(target, "bin", "installed-by-hand"), "#!/bin/sh\necho hi\n");
  await Deno.mkdir(join(target, "lib", "python", "site-packages"), { recursive: true });
  for (const file of ["build.json", "artifact.json", "id", "build.log.gz", "_hashdist/build.log"]) {
    assert.ok((await Deno.stat(join(target, file))).isFile, file);
  }
  assert.equal((await Deno.stat(join(target, "build.json"))).mode! & 0o222, 0);
  assert.deepEqual(await snapshot(store), before, "the store is byte-for-byte unchanged");
  assert.deepEqual([...Deno.readDirSync(join(dir.path, ".home", ".hit", "gcroots"))], []);

  const refused = await runCli(["develop", EXAMPLE, "dev", "-q"], { cwd: dir.path });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /error: develop: ".*dev" exists and is not empty/);
  assert.match(refused.stderr, /hint: choose another TARGET, or replace it with -f/);

  // Absolute symlinks into the store, opt-in, with a warning.
  const linked = await runCli(["develop", EXAMPLE, "dev", "-l", "absolute", "-f", "-q"], {
    cwd: dir.path,
  });
  assert.equal(linked.code, 0, linked.stderr);
  assert.match(linked.stderr, /warning: develop: -l absolute links into the store; run as root/);
  const link = await Deno.readLink(join(target, "bin", "greet"));
  assert.ok(link.startsWith(store + "/greet/"), link);
  const run = await new Deno.Command(join(target, "bin", "greet"), { args: ["dev"] }).output();
  assert.equal(new TextDecoder().decode(run.stdout), "Hello, dev!\n");
  await assert.rejects(Deno.stat(join(target, "bin", "installed-by-hand")), Deno.errors.NotFound);
  assert.deepEqual(await snapshot(store), before, "the store is untouched");
});

Deno.test("hit develop and hit bdir refuse a TARGET that is a file, without a stack trace", async () => {
  await using dir = await makeTempDir();
  await Deno.writeTextFile(join(dir.path, "file"), "x");
  for (const args of [["develop", EXAMPLE, "file"], ["bdir", "greet", "file", "-p", EXAMPLE]]) {
    const result = await runCli(args, { cwd: dir.path });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /exists and is not a folder/);
    assert.doesNotMatch(result.stderr, /internal error| {4}at /);
  }
});
