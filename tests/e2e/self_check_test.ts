import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";
import { mountNamespaceUnavailable, runCliWithoutBwrap } from "./_hide_bwrap.ts";

const CHECKS = [
  "config",
  "bash",
  "bwrap",
  "landlock",
  "sandbox",
  "git",
  "bzip2",
  "xz",
  "cc",
  "make",
  "store",
  "disk",
];

/** The status word of each check line of `hit self-check` output. */
function statuses(stdout: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const match = /^(ok|missing|warning|failed) +(\S+) {2}/.exec(line);
    if (match) found[match[2]] = match[1];
  }
  return found;
}

Deno.test("hit self-check creates a missing configuration and passes on this machine", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["self-check"], { cwd: dir.path });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.equal(result.stderr, "");
  const found = statuses(result.stdout);
  assert.deepEqual(Object.keys(found), CHECKS);
  for (const name of ["config", "bash", "bwrap", "landlock", "sandbox", "store"]) {
    assert.equal(found[name], "ok", name);
  }
  const config = join(dir.path, ".home", ".hit", "config.yaml");
  assert.match(result.stdout, new RegExp(`^ok +config +${config}$`, "m"));
  assert.match(result.stdout, /^ok +bwrap +\S+bwrap \(starts a sandbox\)$/m);
  assert.match(result.stdout, /^ok +landlock +Landlock ABI \d+ \(builds can run under it\)/m);
  assert.match(
    result.stdout,
    /^ok +sandbox +builds run under bwrap \(--sandbox=auto\);.*sandbox_paths:/m,
  );
  assert.match(result.stdout, /\nall required checks passed\n$/);
  assert.ok((await Deno.stat(config)).isFile);
});

Deno.test("hit self-check names a bad configuration file and line, and exits 1", async () => {
  await using dir = await makeTempDir();
  const config = join(dir.path, ".home", ".hit", "config.yaml");
  await Deno.mkdir(join(dir.path, ".home", ".hit"), { recursive: true });
  await Deno.writeTextFile(config, "build_stores: [\n");
  const result = await runCli(["self-check"], { cwd: dir.path });
  assert.equal(result.code, 1);
  assert.match(result.stdout, new RegExp(`^failed +config +${config}:2:1: `, "m"));
  // Without a configuration there is no store to check.
  assert.deepEqual(Object.keys(statuses(result.stdout)), CHECKS.slice(0, 10));
  assert.match(result.stdout, /\n1 required check failed: config\n$/);
});

Deno.test("hit self-check --json lists every check as an object", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["self-check", "--json"], { cwd: dir.path });
  const checks = JSON.parse(result.stdout) as { name: string; status: string; required: boolean }[];
  assert.deepEqual(checks.map((check) => check.name), CHECKS);
  assert.equal(result.code, checks.some((c) => c.required && c.status !== "ok") ? 1 : 0);
  assert.equal(checks.find((check) => check.name === "cc")!.required, false);
});

Deno.test("hit self-check rejects arguments", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["self-check", "extra"], { cwd: dir.path });
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /unexpected argument "extra"/);
});

Deno.test({
  name: "hit self-check without bubblewrap says how to install it, that builds use Landlock, " +
    "and finds a read-only store",
  ignore: mountNamespaceUnavailable() !== undefined,
  async fn() {
    await using dir = await makeTempDir();
    const init = await runCli(["init-home"], { cwd: dir.path });
    assert.equal(init.code, 0, init.stderr);
    const store = join(dir.path, ".home", ".hit", "bld");
    const result = await runCliWithoutBwrap(["self-check"], { cwd: dir.path, readOnly: [store] });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, "");
    assert.match(
      result.stdout,
      /^missing +bwrap +bubblewrap is not installed: builds run in its sandbox when it is; install it: apt-get install bubblewrap \(Debian\/Ubuntu\), dnf install bubblewrap \(RHEL\/Fedora\); or build under Landlock, or unsandboxed with --sandbox=none$/m,
    );
    assert.match(result.stdout, /^ok +sandbox +builds run under landlock \(--sandbox=auto\)/m);
    assert.match(result.stdout, new RegExp(`^failed +store +cannot write in ${store}: `, "m"));
    assert.match(result.stdout, /\n1 required check failed: store\n$/);
  },
});

Deno.test({
  name:
    "hit self-check without bubblewrap and without Landlock fails the sandbox check and says why",
  ignore: mountNamespaceUnavailable() !== undefined,
  async fn() {
    await using dir = await makeTempDir();
    const result = await runCliWithoutBwrap(["self-check"], {
      cwd: dir.path,
      env: { HIT_TEST_NO_LANDLOCK: "1" },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stdout,
      /^missing +landlock +switched off by HIT_TEST_NO_LANDLOCK=1 \(a switch for hit's tests only\)$/m,
    );
    assert.match(
      result.stdout,
      /^failed +sandbox +no sandbox works here: builds stop unless run with --sandbox=none; install it: apt-get install bubblewrap/m,
    );
    assert.match(result.stdout, /\n1 required check failed: sandbox\n$/);
  },
});
