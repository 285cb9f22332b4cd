import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { storeFolders } from "../core/_store_fixture.ts";
import { APP_OUTPUT, hitHome, maskSizes, runApp, writeAppStack } from "./_gc_stack.ts";
import { denoDir, HIT, hitEnv, makeTempDir, runCli } from "./_run_cli.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

/** The artifact.json of the profile a link leads to. */
async function profileJson(link: string): Promise<{ id: string; dependencies: string[] }> {
  return JSON.parse(await Deno.readTextFile(join(link, "artifact.json")));
}

/** Ids in the order gc removes them: by folder name, then hash. */
function folderOrder(ids: string[]): string[] {
  return [...ids].sort((a, b) => {
    const [an, ah] = a.split("/");
    const [bn, bh] = b.split("/");
    return an < bn ? -1 : an > bn ? 1 : ah < bh ? -1 : ah > bh ? 1 : 0;
  });
}

Deno.test("hit gc collects a profile whose link is gone, and the other profile still runs", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  const appProfile = await writeAppStack(cwd);
  for (const profile of [EXAMPLE, appProfile]) {
    const built = await runCli(["build", profile], { cwd });
    assert.equal(built.code, 0, built.stderr);
  }
  const stack = await profileJson(join(cwd, "stack"));
  const app = await profileJson(join(cwd, "app"));
  const tool = app.dependencies.find((id) => id.startsWith("tool/"))!;
  await Deno.remove(join(cwd, "stack"));

  const gc = await runCli(["gc"], { cwd });
  assert.equal(gc.stderr, "");
  assert.equal(
    maskSizes(gc.stdout),
    `removed gc root of "${join(cwd, "stack")}": it leads to no artifact\n` +
      folderOrder([stack.id, ...stack.dependencies, tool])
        .map((id) => `removed ${id} (SIZE)\n`).join("") +
      "removed 5 artifacts (SIZE), kept 3\n",
  );
  assert.equal(gc.code, 0);
  assert.equal(await runApp(join(cwd, "app")), APP_OUTPUT);

  const again = await runCli(["gc"], { cwd });
  assert.deepEqual(again, { code: 0, stdout: "removed 0 artifacts (0 B), kept 3\n", stderr: "" });
});

Deno.test("hit gc --keep-build-deps keeps build-only dependencies; --dry-run removes nothing", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  const built = await runCli(["build", await writeAppStack(cwd)], { cwd });
  assert.equal(built.code, 0, built.stderr);
  const store = join(hitHome(cwd), "bld");
  const before = await storeFolders(store);
  assert.equal(before.length, 4);
  const tool = (await profileJson(join(cwd, "app"))).dependencies.find((id) =>
    id.startsWith("tool/")
  );

  const dry = await runCli(["gc", "--dry-run"], { cwd });
  assert.deepEqual({ ...dry, stdout: maskSizes(dry.stdout) }, {
    code: 0,
    stdout: `would remove ${tool} (SIZE)\nwould remove 1 artifact (SIZE), would keep 3\n`,
    stderr: "",
  });
  assert.deepEqual(await storeFolders(store), before);

  const keep = await runCli(["gc", "--keep-build-deps"], { cwd });
  assert.deepEqual(keep, { code: 0, stdout: "removed 0 artifacts (0 B), kept 4\n", stderr: "" });

  const gc = await runCli(["gc", "--json"], { cwd });
  assert.equal(gc.code, 0, gc.stderr);
  const result = JSON.parse(gc.stdout);
  assert.deepEqual(result.removed.map((removed: { id: string }) => removed.id), [tool]);
  assert.equal(result.kept, 3);
  assert.equal(result.policy, "run");
  assert.equal(await runApp(join(cwd, "app")), APP_OUTPUT);
});

Deno.test("hit gc --list prints the profile link of each gc root", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  const built = await runCli(["build", await writeAppStack(cwd)], { cwd });
  assert.equal(built.code, 0, built.stderr);
  const copied = await runCli(["cp", "app", "second"], { cwd });
  assert.equal(copied.code, 0, copied.stderr);
  const list = await runCli(["gc", "--list"], { cwd });
  assert.deepEqual(list, {
    code: 0,
    stdout: [join(cwd, "app"), join(cwd, "second")].sort().map((link) => link + "\n").join(""),
    stderr: "",
  });
});

Deno.test("hit gc waits for a build holding the gc lock, and skips what it cannot judge", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  assert.equal((await runCli(["gc", "--list"], { cwd })).code, 0);
  const store = join(hitHome(cwd), "bld");
  const incomplete = join(store, "broken", "bbbbbbbbbbbb");
  await Deno.mkdir(incomplete, { recursive: true });
  await Deno.writeTextFile(join(hitHome(cwd), "gcroots", "README"), "not a root\n");
  await Deno.mkdir(join(store, ".locks"), { recursive: true });
  // A build of `broken` runs: it holds that artifact's lock, so its folder is not a leftover.
  const artifactLock = join(store, ".locks", "broken-bbbbbbbbbbbb.lock");
  const builder = new Deno.Command("flock", { args: [artifactLock, "sleep", "600"] }).spawn();
  let holder: Deno.ChildProcess | undefined;
  let gc;
  try {
    await waitUntilLocked(artifactLock);
    // A build holds the gc lock shared for its whole run: here until `go` is removed.
    const go = join(cwd, "go");
    await Deno.writeTextFile(go, "");
    const gcLock = join(store, ".locks", "gc.lock");
    holder = new Deno.Command("flock", {
      args: ["-s", gcLock, "sh", "-c", `while [ -e "${go}" ]; do sleep 0.05; done`],
    }).spawn();
    await waitUntilLocked(gcLock);
    const child = new Deno.Command(HIT, {
      args: ["gc"],
      cwd,
      clearEnv: true,
      env: await hitEnv({ cwd }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = new Response(child.stdout).text();
    // Released only once hit gc says it waits.
    let stderr = "";
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    while (!stderr.includes("waiting for running builds to finish\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    await Deno.remove(go);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      stderr += chunk.value;
    }
    gc = { code: (await child.status).code, stdout: await stdout, stderr };
  } finally {
    builder.kill("SIGKILL");
    await builder.status;
    await Deno.remove(join(cwd, "go")).catch(() => {});
    await holder?.status;
  }
  assert.deepEqual(gc, {
    code: 0,
    stdout: "removed 0 artifacts (0 B), kept 0\n",
    stderr: "waiting for running builds to finish\n" +
      `warning: skipped "${join(hitHome(cwd), "gcroots", "README")}": a gc root must be a ` +
      "symlink\n" +
      `warning: skipped "${incomplete}": no "id" file (an interrupted build?); remove it with ` +
      `"hit purge broken/bbbbbbbbbbbb"\n`,
  });
  assert.ok(Deno.statSync(incomplete).isDirectory);
});

Deno.test("hit gc during a hit build waits, and removes nothing the build made (needs holdBuildLock in hit build)", async () => {
  await using dir = await makeTempDir();
  const cwd = await Deno.realPath(dir.path);
  await Deno.mkdir(join(cwd, "pkgs"));
  await Deno.writeTextFile(
    join(cwd, "pkgs", "first.yaml"),
    'build_stages:\n- {name: run, handler: bash, bash: \'mkdir -p "$ARTIFACT"; echo 1 > "$ARTIFACT/one"\'}\n',
  );
  await Deno.writeTextFile(
    join(cwd, "pkgs", "second.yaml"),
    "dependencies: {build: [first]}\n" +
      'build_stages:\n- {name: run, handler: bash, bash: \'sleep 3; mkdir -p "$ARTIFACT/share"; ' +
      'echo "$FIRST_DIR" > "$ARTIFACT/share/first"\'}\n' +
      'profile_links:\n- link: "*/**/*"\n',
  );
  const profile = join(cwd, "slow.yaml");
  await Deno.writeTextFile(
    profile,
    "parameters: {BASH: /bin/bash, PATH: /usr/bin:/bin}\npackage_dirs: [pkgs]\n" +
      "packages: {second: }\n",
  );
  const home = join(cwd, ".home");
  await Deno.mkdir(home, { recursive: true });
  const build = new Deno.Command(HIT, {
    args: ["build", profile],
    cwd,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: home,
      HIT_HOME: hitHome(cwd),
      DENO_DIR: denoDir(),
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Wait until "first" is committed: from then on it is in the store without a gc root.
  const firstDir = join(hitHome(cwd), "bld", "first");
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const committed = [...(() => {
      try {
        return Deno.readDirSync(firstDir);
      } catch {
        return [];
      }
    })()].some((entry) => {
      try {
        return Deno.statSync(join(firstDir, entry.name, "id")).isFile;
      } catch {
        return false;
      }
    });
    if (committed) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const gc = await runCli(["gc"], { cwd });
  const built = await build.output();
  const buildStderr = new TextDecoder().decode(built.stderr);
  assert.equal(built.code, 0, buildStderr);
  assert.deepEqual(gc, {
    code: 0,
    stdout: "removed 0 artifacts (0 B), kept 3\n",
    stderr: "waiting for running builds to finish\n",
  });
});

Deno.test("hit gc rejects conflicting options with exit 2", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["gc", "--list", "--dry-run"], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 2,
    stdout: "",
    stderr: 'error: gc: options "--list" and "--dry-run" conflict\n' +
      'hint: run "hit help gc" for its usage\n',
  });
});

/** Waits until another process holds the lock on `path` (`flock -n` fails), for up to 60 s. */
async function waitUntilLocked(path: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const probe = await new Deno.Command("flock", { args: ["-n", path, "true"] }).output();
    if (!probe.success) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nobody took the lock "${path}" within 60 s`);
}
