import assert from "node:assert/strict";
import { corpusWorkspace, readConformance, runCli } from "./_run_cli.ts";

const PROFILE = "test.autotools.yaml";

Deno.test("hit show script prints test_empty's build script exactly", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  const result = await runCli(["show", "script", "test_empty", "-p", PROFILE], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 0,
    stdout: "set -e\nexport HDIST_IN_BUILD=yes\n\n",
    stderr: "",
  });
});

Deno.test("hit show script and buildspec match the golden package data", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  const golden = await readConformance(`profile-goldens/${PROFILE}.json`);
  for (const name of ["test_empty", "test_autotools"]) {
    // packages/linux/ was computed under golden-linux.yaml; it applies here only for equal ids.
    const expected = await readConformance(`packages/linux/${name}.json`);
    assert.equal(expected.artifact_id, (golden.packages as Record<string, string>)[name]);
    const script = await runCli(["show", "script", name, "--profile", PROFILE], { cwd: dir.path });
    assert.deepEqual(script, { code: 0, stdout: expected.build_script, stderr: "" });
    const spec = await runCli(["show", "buildspec", name, "-p", PROFILE], { cwd: dir.path });
    assert.equal(spec.stderr, "");
    assert.equal(spec.code, 0);
    assert.ok(spec.stdout.endsWith("}\n"));
    assert.deepEqual(JSON.parse(spec.stdout), expected.build_spec);
  }
});

Deno.test("hit show PROFILE buildspec profile prints the golden profile build spec", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  const golden = await readConformance(`profile-goldens/${PROFILE}.json`);
  const result = await runCli(["show", PROFILE, "buildspec", "profile"], { cwd: dir.path });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.deepEqual(JSON.parse(result.stdout), golden.profile_build_spec);
});

Deno.test("hit show imports, links and postprocess print the golden lists", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  const expected = await readConformance("packages/linux/patchelf.json");
  const fields = { imports: "import_commands", links: "link_dsl", postprocess: "postprocess" };
  for (const [subject, field] of Object.entries(fields)) {
    const args = ["show", subject, "patchelf", "-p", PROFILE];
    const json = await runCli([...args, "--json"], { cwd: dir.path });
    assert.equal(json.stderr, "");
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout), expected[field]);
    const lines = await runCli(args, { cwd: dir.path });
    assert.equal(lines.code, 0);
    const values = lines.stdout.split("\n").filter((line) => line !== "").map((line) =>
      JSON.parse(line)
    );
    assert.deepEqual(values, expected[field]);
  }
});

Deno.test("hit show with an unknown package exits 1 and suggests a close name", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  const result = await runCli(["show", "script", "test_emty", "-p", PROFILE], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 1,
    stdout: "",
    stderr: `error: show "test_emty": no package "test_emty" in profile "${PROFILE}"\n` +
      `hint: did you mean "test_empty"?\n`,
  });
});
