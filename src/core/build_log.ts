/**
 * The build log as the store keeps it: `build.log.gz` in the artifact, streamed from the log file
 * a chunk at a time, so a build that prints gigabytes needs no more memory than one that prints
 * a line.
 */

/** How much of the log is read at a time when it is compressed. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Writes the whole log behind `log` (read through this handle, never by path) gzipped into a
 * new read-only file at `path`, a chunk at a time.
 */
export async function writeGzippedLog(log: Deno.FsFile, path: string): Promise<void> {
  await log.seek(0, Deno.SeekMode.Start);
  const source = new ReadableStream<BufferSource>({
    async pull(controller) {
      const buffer = new Uint8Array(CHUNK_BYTES);
      const read = await log.read(buffer);
      if (read === null) controller.close();
      else controller.enqueue(buffer.subarray(0, read));
    },
  });
  // `createNew` (O_EXCL) never follows a symlink; the mode is set on the new file itself.
  const out = await Deno.open(path, { write: true, createNew: true, mode: 0o444 });
  await source.pipeThrough(new CompressionStream("gzip")).pipeTo(out.writable);
}
