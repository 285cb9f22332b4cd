import assert from "node:assert/strict";
import { join } from "node:path";
import { DownloadFailure } from "../../src/core/download.ts";
import { HitError } from "../../src/errors.ts";
import { fetchPermissions, type StagePermissions } from "../../src/stages/permissions.ts";
import {
  decodeError,
  encodeError,
  runStageWorker,
  StageCapabilityError,
  workerModuleUrl,
} from "../../src/stages/stage_worker.ts";
import { listDir, makeTempDir, serve } from "../core/_source_fixtures.ts";
import type { ProbeRequest } from "./_probe_worker.ts";

const PROBE = new URL("./_probe_worker.ts", import.meta.url);
const ENV_AT_IMPORT = new URL("./_env_at_import_worker.ts", import.meta.url);

function probe(request: ProbeRequest, permissions: StagePermissions): Promise<string> {
  return runStageWorker<string>(PROBE, { stage: "probe", permissions, request });
}

async function denial(promise: Promise<unknown>): Promise<StageCapabilityError> {
  const error = await promise.then(() => assert.fail("the worker was allowed"), (e) => e);
  assert.ok(error instanceof StageCapabilityError, String(error?.stack ?? error));
  return error;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

Deno.test("StageCapabilityError names the stage, the permission and its target", () => {
  const error = new StageCapabilityError(
    "fetch",
    'Requires net access to "127.0.0.1:8080", run again with the --allow-net flag',
  );
  assert.equal(error.message, 'run the fetch stage: denied net access to "127.0.0.1:8080"');
  assert.deepEqual([error.stage, error.permission, error.target], [
    "fetch",
    "net",
    "127.0.0.1:8080",
  ]);
  assert.ok(!(error instanceof HitError));
});

Deno.test("encodeError() and decodeError() carry HitError, DownloadFailure and NotCapable", () => {
  const hit = decodeError("fetch", encodeError(new HitError("fetch x: bad", { hint: "do y" })));
  assert.ok(hit instanceof HitError);
  assert.deepEqual([hit.message, hit.hint], ["fetch x: bad", "do y"]);
  const failure = decodeError(
    "fetch",
    encodeError(new DownloadFailure("HTTP 500", { retry: true })),
  );
  assert.ok(failure instanceof DownloadFailure);
  assert.deepEqual([failure.message, failure.retry], ["HTTP 500", true]);
  const denied = decodeError(
    "hash",
    encodeError(new Deno.errors.NotCapable('Requires read access to "/x", run again')),
  );
  assert.ok(denied instanceof StageCapabilityError);
  assert.deepEqual([denied.stage, denied.permission, denied.target], ["hash", "read", "/x"]);
  const other = decodeError("hash", encodeError(new TypeError("boom")));
  assert.ok(!(other instanceof HitError));
  assert.equal(other.message, "run the hash stage: TypeError: boom");
});

Deno.test("workerModuleUrl() picks .ts from source and .js when bundled", () => {
  assert.equal(
    workerModuleUrl("fetch_worker", "file:///app/src/stages/fetch_stage.ts").href,
    "file:///app/src/stages/fetch_worker.ts",
  );
  assert.equal(
    workerModuleUrl("fetch_worker", "file:///app/dist/hit.js").href,
    "file:///app/dist/fetch_worker.js",
  );
});

Deno.test("runStageWorker() with offline fetch grants cannot connect to a live server", async () => {
  await using dir = await makeTempDir();
  await using server = serve(() => new Response("reachable"));
  const permissions = fetchPermissions({
    urls: [`${server.url}/a.tar.gz`],
    cacheDir: dir.path,
    cacheTempDir: join(dir.path, "tmp"),
    offline: true,
  });
  const error = await denial(probe({ action: "connect", port: portOf(server.url) }, permissions));
  assert.deepEqual([error.permission, error.target], ["net", `127.0.0.1:${portOf(server.url)}`]);
  // The same request with the online grants connects: the refusal was the permission.
  const online = fetchPermissions({ ...permissionsInputs(dir.path), urls: [`${server.url}/a`] });
  assert.equal(await probe({ action: "connect", port: portOf(server.url) }, online), "connected");
  assert.equal(server.requests.length, 0);
});

function permissionsInputs(cache: string) {
  return { urls: [], cacheDir: cache, cacheTempDir: join(cache, "tmp") };
}

Deno.test("runStageWorker() with fetch grants denies env, run, and other folders", async () => {
  await using dir = await makeTempDir();
  const permissions = fetchPermissions(permissionsInputs(dir.path));
  assert.equal(
    (await denial(probe({ action: "env", name: "HOME" }, permissions))).permission,
    "env",
  );
  assert.equal(
    (await denial(probe({ action: "run", program: "true" }, permissions))).permission,
    "run",
  );
  const outside = await denial(probe({ action: "read", path: "/etc/hostname" }, permissions));
  assert.deepEqual([outside.permission, outside.target], ["read", "/etc/hostname"]);
  const packs = join(dir.path, "packs");
  await Deno.mkdir(packs);
  const write = await denial(probe({ action: "write", path: join(packs, "x") }, permissions));
  assert.deepEqual([write.permission, write.target], ["write", join(packs, "x")]);
  await Deno.mkdir(join(dir.path, "tmp"));
  assert.equal(
    await probe({ action: "write", path: join(dir.path, "tmp", "x") }, permissions),
    "written",
  );
  assert.deepEqual(await listDir(packs), []);
});

Deno.test("runStageWorker() reports a worker reading the environment at import as denied", async () => {
  await using dir = await makeTempDir();
  const error = await denial(
    runStageWorker<string>(ENV_AT_IMPORT, {
      stage: "probe",
      permissions: fetchPermissions(permissionsInputs(dir.path)),
      request: {},
    }),
  );
  assert.deepEqual([error.stage, error.permission, error.target], ["probe", "env", "HOME"]);
});
