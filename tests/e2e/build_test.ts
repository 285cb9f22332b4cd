import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HIT, makeTempDir, runCli } from "./_run_cli.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

/** Names of the artifact folders in a store: `name/short` for each built artifact. */
async function storeContents(store: string): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const name of Deno.readDir(store)) {
      if (!name.isDirectory || name.name.startsWith(".")) continue;
      for await (const short of Deno.readDir(join(store, name.name))) {
        found.push(`${name.name}/${short.name}`);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort();
}

/** A profile with one package whose script is `script`, in a spec folder of its own. */
async function writeOneScriptProfile(dir: string, script: string, name = "slow"): Promise<string> {
  await Deno.mkdir(join(dir, "pkgs"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "pkgs", `${name}.yaml`),
    `build_stages:\n- name: run\n  handler: bash\n  bash: |\n${
      script.split("\n").map((line) => `    ${line}`).join("\n")
    }\n`,
  );
  const profile = join(dir, "one.yaml");
  await Deno.writeTextFile(
    profile,
    `parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\npackages:\n  ${name}:\n`,
  );
  return profile;
}

Deno.test("hit build builds the example stack, links it, and then has nothing to do", async () => {
  await using dir = await makeTempDir();
  const first = await runCli(["build", EXAMPLE], { cwd: dir.path });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, "Profile build successful, link at: stack\n");
  assert.match(first.stderr, /\[libgreet\] building libgreet\//);
  const greet = await new Deno.Command(join(dir.path, "stack", "bin", "greet-all"), {
    args: ["x", "y"],
  }).output();
  assert.equal(new TextDecoder().decode(greet.stdout), "Hello, x!\nHello, y!\n");

  const second = await runCli(["build", EXAMPLE], { cwd: dir.path });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, "Up to date, link at: stack\n");
  assert.doesNotMatch(second.stderr, /building/);

  const status = await runCli(["status", EXAMPLE, "--json"], { cwd: dir.path });
  const rows = JSON.parse(status.stdout) as { built: boolean }[];
  assert.equal(rows.length, 3);
  assert.ok(rows.every((row) => row.built));

  const store = join(dir.path, ".home", ".hit", "bld");
  const artifact = (await storeContents(store)).find((entry) => entry.startsWith("libgreet/"))!;
  const json = JSON.parse(await Deno.readTextFile(join(store, artifact, "artifact.json")));
  assert.equal(json.sandbox, "bwrap");
  // The gc root points at the link, and the link at the profile artifact.
  const roots = [...Deno.readDirSync(join(dir.path, ".home", ".hit", "gcroots"))];
  assert.equal(roots.length, 1);
  assert.equal(
    Deno.readLinkSync(join(dir.path, ".home", ".hit", "gcroots", roots[0].name)),
    join(await Deno.realPath(dir.path), "stack"),
  );
});

Deno.test("hit build of a failing package shows the log tail, keeps the build folder, stores nothing", async () => {
  await using dir = await makeTempDir();
  const profile = await writeOneScriptProfile(dir.path, "echo about to fail\nexit 3", "broken");
  const failed = await runCli(["build", profile], { cwd: dir.path });
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /about to fail/);
  assert.match(
    failed.stderr,
    /error: build "broken\/[a-z2-7]{32}": run job: cmd .* failed with exit code 3/,
  );
  assert.match(failed.stderr, /hint: the build folder is kept: .*broken-/);
  assert.doesNotMatch(failed.stderr, /^ {4}at /m);
  const store = join(dir.path, ".home", ".hit", "bld");
  assert.deepEqual(await storeContents(store), []);
  const staging = [...Deno.readDirSync(join(store, ".staging"))];
  assert.deepEqual(staging, []);
});

Deno.test("hit build after kill -9 mid-build leaves no partial artifact and succeeds next time", async () => {
  await using dir = await makeTempDir();
  const profile = await writeOneScriptProfile(
    dir.path,
    'mkdir -p "$ARTIFACT/bin"\necho started > "$ARTIFACT/bin/marker"\nsleep 30',
  );
  const home = join(dir.path, ".home");
  await Deno.mkdir(home, { recursive: true });
  const child = new Deno.Command(HIT, {
    args: ["build", profile],
    cwd: dir.path,
    env: { HOME: home, HIT_HOME: join(home, ".hit"), NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Wait until the build is running: its staging folder holds the marker.
  const staging = join(home, ".hit", "bld", ".staging");
  const deadline = Date.now() + 60_000;
  let running = false;
  while (!running && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      for (const entry of Deno.readDirSync(staging)) {
        running ||= (() => {
          try {
            return Deno.statSync(join(staging, entry.name, "bin", "marker")).isFile;
          } catch {
            return false;
          }
        })();
      }
    } catch {
      // Not created yet.
    }
  }
  assert.ok(running, "the build never started");
  child.kill("SIGKILL");
  await child.status;
  await child.stderr.cancel();
  const store = join(home, ".hit", "bld");
  assert.deepEqual(await storeContents(store), [], "no artifact folder after kill -9");

  // The next run, with a script that finishes, succeeds on the same store.
  await writeOneScriptProfile(
    dir.path,
    'mkdir -p "$ARTIFACT/bin"\necho done > "$ARTIFACT/bin/marker"',
  );
  const next = await runCli(["build", profile], { cwd: dir.path });
  assert.equal(next.code, 0, next.stderr);
  const artifacts = await storeContents(store);
  assert.equal(artifacts.filter((entry) => entry.startsWith("slow/")).length, 1);
});

Deno.test("two hit build processes on one store both succeed and build each artifact once", async () => {
  await using dir = await makeTempDir();
  const profile = await writeOneScriptProfile(
    dir.path,
    'mkdir -p "$ARTIFACT"\nsleep 1\necho built > "$ARTIFACT/out"',
  );
  const [a, b] = await Promise.all([
    runCli(["build", profile, "-o", "a"], { cwd: dir.path }),
    runCli(["build", profile, "-o", "b"], { cwd: dir.path }),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const builtLines = (a.stderr + b.stderr).match(/\[slow\] built in/g) ?? [];
  assert.equal(builtLines.length, 1, a.stderr + b.stderr);
  assert.equal(Deno.realPathSync(join(dir.path, "a")), Deno.realPathSync(join(dir.path, "b")));
});

Deno.test("hit build names the package, URL and key of a source no mirror or URL has", async () => {
  await using dir = await makeTempDir();
  await Deno.mkdir(join(dir.path, "pkgs"));
  await Deno.writeTextFile(
    join(dir.path, "pkgs", "lost.yaml"),
    "sources:\n- key: tar.gz:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n  url: http://127.0.0.1:9/lost.tar.gz\n" +
      "build_stages:\n- {name: run, handler: bash, bash: 'true'}\n",
  );
  const profile = join(dir.path, "lost.yaml");
  await Deno.writeTextFile(
    profile,
    "parameters: {BASH: /bin/bash, PATH: /usr/bin:/bin}\npackage_dirs: [pkgs]\npackages: {lost: }\n",
  );
  const result = await runCli(["build", profile], { cwd: dir.path });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /tar\.gz:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/);
  assert.match(result.stderr, /http:\/\/127\.0\.0\.1:9\/lost\.tar\.gz/);
  assert.match(result.stderr, /package "lost"/);
  assert.match(result.stderr, /hit fetch/);
  assert.doesNotMatch(result.stderr, /^ {4}at /m);
});

Deno.test("the configuration's sandbox: none builds unsandboxed, loudly, and records it", async () => {
  await using dir = await makeTempDir();
  const profile = await writeOneScriptProfile(dir.path, 'mkdir -p "$ARTIFACT"');
  const hitHome = join(dir.path, ".home", ".hit");
  await Deno.mkdir(hitHome, { recursive: true });
  await Deno.writeTextFile(
    join(hitHome, "config.yaml"),
    "build_stores: [{dir: ./bld}]\nsource_caches: [{dir: ./src}]\nbuild_temp: ./tmp\n" +
      "cache: ./cache\ngc_roots: ./gcroots\nsandbox: none\n",
  );
  const result = await runCli(["build", profile], { cwd: dir.path });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /warning: building WITHOUT a sandbox/);
  const store = join(hitHome, "bld");
  const artifact = (await storeContents(store)).find((entry) => entry.startsWith("slow/"))!;
  const json = await Deno.readTextFile(join(store, artifact, "artifact.json"));
  assert.match(json, /"sandbox" : "none"/);
});
