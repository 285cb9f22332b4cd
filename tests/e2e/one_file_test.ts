import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, runProgram } from "./_run_cli.ts";

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const DENO_VERSION_LINE = `hit 0.1.0 (deno ${Deno.version.deno}, self-extracting)\n`;

// `hit ARGS` as a user on a bare machine would run it: `env -i` with only PATH and a fresh
// HOME, and with no network at all (`unshare -n`; as a user, in a user namespace of its own).
function runOffline(hit: string, args: string[], options: { cwd: string; home: string }) {
  const unshare = Deno.uid() === 0 ? ["-n"] : ["-rn"];
  return runProgram(
    "unshare",
    [...unshare, "env", "-i", "PATH=/usr/bin:/bin", `HOME=${options.home}`, hit, ...args],
    { cwd: options.cwd, env: {} },
  );
}

async function listDir(path: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(path))).map((entry) => entry.name).sort();
}

Deno.test("hit as one self-extracting file runs alone, offline, from a fresh HOME", async (t) => {
  await using work = await makeTempDir("hit-one-file-");
  const dist = join(work.path, "dist", "hit");
  const compiled = await runProgram(
    join(ROOT, "scripts", "deno"),
    ["task", "--quiet", "compile", "--self-extracting", "--out", dist],
    { cwd: ROOT },
  );
  assert.equal(compiled.code, 0, compiled.stderr);
  assert.match(
    compiled.stdout,
    /: self-extracting file \(--self-extracting was given\), \d+\.\d MB/,
  );

  const alone = join(work.path, "alone");
  await Deno.mkdir(alone);
  const hit = join(alone, "hit");
  await Deno.copyFile(dist, hit);
  const home = join(work.path, "home");
  await Deno.mkdir(home);

  await t.step("hit --version says it is self-extracting and unpacks once", async () => {
    assert.deepEqual(await runOffline(hit, ["--version"], { cwd: alone, home }), {
      code: 0,
      stdout: DENO_VERSION_LINE,
      stderr: "",
    });
    assert.deepEqual(await listDir(alone), ["hit"]);
    const cache = await listDir(join(home, ".cache", "hit"));
    assert.equal(cache.length, 2, cache.join(", "));
    // The payload folder's name is a hash, which may sort before or after "deno-dir".
    const unpacked = cache.filter((name) => name !== "deno-dir");
    assert.equal(unpacked.length, 1, cache.join(", "));
    assert.match(unpacked[0], /^[0-9a-f]{64}$/);
    const payload = await listDir(join(home, ".cache", "hit", unpacked[0]));
    for (
      const name of [
        "deno",
        "fetch_worker.js",
        "landlock_stage.js",
        "main.js",
        "run_flags",
        "warm.js",
      ]
    ) {
      assert.ok(payload.includes(name), `${name} not in ${payload.join(", ")}`);
    }
    // Code-split: each command its own file (status-HASH.js), shared code in chunks.
    assert.ok(payload.some((name) => /^status-\w+\.js$/.test(name)), payload.join(", "));
    assert.deepEqual(payload.filter((name) => !name.endsWith(".js")), ["deno", "run_flags"]);
    // The first run filled Deno's code cache (warm.js) while unpacking.
    const codeCache = join(home, ".cache", "hit", "deno-dir", "v8_code_cache_v2");
    assert.ok((await Deno.stat(codeCache)).isFile, codeCache);
  });

  await t.step(
    "hit build of the example stack succeeds, in-build hit commands included",
    async () => {
      await cp(join(ROOT, "examples"), alone, { recursive: true });
      const built = await runOffline(hit, ["build", "stack.yaml"], { cwd: alone, home });
      assert.equal(built.code, 0, built.stderr);
      assert.equal(built.stdout, "Profile build successful, link at: stack\n");
      // The profile artifact is built by `hit create-links` inside bwrap, from the unpacked file.
      assert.match(built.stderr, /\[profile\] built/);
      const greet = await runProgram(join(alone, "stack", "bin", "greet"), ["one file"], {
        cwd: alone,
      });
      assert.deepEqual(greet, { code: 0, stdout: "Hello, one file!\n", stderr: "" });
    },
  );

  await t.step(
    "hit build --sandbox=landlock builds the example stack from the one file",
    async () => {
      const landlockHome = join(work.path, "home-landlock");
      await Deno.mkdir(landlockHome);
      const built = await runOffline(
        hit,
        ["build", "stack.yaml", "--sandbox=landlock", "-o", "ll"],
        {
          cwd: alone,
          home: landlockHome,
        },
      );
      assert.equal(built.code, 0, built.stderr);
      assert.match(built.stderr, /\[profile\] built/);
      const greet = await runProgram(join(alone, "ll", "bin", "greet"), ["landlock"], {
        cwd: alone,
      });
      assert.deepEqual(greet, { code: 0, stdout: "Hello, landlock!\n", stderr: "" });
      const profileJson = await Deno.readTextFile(join(alone, "ll", "artifact.json"));
      assert.match(profileJson, /"sandbox" : "landlock"/);
    },
  );

  await t.step("hit mirror export carries the one file itself as bin/hit", async () => {
    const exported = await runOffline(hit, ["mirror", "export", "stack.yaml", "-o", "bundle"], {
      cwd: alone,
      home,
    });
    assert.equal(exported.code, 0, exported.stderr);
    const carried = await Deno.readFile(join(alone, "bundle", "bin", "hit"));
    assert.deepEqual(carried, await Deno.readFile(hit));
  });

  await t.step("two first runs at once both succeed and leave one unpacked folder", async () => {
    const freshHome = join(work.path, "home2");
    await Deno.mkdir(freshHome);
    const runs = await Promise.all(
      [1, 2].map(() => runOffline(hit, ["--version"], { cwd: alone, home: freshHome })),
    );
    for (const run of runs) {
      assert.deepEqual(run, { code: 0, stdout: DENO_VERSION_LINE, stderr: "" });
    }
    const cache = await listDir(join(freshHome, ".cache", "hit"));
    assert.equal(cache.filter((name) => name !== "deno-dir").length, 1, cache.join(", "));
  });

  await t.step(
    "the bundled fetch worker follows a redirect to another port, hop by hop",
    async () => {
      const quiet = { hostname: "127.0.0.1", port: 0, onListen() {} };
      await using other = Deno.serve(quiet, () => new Response("not this one"));
      const otherHost = `127.0.0.1:${other.addr.port}`;
      await using server = Deno.serve(
        quiet,
        () => Response.redirect(`http://${otherHost}/x.tar.gz`, 302),
      );
      // With the network (the servers are on 127.0.0.1), still a bare environment. The second
      // hop runs in a worker granted only that host:port (tests/e2e/fetch_network_test.ts checks
      // the grants); here the bundled workers must reach it and refuse what it serves.
      const result = await runProgram(
        hit,
        ["fetch", "--quiet", `http://127.0.0.1:${server.addr.port}/x.tar.gz`],
        { cwd: alone, env: { PATH: "/usr/bin:/bin", HOME: home } },
      );
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /not a valid tar\.gz/);
      assert.doesNotMatch(result.stderr, /internal error/);
    },
  );
});
