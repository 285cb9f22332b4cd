/** `hit remote add|list|rm` on a temporary home: the configuration file keeps everything else. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";

Deno.test("hit remote add, list and rm edit the remotes of the configuration", async () => {
  await using dir = await makeTempDir();
  const cwd = dir.path;
  await Deno.writeTextFile(join(cwd, "k.pub"), "placeholder\n");
  const add = await runCli(
    ["remote", "add", "site", "oci://127.0.0.1:5000/hit", "--push", "--trust", "k.pub"],
    { cwd },
  );
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /^added remote "site" in .*config\.yaml\n$/);
  const usb = await runCli(["remote", "add", "usb", "file:///media/usb/hit", "--trust-unsigned"], {
    cwd,
  });
  assert.equal(usb.code, 0, usb.stderr);
  const list = await runCli(["remote", "list"], { cwd });
  assert.deepEqual(list, {
    code: 0,
    stdout: `site\toci://127.0.0.1:5000/hit\tpush, 1 trusted key\n` +
      `usb\tfile:///media/usb/hit\ttrusts unsigned\n`,
    stderr: "",
  });
  const twice = await runCli(["remote", "add", "usb", "file:///x"], { cwd });
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /remote add: a remote "usb" exists/);
  const noKey = await runCli(["remote", "add", "x", "file:///x", "--trust", "missing.pub"], {
    cwd,
  });
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, /the key file ".*missing\.pub" does not exist/);
  const secret = await runCli(["remote", "add", "y", "oci://u:hunter2@reg.example/hit"], { cwd });
  assert.equal(secret.code, 1);
  assert.match(secret.stderr, /credentials do not belong in the URL/);
  assert.doesNotMatch(secret.stderr, /hunter2/);

  const rm = await runCli(["remote", "rm", "site"], { cwd });
  assert.equal(rm.code, 0, rm.stderr);
  const config = await Deno.readTextFile(join(cwd, ".home/.hit/config.yaml"));
  assert.match(config, /^# hit configuration/);
  assert.match(config, /build_stores:\n- dir: \.\/bld\n/);
  assert.doesNotMatch(config, /site/);
  assert.equal(
    (await runCli(["remote", "list"], { cwd })).stdout.split("\n")[0].split("\t")[0],
    "usb",
  );
  const gone = await runCli(["remote", "rm", "site"], { cwd });
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no remote "site"/);
});
