/**
 * The one error type for mistakes a user can cause: bad YAML, an unknown package, a missing
 * source, a failed build. `main.ts` prints it without a stack trace; anything else is a bug.
 */

/** Where a `HitError` happened: a file position, a package, or both. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  package?: string;
}

/** Options of a `HitError` beyond its message. */
export interface HitErrorOptions {
  location?: ErrorLocation;
  hint?: string;
  /** Lines such as "while loading profile `x.yaml`", innermost first. */
  context?: string[];
  exitCode?: number;
  cause?: unknown;
}

/** An error the user can fix; printed as message, location, context lines and hint. */
export class HitError extends Error {
  location: ErrorLocation;
  hint?: string;
  context: string[];
  exitCode: number;

  constructor(message: string, options: HitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HitError";
    this.location = options.location ?? {};
    this.hint = options.hint;
    this.context = options.context ?? [];
    this.exitCode = options.exitCode ?? 1;
  }

  /** Adds a context line ("while …") as the error travels up; returns the same error. */
  addContext(line: string): this {
    this.context.push(line);
    return this;
  }
}

/** Exit code for command-line usage errors (unknown command or option). */
export const USAGE_EXIT = 2;

/** Formats a location as `file:line:column` or `package "x"`, for messages. */
export function formatLocation(location: ErrorLocation): string {
  const parts: string[] = [];
  if (location.file !== undefined) {
    let where = location.file;
    if (location.line !== undefined) {
      where += `:${location.line}`;
      if (location.column !== undefined) where += `:${location.column}`;
    }
    parts.push(where);
  }
  if (location.package !== undefined) parts.push(`package "${location.package}"`);
  return parts.join(", ");
}

/** Renders a `HitError` for the terminal: no stack, one fact per line. */
export function renderHitError(error: HitError): string {
  const lines = [`error: ${error.message}`];
  const where = formatLocation(error.location);
  if (where) lines.push(`  at ${where}`);
  for (const line of error.context) lines.push(`  ${line}`);
  if (error.hint) lines.push(`hint: ${error.hint}`);
  return lines.join("\n");
}
