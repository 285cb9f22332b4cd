/**
 * Every user error of the spec layer, through the whole CLI: message, location, hint and exit
 * code, and never a stack trace.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";

const BASE = "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\n";

async function statusOf(files: Record<string, string>) {
  await using dir = await makeTempDir();
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir.path, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir.path, path), text);
  }
  const result = await runCli(["status", "p.yaml"], { cwd: dir.path });
  assert.doesNotMatch(result.stderr, /\n {4}at /, "no stack trace");
  assert.doesNotMatch(result.stderr, /internal error/);
  assert.equal(result.stdout, "");
  return { ...result, dir: dir.path };
}

Deno.test("a YAML syntax error names the file, line and column", async () => {
  const result = await statusOf({
    "p.yaml": BASE + "packages:\n  a:\n",
    "pkgs/a.yaml": "build_stages:\n- name: x\n   handler: bash\n",
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: parse YAML: bad indentation of a mapping entry/);
  assert.match(result.stderr, /at .*\/pkgs\/a\.yaml:3:\d+, package "a"/);
});

Deno.test("an unknown package names the profile line that asks for it and close names", async () => {
  const result = await statusOf({ "p.yaml": BASE + "packages:\n  zlibb:\n", "pkgs/zlib.yaml": "" });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /error: find package "zlibb": no spec file zlibb\.yaml/);
  assert.match(result.stderr, /listed in the profile at .*\/p\.yaml:6:3/);
  assert.match(result.stderr, /hint: did you mean "zlib"\?/);
});

Deno.test("a build dependency cycle is reported with the cycle", async () => {
  const result = await statusOf({
    "p.yaml": BASE + "packages:\n  a:\n",
    "pkgs/a.yaml": "dependencies: {build: [b]}\n",
    "pkgs/b.yaml": "dependencies: {build: [a]}\n",
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /build dependencies form a cycle: a -> b -> a/);
});

Deno.test("an unknown when syntax is reported with the expression", async () => {
  const result = await statusOf({
    "p.yaml": BASE + "packages:\n  a:\n",
    "pkgs/a.yaml":
      "build_stages:\n- when: platform === 'linux'\n  name: x\n  handler: bash\n  bash: 'true'\n",
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /platform === 'linux'/);
  assert.match(result.stderr, /a\.yaml:2:\d+/);
});

Deno.test("a missing required parameter names the package and the parameter", async () => {
  const result = await statusOf({
    "p.yaml": "package_dirs: [pkgs]\npackages:\n  a:\n",
    "pkgs/a.yaml": "build_stages:\n- {name: x, handler: bash, bash: 'true'}\n",
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /BASH must be provided in profile parameters/);
  assert.match(result.stderr, /package "a"/);
  assert.match(result.stderr, /hint: add `BASH: \/bin\/bash`/);
});

Deno.test("a handler's missing parameter names the parameter and the package", async () => {
  const result = await statusOf({
    "p.yaml": BASE + "packages:\n  a:\n",
    "pkgs/a.yaml": "extends: [autotools_package]\ndependencies: {build: [b]}\n",
    "pkgs/b.yaml": "",
    "pkgs/autotools_package.yaml": "build_stages:\n- {name: configure}\n",
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /error: handler "configure" needs parameter "platform"/);
  assert.match(result.stderr, /package "a"/);
  assert.match(result.stderr, /hint: set "platform" under "parameters:" in the profile/);
});

Deno.test("a duplicated key is an error naming its line", async () => {
  const result = await statusOf({
    "p.yaml": "extends:\n- file: base.yaml\n" + BASE + "extends:\n- file: other.yaml\n",
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /duplicated mapping key/);
  assert.match(result.stderr, /p\.yaml:7:1/);
});

Deno.test("an unknown handler names the stage and the known handlers", async () => {
  const result = await statusOf({
    "p.yaml": BASE + "packages:\n  a:\n",
    "pkgs/a.yaml": "build_stages:\n- {name: configure}\n",
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /stage "configure" has unknown handler "configure"/);
  assert.match(result.stderr, /hint: known handlers here: bash/);
});

Deno.test("a missing profile file is a clear error", async () => {
  const result = await statusOf({});
  assert.equal(result.code, 1);
  assert.match(result.stderr, /error: load profile "p\.yaml": no such file/);
});
