/**
 * The unpack stage's worker entry: unpacks one archive or hit-pack into its target folder,
 * writing files and folders only, and posts the warnings and the links it left for the main
 * thread to make. Runs with the grants of `unpackPermissions` only.
 */
import {
  type ArchiveType,
  unpackArchive,
  unpackHitPack,
  type UnpackResult,
} from "../core/unpack.ts";
import { HitError } from "../errors.ts";
import { serveStageRequest } from "./stage_worker.ts";

/** The one message the unpack worker receives. */
export interface UnpackRequest {
  /** The archive or hit-pack file (read). */
  archive: string;
  /** The source key's type; `files` is a hit-pack. */
  type: ArchiveType | "files";
  /** The folder to unpack into (the worker's only write grant). */
  target: string;
  /** The b32 SHA-256 the file must have. */
  expectedHash?: string;
}

serveStageRequest<UnpackRequest, Required<UnpackResult>>(async (request) => {
  const { archive, type, target, expectedHash } = request;
  if (type === "files") {
    await unpackHitPack(await readPack(archive), target, { expectedHash });
    return { warnings: [], links: [] };
  }
  const result = await unpackArchive(archive, type, target, { expectedHash, links: "defer" });
  return { warnings: result.warnings, links: result.links ?? [] };
});

async function readPack(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new HitError(`open archive "${path}": ${(error as Error).message}`, { cause: error });
  }
}
