import assert from "node:assert/strict";
import { join } from "node:path";
import { corpusWorkspace, makeTempDir, readConformance, runCli } from "./_run_cli.ts";
import { bashPackage, writeProfile } from "./_bash_profile.ts";

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

Deno.test("hit show provenance names the sources with sha256, the dependencies and how it was built", async () => {
  await using dir = await makeTempDir();
  const profile = await writeProfile(dir.path, {
    base: bashPackage(
      'mkdir -p "$ARTIFACT"; echo base > "$ARTIFACT/base"',
      "license: MIT\nversion: '2.1'\n",
    ),
    app: bashPackage(
      'mkdir -p "$ARTIFACT"; cp "$BASE_DIR/base" "$ARTIFACT/"',
      "dependencies:\n  build: [base]\n",
    ),
  });
  const show = (...args: string[]) =>
    runCli(["show", "provenance", "app", "-p", profile, ...args], { cwd: dir.path });
  const before = await show();
  assert.equal(before.code, 0, before.stderr);
  assert.match(before.stdout, /^ {2}built {5}no: not in the store$/m);

  const built = await runCli(["build", profile], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);
  const json = await show("--json");
  assert.equal(json.code, 0, json.stderr);
  const provenance = JSON.parse(json.stdout);
  const status = await runCli(["status", profile, "--json"], { cwd: dir.path });
  const ids = Object.fromEntries(
    (JSON.parse(status.stdout) as { name: string; artifact_id: string }[])
      .map((row) => [row.name, row.artifact_id]),
  );
  assert.equal(provenance.artifact_id, ids.app);
  assert.deepEqual([provenance.version, provenance.license], [null, "NOASSERTION"]);
  const base = JSON.parse(
    (await runCli(["show", "provenance", "base", "-p", profile, "--json"], {
      cwd: dir.path,
    })).stdout,
  );
  assert.deepEqual([base.version, base.license], ["2.1", "MIT"]);
  assert.deepEqual(provenance.build_dependencies, [{ name: "base", artifact_id: ids.base }]);
  assert.deepEqual(provenance.run_dependencies, []);
  assert.equal(provenance.built, true);
  assert.equal(provenance.sandbox, "bwrap");
  assert.equal(provenance.hit_version, "0.1.0");
  assert.equal(provenance.host, Deno.hostname());
  assert.ok(Date.parse(provenance.started) <= Date.parse(provenance.finished));
  assert.equal(provenance.sources.length, 1);
  const [bundle] = provenance.sources;
  assert.equal(bundle.kind, "files");
  const cached = join(dir.path, ".home", ".hit", "src", "files", bundle.key.slice("files:".length));
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(cached));
  assert.equal(
    bundle.sha256,
    [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""),
  );

  const text = await show();
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^app ${ids.app}\n`));
  assert.match(text.stdout, /^ {2}sandbox {3}bwrap$/m);
  assert.match(
    text.stdout,
    new RegExp(`^ {2}build dependencies\n {4}${ids.base}\n {2}run dependencies: none\n`, "m"),
  );
  assert.match(text.stdout, new RegExp(`^ {6}sha256 ${bundle.sha256}$`, "m"));
});

Deno.test("hit show provenance shows the sandbox's details; build.json does not record them", async () => {
  await using dir = await makeTempDir();
  // A Landlock build as root runs as the build user only where it can enter the store.
  await Deno.chmod(dir.path, 0o755);
  const profile = await writeProfile(dir.path, {
    solo: bashPackage('mkdir -p "$ARTIFACT"; echo solo > "$ARTIFACT/solo"'),
  });
  const built = await runCli(["build", profile, "--package", "solo", "--sandbox=landlock"], {
    cwd: dir.path,
  });
  assert.equal(built.code, 0, built.stderr);
  const show = (...args: string[]) =>
    runCli(["show", "provenance", "solo", "-p", profile, ...args], { cwd: dir.path });
  const json = JSON.parse((await show("--json")).stdout);
  const [name, hash] = json.artifact_id.split("/");
  const artifact = join(dir.path, ".home", ".hit", "bld", name, hash.slice(0, 12));
  const recorded = JSON.parse(await Deno.readTextFile(join(artifact, "artifact.json")));
  assert.equal(json.sandbox, "landlock");
  assert.deepEqual(json.sandbox_details, recorded.sandbox_details);
  const abi = recorded.sandbox_details.landlock_abi;
  assert.ok(Number.isInteger(abi) && abi >= 1, `landlock_abi ${abi}`);
  const text = (await show()).stdout;
  assert.match(text, /^ {2}sandbox {3}landlock$/m);
  assert.match(text, new RegExp(`^ {12}Landlock ABI ${abi}$`, "m"));
  assert.match(text, /^ {12}enforced: filesystem; seccomp: /m);
  if (Deno.uid() === 0) assert.match(text, /^ {12}run as uid 65534$/m);
  // The hashed build spec is the same whatever the sandbox: it names none.
  const buildJson = await Deno.readTextFile(join(artifact, "build.json"));
  assert.doesNotMatch(buildJson, /sandbox|landlock/);
});
