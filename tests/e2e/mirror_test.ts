import assert from "node:assert/strict";
import { join } from "node:path";
import { LIBYAML_KEY } from "../core/_source_fixtures.ts";
import { type CliResult, makeTempDir, runCli } from "./_run_cli.ts";
import { SMALL_PACKAGES, startSmallStackServer, writeSmallStack } from "./_small_stack.ts";

const LIBYAML_PACK = `packs/tar.gz/${LIBYAML_KEY.split(":")[1]}`;

/** `hit status --json` as `name → artifact id`, and which are built. */
async function status(profile: string, cwd: string) {
  const result = await runCli(["status", profile, "--json"], { cwd });
  assert.equal(result.code, 0, result.stderr);
  const rows = JSON.parse(result.stdout) as { name: string; artifact_id: string; built: boolean }[];
  return {
    ids: Object.fromEntries(rows.map((row) => [row.name, row.artifact_id])),
    built: rows.filter((row) => row.built).map((row) => row.name),
  };
}

/** Files under `dir`, recursively, as sorted relative paths; [] when it does not exist. */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(join(dir, prefix))) {
      const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory) found.push(...await filesUnder(dir, path));
      else found.push(path);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort();
}

/** A connected side: the small stack fetched, and exported as `bundle/` and `bundle.tar`. */
async function connectedSide(cwd: string): Promise<Record<string, string>> {
  await using server = await startSmallStackServer(cwd);
  await writeSmallStack(cwd, server);
  const fetched = await runCli(["fetch", "stack.yaml", "-q"], { cwd });
  assert.equal(fetched.code, 0, fetched.stderr);
  for (const out of ["bundle", "bundle.tar"]) {
    const exported = await runCli(["mirror", "export", "stack.yaml", "-o", out], { cwd });
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stderr, "");
    assert.match(
      exported.stdout,
      new RegExp(`^exported 5 sources \\(.*\\) and 5 files to ${out}\n`),
    );
  }
  return (await status("stack.yaml", cwd)).ids;
}

function assertBuilt(result: CliResult): void {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "Profile build successful, link at: stack\n");
}

Deno.test("hit mirror export, verify and import carry a stack; the far side builds it offline", async () => {
  await using near = await makeTempDir();
  const ids = await connectedSide(near.path);
  const bundle = join(near.path, "bundle.tar");

  await using far = await makeTempDir();
  await Deno.copyFile(bundle, join(far.path, "bundle.tar"));
  const verified = await runCli(["mirror", "verify", "bundle.tar"], { cwd: far.path });
  assert.deepEqual(verified, {
    code: 0,
    stdout: "bundle.tar: 5 sources and 5 files checked, all good\n",
    stderr: "",
  });
  const imported = await runCli(["mirror", "import", "bundle.tar"], { cwd: far.path });
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /^imported 5 sources into \S+\/\.hit\/src \(0 already there\)\n$/);
  const untar = await new Deno.Command("tar", {
    args: ["-xf", "bundle.tar", "profiles"],
    cwd: far.path,
  }).output();
  assert.ok(untar.success);
  const built = await runCli(["build", "--offline", "profiles/stack.yaml"], { cwd: far.path });
  assertBuilt(built);
  const farStatus = await status("profiles/stack.yaml", far.path);
  assert.deepEqual(farStatus.ids, ids);
  assert.deepEqual(farStatus.built, SMALL_PACKAGES);
  const tiny = await new Deno.Command(join(far.path, "stack", "bin", "tiny")).output();
  assert.equal(new TextDecoder().decode(tiny.stdout), "tiny 1.0\n");
  assert.equal(
    await Deno.readTextFile(join(far.path, "stack", "share", "greeting.txt")),
    "hello from a bundle\n",
  );
});

Deno.test("a bundle folder builds offline in place: --mirror DIR, or a source_caches url", async () => {
  await using near = await makeTempDir();
  const ids = await connectedSide(near.path);
  const bundle = join(near.path, "bundle");
  const profile = join(bundle, "profiles", "stack.yaml");

  await using flag = await makeTempDir();
  assertBuilt(
    await runCli(["build", "--offline", "--mirror", bundle, profile], { cwd: flag.path }),
  );
  assert.deepEqual((await status(profile, flag.path)).ids, ids);

  await using config = await makeTempDir();
  const home = join(config.path, ".home", ".hit");
  await Deno.mkdir(home, { recursive: true });
  await Deno.writeTextFile(
    join(home, "config.yaml"),
    `build_stores:\n- dir: ./bld\nbuild_temp: ./tmp\nsource_caches:\n- dir: ./src\n` +
      `- url: ${bundle}\ncache: ./cache\ngc_roots: ./gcroots\n`,
  );
  const built = await runCli(["build", profile], { cwd: config.path, env: { HIT_OFFLINE: "1" } });
  assertBuilt(built);
  assert.deepEqual((await status(profile, config.path)).built, SMALL_PACKAGES);
});

Deno.test("a corrupted byte fails hit mirror verify and import by name; nothing enters the cache", async () => {
  await using near = await makeTempDir();
  await connectedSide(near.path);
  const pack = join(near.path, "bundle", LIBYAML_PACK);
  await Deno.chmod(pack, 0o644);
  const bytes = await Deno.readFile(pack);
  bytes[50_000] ^= 0x01;
  await Deno.writeFile(pack, bytes);

  const message = 'bundle "bundle": 1 of its entries is damaged or missing\n' +
    `  ${LIBYAML_PACK} (${LIBYAML_KEY}, package "yamldoc"): sha256 differs from the manifest\n` +
    "hint: copy the bundle again, or export it again on the connected machine\n";
  const verified = await runCli(["mirror", "verify", "bundle"], { cwd: near.path });
  assert.deepEqual(verified, { code: 1, stdout: "", stderr: `error: verify ${message}` });

  await using far = await makeTempDir();
  await Deno.rename(join(near.path, "bundle"), join(far.path, "bundle"));
  const imported = await runCli(["mirror", "import", "bundle"], { cwd: far.path });
  assert.deepEqual(imported, { code: 1, stdout: "", stderr: `error: import ${message}` });
  const cache = join(far.path, ".home", ".hit", "src");
  assert.deepEqual(await filesUnder(cache), []);
});

Deno.test("hit mirror export lists every source missing from the cache and the command to fetch them", async () => {
  await using dir = await makeTempDir();
  await using server = await startSmallStackServer(dir.path);
  await writeSmallStack(dir.path, server);
  const result = await runCli(["mirror", "export", "stack.yaml", "-o", "b.tar"], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 1,
    stdout: "",
    stderr: "error: export bundle: 2 sources are missing from the source cache and its mirrors\n" +
      `  "tinygit": git:${server.commit} from "${server.gitUrl}"\n` +
      `  "yamldoc": ${LIBYAML_KEY} from "${server.tarballUrl}"\n` +
      'hint: on a machine with network, run "hit fetch stack.yaml" and carry the source cache, ' +
      'or "hit mirror export" a bundle and "hit mirror import" it here (or use its folder with ' +
      '"--mirror DIR")\n',
  });
  assert.deepEqual(server.requests, []);
  assert.deepEqual((await filesUnder(dir.path)).filter((path) => path.startsWith("b.tar")), []);
});

Deno.test("hit build --offline lists every missing source at once and builds nothing", async () => {
  await using dir = await makeTempDir();
  await using server = await startSmallStackServer(dir.path);
  await writeSmallStack(dir.path, server);
  const expected = {
    code: 1,
    stdout: "",
    stderr: "error: build offline: 2 sources are missing from the source cache and its mirrors\n" +
      `  "tinygit": git:${server.commit} from "${server.gitUrl}"\n` +
      `  "yamldoc": ${LIBYAML_KEY} from "${server.tarballUrl}"\n` +
      'hint: on a machine with network, run "hit fetch stack.yaml x=1" and carry the source ' +
      'cache, or "hit mirror export" a bundle and "hit mirror import" it here (or use its folder ' +
      'with "--mirror DIR")\n',
  };
  const flag = await runCli(["build", "--offline", "stack.yaml", "x=1"], { cwd: dir.path });
  assert.deepEqual(flag, expected);
  const env = await runCli(["build", "stack.yaml", "x=1"], {
    cwd: dir.path,
    env: { HIT_OFFLINE: "1" },
  });
  assert.deepEqual(env, expected);
  assert.deepEqual(server.requests, []);
  assert.deepEqual(await filesUnder(join(dir.path, ".home", ".hit", "bld")), []);
});
