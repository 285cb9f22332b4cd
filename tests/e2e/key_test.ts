/** `hit key generate`: a key pair beside the configuration, the secret one private. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";

Deno.test("hit key generate writes a private secret key and a public key once", async () => {
  await using dir = await makeTempDir();
  const made = await runCli(["key", "generate", "builder"], { cwd: dir.path });
  assert.equal(made.code, 0, made.stderr);
  const keys = join(dir.path, ".home/.hit/keys");
  assert.equal(
    made.stdout,
    `secret key: ${keys}/builder.key\npublic key: ${keys}/builder.pub\n`,
  );
  assert.equal((await Deno.stat(join(keys, "builder.key"))).mode! & 0o777, 0o600);
  assert.match(
    await Deno.readTextFile(join(keys, "builder.pub")),
    /^hit-ed25519 builder \S{44}\n$/,
  );
  const again = await runCli(["key", "generate", "builder"], { cwd: dir.path });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /builder\.key already exists/);
  const bad = await runCli(["key", "make", "x"], { cwd: dir.path });
  assert.equal(bad.code, 2);
});
