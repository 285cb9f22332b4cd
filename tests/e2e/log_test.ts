import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";

/** A profile `one.yaml` with the packages `ok` and `broken`, each running its script. */
async function writeProfile(dir: string): Promise<string> {
  await Deno.mkdir(join(dir, "pkgs"));
  const scripts: Record<string, string> = {
    ok: 'echo "hello from the build"\nmkdir -p "$ARTIFACT"',
    broken: 'echo "about to fail" >&2\nexit 3',
  };
  for (const [name, script] of Object.entries(scripts)) {
    await Deno.writeTextFile(
      join(dir, "pkgs", `${name}.yaml`),
      `build_stages:\n- name: run\n  handler: bash\n  bash: |\n${
        script.split("\n").map((line) => `    ${line}`).join("\n")
      }\n`,
    );
  }
  const profile = join(dir, "one.yaml");
  await Deno.writeTextFile(
    profile,
    "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\n" +
      "packages:\n  ok:\n  broken:\n",
  );
  return profile;
}

Deno.test("hit log prints the log kept in a built artifact", async () => {
  await using dir = await makeTempDir();
  await writeProfile(dir.path);
  const build = await runCli(["build", "one.yaml", "--package", "ok"], { cwd: dir.path });
  assert.equal(build.code, 0, build.stderr);
  const result = await runCli(["log", "ok", "-p", "one.yaml"], { cwd: dir.path });
  assert.deepEqual({ ...result, stdout: "" }, { code: 0, stdout: "", stderr: "" });
  // The build's time and host open and close the log (they are kept out of the artifact's files).
  assert.match(
    result.stdout,
    /^hit \S+: build of ok\/[a-z2-7]+ on \S+ started \d{4}-\d\d-\d\dT[\d:.]+Z\nhello from the build\nhit: build of ok\/[a-z2-7]+ finished \d{4}-[-\dT:.]+Z\n$/,
  );
  const json = await runCli(["log", "ok", "-p", "one.yaml", "--json"], { cwd: dir.path });
  assert.equal(json.code, 0, json.stderr);
  const status = await runCli(["status", "one.yaml", "--json"], { cwd: dir.path });
  const ok = JSON.parse(status.stdout).find((row: { name: string }) => row.name === "ok");
  const folder = await runCli(["path", "ok", "-p", "one.yaml"], { cwd: dir.path });
  const path = join(folder.stdout.trimEnd(), "build.log.gz");
  assert.deepEqual(JSON.parse(json.stdout), {
    package: "ok",
    artifact_id: ok.artifact_id,
    kind: "artifact",
    path,
    text: result.stdout,
  });
});

Deno.test("hit log prints the log of the last failed build of a package that is not built", async () => {
  await using dir = await makeTempDir();
  await writeProfile(dir.path);
  for (let i = 0; i < 2; i++) {
    const build = await runCli(["build", "one.yaml", "--package", "broken"], { cwd: dir.path });
    assert.equal(build.code, 1);
  }
  const folders = [...Deno.readDirSync(join(dir.path, ".home", ".hit", "tmp"))];
  assert.equal(folders.length, 2, "each failed build keeps its folder");
  const result = await runCli(["log", "broken", "-p", "one.yaml"], { cwd: dir.path });
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^hit \S+: build of broken\/\S+ on \S+ started \S+\nabout to fail\n$/,
  );
  assert.match(
    result.stderr,
    /^hit log: "broken" is not built; the log of its last failed build, \S+\/broken-[a-z2-7]{12}-1\/_hashdist\/build\.log:\n$/,
  );
  const json = await runCli(["log", "broken", "-p", "one.yaml", "--json"], { cwd: dir.path });
  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.stderr, "");
  const document = JSON.parse(json.stdout);
  assert.deepEqual([document.package, document.kind, document.text], [
    "broken",
    "failed",
    result.stdout,
  ]);
  assert.match(document.path, /\/broken-[a-z2-7]{12}-1\/_hashdist\/build\.log$/);
  assert.match(document.artifact_id, /^broken\/[a-z2-7]+$/);
});

Deno.test("hit log names a package that is neither built nor failed, and an unknown one", async () => {
  await using dir = await makeTempDir();
  await writeProfile(dir.path);
  const never = await runCli(["log", "ok", "-p", "one.yaml"], { cwd: dir.path });
  assert.equal(never.code, 1);
  assert.equal(never.stdout, "");
  assert.match(
    never.stderr,
    /^error: show the log of "ok": "ok\/[a-z2-7]{32}" is not built and no failed build of it is kept\n {2}at package "ok"\nhint: build it with "hit build one\.yaml"/,
  );
  const unknown = await runCli(["log", "brokn", "-p", "one.yaml"], { cwd: dir.path });
  assert.deepEqual(unknown, {
    code: 1,
    stdout: "",
    stderr: 'error: show the log of "brokn": no package "brokn" in profile "one.yaml"\n' +
      'hint: did you mean "broken"?\n',
  });
  const usage = await runCli(["log", "-p", "one.yaml"], { cwd: dir.path });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^error: log: missing the package name/);
});
