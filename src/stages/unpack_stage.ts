/**
 * The unpack stage (DESIGN.md "Permissions and sandbox"): one archive or hit-pack unpacked in
 * a `Worker` whose Deno grants are `read` of the archive and the target, `write` of the
 * target, and `run` of `bzip2` or `xz` only for the types that need them (`unpackPermissions`).
 * The worker writes files and folders; scoped grants cannot make symlinks, so the links it
 * checked are checked again and made here, in the main thread (`createDeferredLinks`).
 */
import { resolve } from "node:path";
import { createDeferredLinks } from "../core/deferred_links.ts";
import type { ArchiveType, UnpackResult } from "../core/unpack.ts";
import { type StagePermissions, unpackPermissions } from "./permissions.ts";
import { runStageWorker, workerModuleUrl } from "./stage_worker.ts";
import type { UnpackRequest } from "./unpack_worker.ts";

const UNPACK_WORKER = workerModuleUrl("unpack_worker", import.meta.url);

/** Options of `unpackInWorker`. */
export interface UnpackInWorkerOptions {
  /** The b32 SHA-256 the file must have (the hash part of its source key). */
  expectedHash?: string;
}

/**
 * Unpacks `archive` of `type` (`files`: a hit-pack) into `target` as `unpackArchive` or
 * `unpackHitPack` would, in the unpack stage's worker, then makes the archive's links.
 * @throws {HitError} on a hash mismatch, a damaged archive, or a member or link that could
 * write outside `target`.
 * @throws {StageCapabilityError} when the worker steps outside its grants (a bug).
 */
export async function unpackInWorker(
  archive: string,
  type: ArchiveType | "files",
  target: string,
  options: UnpackInWorkerOptions = {},
): Promise<UnpackResult> {
  const request: UnpackRequest = {
    archive: resolve(archive),
    type,
    target: resolve(target),
    expectedHash: options.expectedHash,
  };
  const result = await runUnpackWorker(request, unpackPermissions(request));
  createDeferredLinks(request.target, result.links, { archive: request.archive });
  return { warnings: result.warnings };
}

/**
 * Runs the unpack worker on `request` with exactly `permissions`, which need not match the
 * request (tests ask for another target than the one granted), and returns what it posted;
 * its links are not made.
 * @throws {StageCapabilityError} when the worker steps outside `permissions`.
 */
export async function runUnpackWorker(
  request: UnpackRequest,
  permissions: StagePermissions,
): Promise<Required<UnpackResult>> {
  return await runStageWorker<Required<UnpackResult>>(UNPACK_WORKER, {
    stage: "unpack",
    permissions,
    request,
  });
}
