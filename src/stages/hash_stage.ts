/**
 * The hash stage (DESIGN.md "Permissions and sandbox"): hashes or verifies one file in a
 * `Worker` whose only grant is `read` of that file. Writes nothing.
 */
import { HitError } from "../errors.ts";
import type { FileHash, HashRequest } from "./hash_worker.ts";
import { hashPermissions, type StagePermissions } from "./permissions.ts";
import { runStageWorker, workerModuleUrl } from "./stage_worker.ts";

export type { FileHash } from "./hash_worker.ts";

const HASH_WORKER = workerModuleUrl("hash_worker", import.meta.url);

/**
 * The `b32(sha256)` and size of the file at `path`, computed in the hash stage's worker.
 * @throws {StageCapabilityError} when the worker steps outside its grant (a bug).
 */
export async function hashFile(path: string): Promise<FileHash> {
  return await runHashWorker({ path }, hashPermissions(path));
}

/**
 * Checks that the file at `path` has the hash `expected` (`b32(sha256)`, as in a source key).
 * @throws {HitError} when the file is missing or its hash differs.
 */
export async function verifyFile(path: string, expected: string): Promise<void> {
  let found: FileHash;
  try {
    found = await hashFile(path);
  } catch (error) {
    if (!(error instanceof HitError)) throw error;
    error.addContext(`while verifying "${path}"`);
    throw error;
  }
  if (found.digest !== expected) {
    throw new HitError(`verify "${path}": hashes did not match`, {
      context: [`expected "${expected}", got "${found.digest}"`],
      hint: "delete the file and fetch it again",
    });
  }
}

/**
 * Runs the hash worker on `request` with exactly `permissions`, which need not match the
 * request (tests ask for another file than the one granted).
 * @throws {StageCapabilityError} when the worker steps outside `permissions`.
 */
export async function runHashWorker(
  request: HashRequest,
  permissions: StagePermissions,
): Promise<FileHash> {
  return await runStageWorker<FileHash>(HASH_WORKER, { stage: "hash", permissions, request });
}
