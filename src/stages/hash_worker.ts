/**
 * The hash stage's worker entry: reads one file and posts its `b32(sha256)` and size. Runs with
 * `read` of that file only (`hashPermissions`).
 */
import { createHash } from "node:crypto";
import { HitError } from "../errors.ts";
import { b32 } from "../spec/hash_document.ts";
import { serveStageRequest } from "./stage_worker.ts";

/** The one message the hash worker receives. */
export interface HashRequest {
  path: string;
}

/** What the hash worker found. */
export interface FileHash {
  /** `b32(sha256)` of the bytes, as in source keys. */
  digest: string;
  bytes: number;
}

serveStageRequest<HashRequest, FileHash>(async (request) => {
  let opened: Deno.FsFile;
  try {
    opened = await Deno.open(request.path, { read: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new HitError(`hash "${request.path}": no such file`);
  }
  using file = opened;
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of file.readable) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { digest: b32(new Uint8Array(hash.digest())), bytes };
});
