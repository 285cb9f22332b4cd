/**
 * The writer `cli/` prints through: text in, bytes to a file or a buffer out. A closed pipe
 * (`hit show … | head`) becomes an `OutputClosedError`, which `main.ts` turns into a quiet exit.
 */

/** Where a command prints: stdout, stderr, or a buffer in tests. */
export interface Writer {
  /** Whether the output is a terminal (live progress, colour); false for pipes and files. */
  readonly isTerminal: boolean;
  /** Writes all of `text`. @throws {OutputClosedError} when the reader has gone away. */
  write(text: string): Promise<void>;
}

/** Thrown by a `Writer` whose reader closed the pipe; not a failure of `hit`. */
export class OutputClosedError extends Error {
  constructor(options?: ErrorOptions) {
    super("write output: the reader closed the pipe", options);
    this.name = "OutputClosedError";
  }
}

/** A file `fileWriter` can write to, such as `Deno.stdout` or `Deno.stderr`. */
export interface WritableFile {
  write(bytes: Uint8Array): Promise<number>;
  isTerminal(): boolean;
}

/** A `Writer` onto a file such as `Deno.stdout`, finishing partial writes. */
export function fileWriter(file: WritableFile): Writer {
  const encoder = new TextEncoder();
  return {
    isTerminal: file.isTerminal(),
    async write(text: string): Promise<void> {
      let bytes = encoder.encode(text);
      try {
        while (bytes.length > 0) bytes = bytes.subarray(await file.write(bytes));
      } catch (error) {
        if (error instanceof Deno.errors.BrokenPipe) throw new OutputClosedError({ cause: error });
        throw error;
      }
    },
  };
}

/** A `Writer` that keeps what is written, for tests and for output built before printing. */
export interface BufferWriter extends Writer {
  /** Everything written so far. */
  text(): string;
}

/** A `Writer` that collects text in memory; `isTerminal` is as given (default false). */
export function bufferWriter(options: { isTerminal?: boolean } = {}): BufferWriter {
  const parts: string[] = [];
  return {
    isTerminal: options.isTerminal ?? false,
    write(text: string): Promise<void> {
      parts.push(text);
      return Promise.resolve();
    },
    text(): string {
      return parts.join("");
    },
  };
}
