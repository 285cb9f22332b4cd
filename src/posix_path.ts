/**
 * `join`, `dirname` and `resolve` of POSIX paths, as `node:path` computes them, for the modules
 * on the start-up path of every command (configuration, build store, `hit status`'s cache):
 * loading `node:path` (Deno's Node layer, with its Windows half) took a quarter of the start-up
 * of `hit status`. Imports nothing; reads only `Deno.cwd()` for a relative `resolve`.
 */

/** The parts joined with `/` and normalized; `.` for nothing. */
export function join(...parts: string[]): string {
  const joined = parts.filter((part) => part !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

/** The folder part of `path` (trailing slashes ignored); `.` when there is none. */
export function dirname(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  // The last slash before the last name, scanning from the end (as node:path does).
  let end = -1;
  let inSlashes = true;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] === "/") {
      if (!inSlashes) {
        end = i;
        break;
      }
    } else inSlashes = false;
  }
  if (end === -1) return absolute ? "/" : ".";
  if (absolute && end === 1) return "//";
  return path.slice(0, end);
}

/** The absolute, normalized path of `parts` taken from the right, from the working folder. */
export function resolve(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= 0 && !path.startsWith("/"); i--) {
    if (parts[i] !== "") path = path === "" ? parts[i] : `${parts[i]}/${path}`;
  }
  if (!path.startsWith("/")) path = path === "" ? Deno.cwd() : `${Deno.cwd()}/${path}`;
  const normal = normalize(path);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

/** `.` and `..` taken out, repeated slashes made one; a trailing slash kept. */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  const kept: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (kept.length > 0 && kept[kept.length - 1] !== "..") kept.pop();
      else if (!absolute) kept.push("..");
      continue;
    }
    kept.push(part);
  }
  let out = kept.join("/");
  if (out === "" && !absolute) out = ".";
  if (trailing && out !== "" && out !== ".") out += "/";
  else if (trailing && out === ".") out = "./";
  return absolute ? `/${out}` : out;
}
