/**
 * Why one download failed, as it crosses from a fetch worker to the main process: a message
 * for the user, whether another attempt may succeed, and how long the server asked to wait.
 */

/** Why one download failed; `retry` is true for failures worth another attempt. */
export class DownloadFailure extends Error {
  retry: boolean;
  /** The wait a `Retry-After` header asked for, in milliseconds. */
  retryAfterMs?: number;
  /** A hint for the user (a TLS failure: how to trust a site CA). */
  hint?: string;
  constructor(
    message: string,
    options: { retry: boolean; cause?: unknown; retryAfterMs?: number; hint?: string },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DownloadFailure";
    this.retry = options.retry;
    this.retryAfterMs = options.retryAfterMs;
    this.hint = options.hint;
  }
}

/** The message of `error` with the message of its cause, for one line of a failure. */
export function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
