/**
 * Decompression of tarball streams (HASHDIST.md §8.3): gzip in-process with `node:zlib`,
 * bzip2 and xz through the system `bzip2`/`xz` programs, spawned with a cleared environment
 * and fed through a pipe. Reads the archive; runs `bzip2` or `xz`.
 */
import { pipeline, Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { HitError } from "../errors.ts";
import { spawnProgram } from "./run_program.ts";

/** The tarball types of source keys; `tar` is an uncompressed tarball. */
export type TarballType = "tar.gz" | "tar.bz2" | "tar.xz" | "tar";

const PROGRAMS: Record<string, string> = { "tar.bz2": "bzip2", "tar.xz": "xz" };

/** The `PATH` the decompressors are looked up in: the system's, never the user's. */
export const DECOMPRESSOR_PATH = "/usr/bin:/bin";

/** The program that decompresses a tarball of `type` (`bzip2`, `xz`), if one is needed. */
export function decompressorProgram(type: string): string | undefined {
  return Object.hasOwn(PROGRAMS, type) ? PROGRAMS[type] : undefined;
}

/**
 * Opens the tarball at `path` and returns its decompressed bytes as a stream. A read or
 * decompression failure errors the stream with a `HitError` "corrupted archive".
 * @throws {HitError} when the file cannot be opened.
 */
export function openDecompressed(path: string, type: TarballType): ReadableStream<Uint8Array> {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    throw new HitError(`open archive "${path}": ${(error as Error).message}`, { cause: error });
  }
  return decompressStream(file.readable, type, path);
}

/**
 * Decompresses the `raw` bytes of a tarball of `type`; `name` names the archive in errors.
 * Cancelling the result cancels `raw` and stops any helper program.
 */
export function decompressStream(
  raw: ReadableStream<Uint8Array>,
  type: TarballType,
  name: string,
): ReadableStream<Uint8Array> {
  if (type === "tar") return raw;
  // node:zlib rather than DecompressionStream: that one fails on multi-member gzip files and
  // on trailing zeros, which gzip and Python's tarfile accept (checked with Deno 2.9.6).
  if (type === "tar.gz") return gunzip(raw, name);
  const program = decompressorProgram(type);
  if (program === undefined) throw new HitError(`unpack "${name}": unknown archive type "${type}"`);
  return decompressWithProgram(raw, program, name);
}

function gunzip(raw: ReadableStream<Uint8Array>, name: string): ReadableStream<Uint8Array> {
  const inflater = createGunzip({ chunkSize: 1 << 16 });
  // pipeline() destroys the inflater with the source's error, so reads below see it.
  pipeline(Readable.fromWeb(raw as NodeReadableStream<Uint8Array>), inflater, () => {});
  const chunks = inflater[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      } catch (error) {
        controller.error(
          error instanceof HitError ? error : new HitError(
            `unpack "${name}": corrupted archive: ${(error as Error).message ?? error}`,
            { cause: error },
          ),
        );
      }
    },
    async cancel() {
      await chunks.return?.();
    },
  }, { highWaterMark: 0 });
}

function decompressWithProgram(
  raw: ReadableStream<Uint8Array>,
  program: string,
  name: string,
): ReadableStream<Uint8Array> {
  const child = spawnProgram(program, {
    args: ["-dc"],
    env: { PATH: DECOMPRESSOR_PATH },
    action: `unpack "${name}": run "${program}"`,
    missingHint: `install "${program}" in /usr/bin`,
  });
  let cancelled = false;
  // The feeder fails with a broken pipe when the program exits early; its exit status then
  // tells what happened, so that failure is dropped here.
  const feeding = raw.pipeTo(child.stdin).catch(() => {});
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await reader.read();
      if (!done) {
        controller.enqueue(value);
        return;
      }
      const [status, message] = await Promise.all([child.status, stderr, feeding]);
      if (status.success) {
        controller.close();
      } else {
        const detail = message.trim().split("\n")[0] || `${program} exited with ${status.code}`;
        controller.error(new HitError(`unpack "${name}": corrupted archive: ${detail}`));
      }
    },
    async cancel(reason) {
      if (cancelled) return;
      cancelled = true;
      await reader.cancel(reason);
      try {
        child.kill();
      } catch {
        // Already exited.
      }
      await Promise.all([child.status, stderr, feeding]);
    },
  }, { highWaterMark: 0 });
}
