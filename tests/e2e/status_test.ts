import assert from "node:assert/strict";
import { corpusWorkspace, makeTempDir, readConformance, runCli } from "./_run_cli.ts";

const PROFILE = "test.autotools.yaml";

Deno.test("hit status with a missing profile fails with a clear error and no stack", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["status", "missing.yaml"], { cwd: dir.path });
  assert.equal(result.stdout, "");
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /^error: .*"missing\.yaml"/);
  assert.doesNotMatch(result.stderr, /\n {4}at /);
  assert.doesNotMatch(result.stderr, /internal error/);
});

Deno.test("hit status --json lists the closure with the original's artifact ids", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  const golden = await readConformance(`profile-goldens/${PROFILE}.json`);
  const result = await runCli(["status", PROFILE, "--json"], { cwd: dir.path });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const rows = JSON.parse(result.stdout) as { name: string; artifact_id: string; built: boolean }[];
  assert.deepEqual(
    Object.fromEntries(rows.map((row) => [row.name, row.artifact_id])),
    golden.packages,
  );
  assert.ok(rows.every((row) => row.built === false));
});

Deno.test("hit status -p PROFILE prints one line per package, in build order", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  const golden = await readConformance(`profile-goldens/${PROFILE}.json`);
  const ids = golden.packages as Record<string, string>;
  const result = await runCli(["status", "-p", PROFILE], { cwd: dir.path });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const lines = result.stdout.trimEnd().split("\n").map((line) => line.split(/ +/));
  assert.deepEqual(
    lines.map(([name, id]) => [name, id]).sort(),
    Object.entries(ids).sort(),
  );
  // test_autotools build-depends on test_empty, so it comes later.
  const names = lines.map(([name]) => name);
  assert.ok(names.indexOf("test_empty") < names.indexOf("test_autotools"));
  assert.ok(lines.every((line) => line.slice(2).join(" ") === "not built"));
});

Deno.test("hit status --format hashdist prints the original's sorted [needs build] lines", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  const golden = await readConformance(`profile-goldens/${PROFILE}.json`);
  const shortIds = Object.values(golden.packages as Record<string, string>)
    .map((id) => id.slice(0, id.indexOf("/") + 13))
    .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  const result = await runCli(["status", PROFILE, "--format", "hashdist"], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 0,
    stdout: shortIds.map((id) => `${id.padEnd(50)} [needs build]\n`).join(""),
    stderr: "",
  });
});

Deno.test("hit status takes --config after the command, and a --config that does not exist is an error", async () => {
  await using dir = await makeTempDir();
  await Deno.writeTextFile(`${dir.path}/p.yaml`, "packages: {}\n");
  const missing = await runCli(["status", "p.yaml", "--config", "nonexist/c.yaml"], {
    cwd: dir.path,
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error: load configuration: ".*nonexist\/c\.yaml" does not exist/);
  await assert.rejects(Deno.stat(`${dir.path}/nonexist`), Deno.errors.NotFound);
  const init = await runCli(["--config", "c/config.yaml", "init-home"], { cwd: dir.path });
  assert.equal(init.code, 0, init.stderr);
  const empty = await runCli(["status", "p.yaml", "--config", "c/config.yaml"], { cwd: dir.path });
  assert.deepEqual(empty, {
    code: 0,
    stdout: "",
    stderr: `warning: profile "${dir.path}/p.yaml" lists no packages\n`,
  });
  const build = await runCli(["build", "p.yaml", "--config=c/config.yaml"], { cwd: dir.path });
  assert.equal(build.code, 1);
  assert.match(build.stderr, /^error: build: profile ".*p\.yaml" lists no packages\n/);
});
