/**
 * What `hit` needs of a remote that holds artifacts, whatever its kind (an OCI registry, a
 * folder, a static HTTP site): manifests by repository and tag, blobs by digest. Also the one
 * verified download every kind uses: a blob is streamed to a file with its size and digest
 * checked, and the file is removed when either is wrong.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { HitError } from "../errors.ts";
import type { Descriptor } from "./artifact_manifest.ts";

/** Called with the bytes moved so far. */
export type OnBytes = (bytes: number) => void;

/** One remote's storage, in the layout of `artifact_manifest.ts`. */
export interface RemoteStore {
  /** `remote "NAME" (URL)`, for messages. */
  where: string;
  /** Whether it can only be read (static HTTP). */
  readOnly: boolean;
  /** The manifest tagged `tag`, or undefined when there is none. */
  readManifest(repo: string, tag: string): Promise<Uint8Array | undefined>;
  /** Whether a manifest is tagged `tag`. */
  hasManifest(repo: string, tag: string): Promise<boolean>;
  /** Streams blob `blob` into the new file `to`, checking its size and digest. */
  readBlob(repo: string, blob: Descriptor, to: string, onBytes?: OnBytes): Promise<void>;
  /** Whether the repository holds blob `blob`. */
  hasBlob(repo: string, blob: Descriptor): Promise<boolean>;
  /** Uploads the file `from`, which is blob `blob`. */
  writeBlob(repo: string, blob: Descriptor, from: string, onBytes?: OnBytes): Promise<void>;
  /** Tags `bytes` as `tag`; its blobs must be there already. */
  writeManifest(repo: string, tag: string, bytes: Uint8Array): Promise<void>;
}

/**
 * Writes `body` into the new file `to`, refusing more than `blob.size` bytes and any digest
 * other than `blob.digest`; on any failure the file is removed.
 * @throws {HitError} naming `where` on a size or digest mismatch, or a broken stream.
 */
export async function saveVerified(
  body: ReadableStream<Uint8Array>,
  to: string,
  blob: Descriptor,
  where: string,
  onBytes?: OnBytes,
): Promise<void> {
  const hash = createHash("sha256");
  let size = 0;
  const file = await Deno.open(to, { write: true, createNew: true, mode: 0o600 });
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    const piece = pending.length === 1 ? pending[0] : Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    let at = 0;
    while (at < piece.length) at += await file.write(piece.subarray(at));
  };
  try {
    try {
      for await (const chunk of body) {
        size += chunk.length;
        if (size > blob.size) {
          throw new HitError(
            `download ${blob.digest} from ${where}: more than the ${blob.size} bytes announced`,
            { hint: "the remote's blob is damaged; push the artifact again" },
          );
        }
        hash.update(chunk);
        // Network chunks are small: write in 1 MiB pieces, a syscall per piece.
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= 1 << 20) await flush();
        onBytes?.(size);
      }
      await flush();
    } catch (error) {
      if (error instanceof HitError) throw error;
      throw new HitError(
        `download ${blob.digest} from ${where}: the transfer broke off after ${size} bytes: ${
          (error as Error).message
        }`,
        { cause: error, hint: "check that the remote is up, then run the command again" },
      );
    }
    if (size !== blob.size) {
      throw new HitError(
        `download ${blob.digest} from ${where}: got ${size} bytes, the manifest says ${blob.size}`,
        { hint: "the remote's blob is damaged or was cut short; push the artifact again" },
      );
    }
    const digest = `sha256:${hash.digest("hex")}`;
    if (digest !== blob.digest) {
      throw new HitError(
        `download ${blob.digest} from ${where}: corrupted: its digest is ${digest}`,
        {
          hint: "the remote's blob is damaged; remove the artifact there and push it again",
        },
      );
    }
  } catch (error) {
    file.close();
    await Deno.remove(to).catch(() => {});
    throw error;
  }
  file.close();
}
