import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";
import { mountNamespaceUnavailable, runCliWithoutBwrap } from "./_hide_bwrap.ts";

const CHECKS = ["config", "bash", "bwrap", "git", "bzip2", "xz", "store", "disk"];

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
  for (const name of ["config", "bash", "bwrap", "store"]) assert.equal(found[name], "ok", name);
  const config = join(dir.path, ".home", ".hit", "config.yaml");
  assert.match(result.stdout, new RegExp(`^ok +config +${config}$`, "m"));
  assert.match(result.stdout, /^ok +bwrap +\S+bwrap \(starts a sandbox\)$/m);
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
  assert.deepEqual(Object.keys(statuses(result.stdout)), CHECKS.slice(0, 6));
  assert.match(result.stdout, /\n1 required check failed: config\n$/);
});

Deno.test("hit self-check rejects arguments", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["self-check", "extra"], { cwd: dir.path });
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /unexpected argument "extra"/);
});

Deno.test({
  name: "hit self-check reports bubblewrap missing with how to install it, and a read-only store",
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
      /^missing +bwrap +bubblewrap is not installed: builds run in its sandbox; install it: apt-get install bubblewrap \(Debian\/Ubuntu\), dnf install bubblewrap \(RHEL\/Fedora\); or build unsandboxed with --sandbox=none$/m,
    );
    assert.match(result.stdout, new RegExp(`^failed +store +cannot write in ${store}: `, "m"));
    assert.match(result.stdout, /\n2 required checks failed: bwrap, store\n$/);
  },
});
