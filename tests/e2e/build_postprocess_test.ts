import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli, type TempDir } from "./_run_cli.ts";

// An artifact `<tmp>/store/alpha/abc` with one clean file and, optionally, one that holds the
// artifact path.
async function makeArtifact(dir: TempDir, embedded: boolean): Promise<string> {
  const artifact = join(await Deno.realPath(dir.path), "store", "alpha", "abc");
  await Deno.mkdir(join(artifact, "bin"), { recursive: true });
  await Deno.writeTextFile(join(artifact, "bin", "tool"), "clean");
  if (embedded) {
    await Deno.mkdir(join(artifact, "lib"), { recursive: true });
    await Deno.writeTextFile(join(artifact, "lib", "mod.pyc"), `path ${artifact}`);
  }
  return artifact;
}

async function makeWritable(path: string): Promise<void> {
  const info = await Deno.lstat(path);
  if (info.isSymlink) return;
  await Deno.chmod(path, (info.mode! & 0o7777) | 0o200);
  if (!info.isDirectory) return;
  for await (const entry of Deno.readDir(path)) await makeWritable(join(path, entry.name));
}

// The original's cli test_build_tools ran --check-relocatable with and without
// --check-ignore (exit 0 / a crash, Q24). Here both work on a clean artifact.
Deno.test("hit build-postprocess --check-relocatable passes on a clean artifact, ignores or not", async () => {
  await using dir = await makeTempDir();
  const artifact = await makeArtifact(dir, false);
  for (const extra of [[], ["--check-ignore=.*\\.pyc$", "--check-ignore=.*\\.pyo$"]]) {
    const result = await runCli(["build-postprocess", "--check-relocatable", ...extra], {
      cwd: dir.path,
      env: { ARTIFACT: artifact },
    });
    assert.deepEqual(result, { code: 0, stdout: "", stderr: "" });
  }
});

Deno.test("hit build-postprocess --check-relocatable names a file that holds the artifact path", async () => {
  await using dir = await makeTempDir();
  const artifact = await makeArtifact(dir, true);
  const failed = await runCli(["build-postprocess", "--check-relocatable", artifact], {
    cwd: dir.path,
    env: { ARTIFACT: artifact },
  });
  assert.deepEqual(failed, {
    code: 1,
    stdout: "",
    stderr: `error: check relocatability of "${artifact}/lib/mod.pyc": the file contains the ` +
      `artifact path "${artifact}"\n` +
      `hint: make the package relocatable, or skip the file with --check-ignore=REGEX ` +
      `(matched against "/lib/mod.pyc")\n`,
  });
  const ignored = await runCli(
    ["build-postprocess", "--check-relocatable", "--check-ignore=.*\\.pyc$"],
    { cwd: dir.path, env: { ARTIFACT: artifact } },
  );
  assert.deepEqual(ignored, { code: 0, stdout: "", stderr: "" });
});

Deno.test("hit build-postprocess --write-protect defaults to $ARTIFACT; PATH is relative to cwd", async () => {
  await using dir = await makeTempDir();
  const artifact = await makeArtifact(dir, false);
  try {
    const result = await runCli(["build-postprocess", "--write-protect"], {
      cwd: dir.path,
      env: { ARTIFACT: artifact },
    });
    assert.deepEqual(result, { code: 0, stdout: "", stderr: "" });
    assert.equal((await Deno.stat(artifact)).mode! & 0o222, 0);
    assert.equal((await Deno.stat(join(artifact, "bin", "tool"))).mode! & 0o222, 0);
    await Deno.writeTextFile(join(dir.path, "loose"), "x");
    const relative = await runCli(["build-postprocess", "--write-protect", "loose"], {
      cwd: dir.path,
    });
    assert.deepEqual(relative, { code: 0, stdout: "", stderr: "" });
    assert.equal((await Deno.stat(join(dir.path, "loose"))).mode! & 0o222, 0);
  } finally {
    await makeWritable(dir.path);
  }
});

Deno.test("hit build-postprocess warns about absolute symlinks out of the artifact", async () => {
  await using dir = await makeTempDir();
  const artifact = await makeArtifact(dir, false);
  await Deno.symlink("/etc/hostname", join(artifact, "bin", "host"));
  await Deno.symlink(join(artifact, "bin", "tool"), join(artifact, "bin", "alias"));
  const result = await runCli(["build-postprocess", "--relative-symlinks"], {
    cwd: dir.path,
    env: { ARTIFACT: artifact },
  });
  assert.deepEqual(result, {
    code: 0,
    stdout: "",
    stderr: `warning: left symlink "${artifact}/bin/host" absolute: its target ` +
      `"/etc/hostname" is outside the artifact "${artifact}"\n`,
  });
  assert.equal(await Deno.readLink(join(artifact, "bin", "alias")), "tool");
});

Deno.test("hit build-postprocess fails clearly without a path or with an unsupported flag", async () => {
  await using dir = await makeTempDir();
  const noPath = await runCli(["build-postprocess", "--write-protect"], { cwd: dir.path });
  assert.deepEqual(noPath, {
    code: 1,
    stdout: "",
    stderr: "error: post-process: no PATH given and ARTIFACT is not set\n" +
      "hint: give the folder to process, or run inside a build job\n",
  });
  const launcher = await runCli(["build-postprocess", "--shebang=launcher", "."], {
    cwd: dir.path,
  });
  assert.equal(launcher.code, 1);
  assert.match(launcher.stderr, /^error: post-process: "--shebang=launcher" is not supported\n/);
  const badMode = await runCli(["build-postprocess", "--shebang=fancy"], { cwd: dir.path });
  assert.equal(badMode.code, 2);
  assert.match(badMode.stderr, /unknown shebang mode "fancy"/);
});

Deno.test("hit help build-postprocess lists the flags with examples", async () => {
  await using dir = await makeTempDir();
  const help = await runCli(["help", "build-postprocess"], { cwd: dir.path });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: hit build-postprocess \[FLAGS\] \[PATH\]/m);
  assert.match(help.stdout, /^examples:\n {2}hit build-postprocess /m);
  assert.match(help.stdout, /--check-ignore REGEX/);
});
