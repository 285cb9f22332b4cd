/**
 * How `hit` runs itself inside build jobs (`{"hit": [...]}` commands, HASHDIST.md §5.6): the
 * same program and entry point, with the same permission flags, never a copy of the logic.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SelfCommand } from "./stages/build_artifact.ts";

/** The self command of this process; `env` is the environment `hit` was started with. */
export function selfCommand(env: Readonly<Record<string, string>>): SelfCommand {
  const runtime = Deno.execPath();
  const main = fileURLToPath(new URL("./main.ts", import.meta.url));
  const root = dirname(dirname(main));
  const flags = Deno.readTextFileSync(join(root, "scripts", "run_flags"))
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const denoDir = env.DENO_DIR ??
    (env.XDG_CACHE_HOME
      ? join(env.XDG_CACHE_HOME, "deno")
      : join(env.HOME ?? "/", ".cache", "deno"));
  const readOnly = [runtime, root];
  const extra: Record<string, string> = { DENO_NO_UPDATE_CHECK: "1" };
  try {
    Deno.statSync(denoDir);
    readOnly.push(denoDir);
    extra.DENO_DIR = denoDir;
  } catch {
    // No cache yet: Deno compiles in memory.
  }
  return { argv: [runtime, "run", "--quiet", ...flags, main], readOnly, env: extra };
}
