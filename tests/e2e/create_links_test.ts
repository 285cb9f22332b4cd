import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";

// The original's cli test_build_tools.test_symlinks: --key picks a nested rule list, $FOO is
// taken from the environment, and select keeps the path below the prefix.
Deno.test("hit create-links --key runs the rules of a nested list", async () => {
  await using dir = await makeTempDir();
  await Deno.writeTextFile(
    join(dir.path, "build.json"),
    JSON.stringify({
      section1: {
        section2: [
          { action: "symlink", target: "$FOO", source: "/bin/ls" },
          { action: "symlink", target: "bar", select: "/bin/ls", prefix: "/" },
        ],
      },
    }),
  );
  const result = await runCli(["create-links", "--key=section1/section2", "build.json"], {
    cwd: dir.path,
    env: { FOO: "foo" },
  });
  assert.deepEqual(result, { code: 0, stdout: "", stderr: "" });
  assert.equal(await Deno.readLink(join(dir.path, "foo")), "/bin/ls");
  assert.equal(await Deno.readLink(join(dir.path, "bar", "bin", "ls")), "/bin/ls");
});

Deno.test("hit create-links builds a profile tree of relative links into ARTIFACT", async () => {
  await using dir = await makeTempDir();
  const store = join(dir.path, "store");
  const zlib = join(store, "zlib", "abc");
  await Deno.mkdir(join(zlib, "lib"), { recursive: true });
  await Deno.writeTextFile(join(zlib, "lib", "libz.so"), "so");
  await Deno.writeTextFile(join(zlib, "artifact.json"), "{}");
  const profile = join(store, "profile", "def");
  const rules = [{
    action: "relative_symlink",
    select: "${ZLIB_DIR}/*/**/*",
    prefix: "${ZLIB_DIR}",
    target: "${ARTIFACT}",
    dirs: false,
  }];
  await Deno.writeTextFile(join(dir.path, "0_in0.json"), JSON.stringify(rules, null, 2));
  const result = await runCli(["create-links", join(dir.path, "0_in0.json")], {
    cwd: dir.path,
    env: { ZLIB_DIR: zlib, ARTIFACT: profile },
  });
  assert.deepEqual(result, { code: 0, stdout: "", stderr: "" });
  assert.equal(
    await Deno.readLink(join(profile, "lib", "libz.so")),
    "../../../zlib/abc/lib/libz.so",
  );
  await assert.rejects(Deno.lstat(join(profile, "artifact.json")), Deno.errors.NotFound);
});

Deno.test("hit create-links fails with exit 1 on an unknown variable", async () => {
  await using dir = await makeTempDir();
  await Deno.writeTextFile(
    join(dir.path, "rules.json"),
    JSON.stringify([{ action: "symlink", source: "/bin/ls", target: "$NOPE/ls" }]),
  );
  const result = await runCli(["create-links", "rules.json"], { cwd: dir.path });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    `error: substitute "$NOPE/ls": no such environment variable "NOPE"\n` +
      `  while planning link rule 1\n` +
      `  while creating links from "rules.json"\n`,
  );
});

Deno.test("hit create-links fails with exit 1 on a missing key or file", async () => {
  await using dir = await makeTempDir();
  await Deno.writeTextFile(join(dir.path, "rules.json"), JSON.stringify({ a: [] }));
  const missingKey = await runCli(["create-links", "--key", "a/b", "rules.json"], {
    cwd: dir.path,
  });
  assert.deepEqual(missingKey, {
    code: 1,
    stdout: "",
    stderr: `error: select key "a/b": "a" has no "b"\n` +
      `  while creating links from "rules.json"\n`,
  });
  const missingFile = await runCli(["create-links", "nope.json"], { cwd: dir.path });
  assert.equal(missingFile.code, 1);
  assert.match(missingFile.stderr, /^error: read link rules: ".*nope.json" does not exist/);
});

Deno.test("hit create-links without FILE is a usage error; its help has an example", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["create-links"], { cwd: dir.path });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^error: create-links: missing the rules FILE/);
  const help = await runCli(["help", "create-links"], { cwd: dir.path });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: hit create-links \[--key K\] FILE/m);
  assert.match(help.stdout, /^example:\n {2}\S.* hit create-links /m);
});
