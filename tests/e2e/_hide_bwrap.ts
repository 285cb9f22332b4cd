/**
 * Runs `scripts/hit` as if bubblewrap were not installed, or with some folders read-only: in a
 * private mount namespace (`unshare -m`, root only) where `/dev/null` is bound over every place
 * `findBwrap` looks. Test helper; the host's mounts are untouched.
 */
import { type CliResult, HIT, hitEnv, runProgram } from "./_run_cli.ts";

// The places `findBwrap` (src/stages/sandbox.ts) looks.
const BWRAP_PATHS = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"];

/** Why mounts cannot be changed here, or undefined when they can. */
export function mountNamespaceUnavailable(): string | undefined {
  if (Deno.build.os !== "linux") return "mount namespaces need Linux";
  if (Deno.uid() !== 0) return "binding over /usr/bin/bwrap needs root";
  try {
    Deno.statSync("/usr/bin/unshare");
  } catch {
    return "/usr/bin/unshare is missing";
  }
  return undefined;
}

/**
 * Runs `hit ARGS` as `runCli` does (temporary HOME and HIT_HOME under `cwd`, and `env`), with
 * bwrap hidden and each of `readOnly` bound read-only over itself.
 */
export async function runCliWithoutBwrap(
  args: string[],
  options: { cwd: string; readOnly?: string[]; env?: Record<string, string> },
): Promise<CliResult> {
  const script = [
    "set -e",
    "mount --make-rprivate /",
    ...BWRAP_PATHS.map((path) => `if [ -e ${path} ]; then mount --bind /dev/null ${path}; fi`),
    ...(options.readOnly ?? []).map((dir) => `mount -o bind,ro "${dir}" "${dir}"`),
    'exec "$@"',
  ].join("\n");
  return await runProgram("/usr/bin/unshare", ["-m", "/bin/sh", "-c", script, "sh", HIT, ...args], {
    cwd: options.cwd,
    env: await hitEnv({ cwd: options.cwd, env: options.env }),
  });
}
