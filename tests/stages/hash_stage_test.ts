import assert from "node:assert/strict";
import { join } from "node:path";
import { HitError } from "../../src/errors.ts";
import { hashFile, runHashWorker, verifyFile } from "../../src/stages/hash_stage.ts";
import { hashPermissions } from "../../src/stages/permissions.ts";
import { StageCapabilityError } from "../../src/stages/stage_worker.ts";
import { LIBYAML, LIBYAML_KEY, makeTempDir, SOURCES_DIR } from "../core/_source_fixtures.ts";

const LIBYAML_PATH = join(SOURCES_DIR, LIBYAML);
const LIBYAML_HASH = LIBYAML_KEY.split(":")[1];

Deno.test("hashFile() computes a source key's hash in the worker", async () => {
  const found = await hashFile(LIBYAML_PATH);
  assert.deepEqual(found, {
    digest: LIBYAML_HASH,
    bytes: (await Deno.stat(LIBYAML_PATH)).size,
  });
});

Deno.test("verifyFile() accepts the right hash and names both on a mismatch", async () => {
  await verifyFile(LIBYAML_PATH, LIBYAML_HASH);
  const wrong = "a".repeat(32);
  const error = await verifyFile(LIBYAML_PATH, wrong).catch((e) => e);
  assert.ok(error instanceof HitError);
  assert.equal(error.message, `verify "${LIBYAML_PATH}": hashes did not match`);
  assert.deepEqual(error.context, [`expected "${wrong}", got "${LIBYAML_HASH}"`]);
});

Deno.test("verifyFile() reports a missing file as a user error", async () => {
  await using dir = await makeTempDir();
  const missing = join(dir.path, "missing.tar.gz");
  const error = await verifyFile(missing, LIBYAML_HASH).catch((e) => e);
  assert.ok(error instanceof HitError);
  assert.equal(error.message, `hash "${missing}": no such file`);
  assert.deepEqual(error.context, [`while verifying "${missing}"`]);
});

Deno.test("runHashWorker() cannot read a file other than the one granted", async () => {
  await using dir = await makeTempDir();
  const other = join(dir.path, "other");
  await Deno.writeTextFile(other, "secret");
  const error = await runHashWorker({ path: other }, hashPermissions(LIBYAML_PATH)).catch((e) => e);
  assert.ok(error instanceof StageCapabilityError, String(error));
  assert.deepEqual([error.stage, error.permission, error.target], ["hash", "read", other]);
});
