/**
 * The build log of a job: appending output to it, the FIFOs of `hit logpipe` (HASHDIST.md
 * §5.6), whose lines are copied into the log under their heading and level, and reading its
 * tail from the end in bounded memory, however much a build prints (the store streams the log
 * into its gzip file: `core/build_log.ts`).
 */
import { join } from "node:path";
import { runProgram } from "../core/run_program.ts";

/** Writes all of `bytes` to `file`. */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
}

/** How much of the log's end is read for its last lines. */
const TAIL_BYTES = 64 * 1024;
/** The last `count` lines of the log behind `log`, read from its end. */
export async function readLogTail(log: Deno.FsFile, count: number): Promise<string[]> {
  const end = await log.seek(0, Deno.SeekMode.End);
  const start = Math.max(0, end - TAIL_BYTES);
  await log.seek(start, Deno.SeekMode.Start);
  const buffer = new Uint8Array(end - start);
  let at = 0;
  while (at < buffer.length) {
    const read = await log.read(buffer.subarray(at));
    if (read === null) break;
    at += read;
  }
  const lines = new TextDecoder().decode(buffer.subarray(0, at)).split("\n");
  // Cut inside the log: the first line is only the end of one.
  if (start > 0) lines.shift();
  if (lines.at(-1) === "") lines.pop();
  return lines.slice(-count);
}

/**
 * The FIFOs of `hit logpipe` in one job: each copies the lines written to it into the build
 * log as `[LEVEL:HEADING] line`. Closing waits for every reader to drain.
 */
export class LogPipes {
  #dir: string;
  #log: Deno.FsFile;
  #readers: { path: string; done: Promise<void> }[] = [];

  constructor(dir: string, log: Deno.FsFile) {
    this.#dir = dir;
    this.#log = log;
  }

  async open(heading: string, level: string): Promise<string> {
    const path = join(this.#dir, `logpipe-${this.#readers.length}`);
    await runProgram("mkfifo", {
      args: ["-m", "0600", path],
      action: `make log pipe "${path}"`,
      env: { PATH: "/usr/bin:/bin" },
    });
    this.#readers.push({ path, done: this.#copy(path, `[${level}:${heading}] `) });
    return path;
  }

  async #copy(path: string, prefix: string): Promise<void> {
    using pipe = await Deno.open(path, { read: true });
    let pending = "";
    const decoder = new TextDecoder();
    for await (const chunk of pipe.readable) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        await writeAll(this.#log, new TextEncoder().encode(prefix + line + "\n"));
      }
    }
    if (pending) await writeAll(this.#log, new TextEncoder().encode(prefix + pending + "\n"));
  }

  /** Ends every pipe: a reader still waiting for a writer gets one that closes at once. */
  async close(): Promise<void> {
    for (const { path } of this.#readers) {
      try {
        // Read-write: on Linux opening a FIFO so never blocks, reader or not.
        using _writer = await Deno.open(path, { read: true, write: true });
      } catch {
        // The pipe is gone with its folder.
      }
    }
    await Promise.all(this.#readers.map((reader) => reader.done.catch(() => {})));
    this.#readers = [];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
