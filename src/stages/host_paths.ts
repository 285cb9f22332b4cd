/**
 * The host folders a profile's parameters point at: each `HOST_*` parameter that is an
 * absolute path (a host tool such as `HOST_PYTHON=/opt/py/bin/python3`) gives its installation
 * prefix (the folder above `bin/`), which every sandbox then shows read-only, so that tools
 * outside `/usr` run in builds. Reads the file system (stat, realpath).
 */
import { basename, dirname } from "node:path";

// Shown anyway, or too wide to show whole.
const NEVER = ["/", "/usr", "/home", "/root", "/tmp", "/var", "/etc", "/run"];
// Every sandbox shows these whole already.
const SHOWN = ["/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/"];

/**
 * The read-only folders for `params`; `home` is the user's home folder, which is never shown
 * whole (a tool directly in `~/bin` gives `~/bin`).
 */
export function hostToolPaths(params: Record<string, unknown>, home?: string): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(params)) {
    if (!name.startsWith("HOST_") || typeof value !== "string" || !value.startsWith("/")) continue;
    for (const path of [value, realPath(value)]) {
      if (path === undefined) continue;
      const prefix = prefixOf(path);
      if (prefix === "/") continue;
      const chosen = NEVER.includes(prefix) || prefix === home ? dirname(path) : prefix;
      if (NEVER.includes(chosen) || chosen === home) continue;
      if (!SHOWN.some((dir) => chosen.startsWith(dir))) found.add(chosen);
    }
  }
  return [...found].sort();
}

// A folder is its own prefix; a program in `PREFIX/bin` or `PREFIX/sbin` gives PREFIX.
function prefixOf(path: string): string {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch {
    return "/";
  }
  if (info.isDirectory) return path;
  // Only programs have a prefix worth showing; a socket or data file shows nothing.
  if (!info.isFile || ((info.mode ?? 0) & 0o111) === 0) return "/";
  const dir = dirname(path);
  return ["bin", "sbin"].includes(basename(dir)) ? dirname(dir) : dir;
}

function realPath(path: string): string | undefined {
  try {
    return Deno.realPathSync(path);
  } catch {
    return undefined;
  }
}
