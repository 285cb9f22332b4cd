/**
 * File system errors the operating system reports (a missing file, a file where a folder is
 * expected, no permission, a read-only file system) as `HitError`s: they come from the paths
 * and the machine a user gave `hit`, not from a bug in it.
 */
import { HitError } from "../errors.ts";

const CAUSES: Record<string, { cause: string; hint: string }> = {
  ENOENT: { cause: "does not exist", hint: "check the path" },
  ENOTDIR: {
    cause: "is not a folder (or a part of its path is a file)",
    hint: "give the path of a folder",
  },
  EISDIR: { cause: "is a folder", hint: "give the path of a file" },
  EACCES: {
    cause: "permission denied",
    hint: "check the permissions of the path, or choose another one",
  },
  EPERM: {
    cause: "operation not permitted",
    hint: "check the permissions of the path, or choose another one",
  },
  EROFS: { cause: "is on a read-only file system", hint: "choose a writable place" },
  EEXIST: { cause: "exists already", hint: "remove it, or choose another path" },
  ENOTEMPTY: { cause: "is a folder that is not empty", hint: "remove it, or choose another path" },
  ENOSPC: { cause: "no space left on the device", hint: "free some space" },
  EDQUOT: { cause: "disk quota exceeded", hint: "free some space" },
  ELOOP: { cause: "has too many levels of symlinks", hint: "check the symlinks on the path" },
  ENAMETOOLONG: { cause: "the name is too long", hint: "choose a shorter path" },
  EIO: { cause: "input/output error", hint: "the file cannot be read as a file" },
  ENXIO: { cause: "no such device", hint: "give the path of a regular file" },
  EINVAL: { cause: "invalid argument", hint: "give the path of a regular file or folder" },
};

/**
 * Whether `error` is Deno refusing a special path (`/proc`, `/sys`, devices), which it does even
 * with --allow-read/write ("Requires all access to …"). A refused network or environment access
 * is not the user's path but a bug in `hit`'s grants, and stays an internal error.
 */
function isSpecialPathRefusal(error: unknown): error is Deno.errors.NotCapable {
  return error instanceof Deno.errors.NotCapable &&
    /^Requires (all|read|write) access to /.test(error.message);
}

/** Whether `error` is an error the operating system reported for a file operation. */
export function isFileSystemError(error: unknown): error is Error {
  if (!(error instanceof Error) || error instanceof HitError) return false;
  if (error instanceof Deno.errors.NotCapable) return isSpecialPathRefusal(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code);
}

/**
 * `error` as a `HitError` whose message starts with `action` and names the path (`path`, or
 * the one in Deno's message, which it gives only with full permissions) and the cause; a
 * `HitError` or an error that is not the file system's is returned as it is.
 */
export function fileError(action: string, error: unknown, path?: string): unknown {
  if (isSpecialPathRefusal(error)) {
    const denied = path ?? /"(.*)"/.exec(error.message)?.[1];
    return new HitError(`${action}: ${denied ? `"${denied}" ` : ""}is a special system path`, {
      hint: "choose a path on an ordinary file system",
      cause: error,
    });
  }
  if (!isFileSystemError(error)) return error;
  const code = (error as Error & { code: string }).code;
  // Deno ends the message with the system call and the path: `…: readdir '/etc/hostname'`.
  const match = /: (\w+) '(.*?)'(?: -> '(.*)')?$/.exec(error.message);
  const known = CAUSES[code] ?? {
    cause: error.message.replace(/ \(os error \d+\).*$/, "").toLowerCase(),
    hint: "check the path and the machine's file systems",
  };
  const named = path ?? match?.[2];
  const where = named !== undefined ? `"${named}" ` : "";
  return new HitError(`${action}: ${where}${known.cause}`, {
    hint: known.hint,
    context: match ? [`(${match[1]}: ${code})`] : [`(${code})`],
    cause: error,
  });
}
