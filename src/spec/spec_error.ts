/**
 * Builds `HitError`s for bad profile and package-spec content: the message, the file, and the
 * line of the offending key, found in the file's text only when an error happens.
 */
import { HitError } from "../errors.ts";
import { locate, type ValuePath } from "./yaml_load.ts";
import type { Value } from "./values.ts";

/** Where in which file a spec error is, and how to fix it. */
export interface SpecErrorOptions {
  file: string;
  /** The (templated) text the document was parsed from, to find the line of `path`. */
  text?: string;
  path?: ValuePath;
  package?: string;
  hint?: string;
}

/** A `HitError` for bad content at `path` in a spec or profile file. */
export function specError(message: string, options: SpecErrorOptions): HitError {
  const position = options.text !== undefined && options.path !== undefined
    ? locate(options.text, options.path)
    : undefined;
  return new HitError(message, {
    location: {
      file: options.file,
      line: position?.line,
      column: position?.column,
      package: options.package,
    },
    hint: options.hint,
  });
}

/** "a string", "a list", … for messages about a value of the wrong type. */
export function describeValue(value: Value | undefined): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string "${value}"`;
  if (typeof value === "boolean") return `the boolean ${value}`;
  return `the number ${value}`;
}
