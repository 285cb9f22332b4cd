/**
 * The Landlock sandbox, `hit`'s side: probes the kernel's Landlock ABI through the stage
 * program (landlock_stage.ts), and turns one job process into the stage program's command with
 * its policy: the system folders, dependency artifacts and `hit` runtime readable, the build
 * folder and the artifact folder writable, the job's temp folder as TMPDIR, the harmless
 * devices. Reads the file system to list what exists and to look commands up in PATH.
 */
import { join } from "node:path";
import { HitError } from "../errors.ts";
import type { LandlockPolicy } from "./landlock_stage.ts";
import {
  type BuildUser,
  ETC_FILES,
  MERGED_USR,
  type ProcessRequest,
  type SandboxLimits,
  type SandboxMounts,
  type StartCommand,
  SYSTEM_DIRS,
} from "./sandbox.ts";

/** How to start the stage program (`deno run --allow-ffi landlock_stage.ts`). */
export interface StageProgram {
  argv: string[];
  env: Record<string, string>;
}

/** What starting a process under Landlock needs. */
export interface LandlockTools extends StageProgram {
  /** The kernel's Landlock ABI (1 from Linux 5.13; 4 adds TCP, 6 adds scoping). */
  abi: number;
}

/** The environment switch with which hit's tests make Landlock look unavailable. */
export const TEST_NO_LANDLOCK = "HIT_TEST_NO_LANDLOCK";

// Readable besides the toolchain: /proc (a process's own view), the CPU list build tools count.
// Listed as folders without a look: Deno's permissions refuse even a stat below /proc and /dev
// to `hit`; the stage program skips what it cannot open.
const SYSTEM_READ = ["/proc", "/dev", "/sys/devices/system/cpu"];
// Readable and writable device files: the ones bwrap's `--dev` makes.
const DEVICES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"];
// The argv of execve has a limit per string (MAX_ARG_STRLEN, 32 pages).
const MAX_POLICY_BYTES = 128 * 1024 - 1;

/**
 * The Landlock ABI the stage program finds, or why Landlock cannot be used here. `env` is
 * `hit`'s environment (only `HIT_TEST_NO_LANDLOCK` is read).
 */
export async function probeLandlock(
  stage: StageProgram | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ abi: number } | { problem: string }> {
  if (env[TEST_NO_LANDLOCK] === "1") {
    return { problem: `switched off by ${TEST_NO_LANDLOCK}=1 (a switch for hit's tests only)` };
  }
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    return { problem: "hit's Landlock sandbox needs Linux on x86-64" };
  }
  if (stage === undefined) {
    return { problem: "a `deno compile` binary cannot start the Landlock stage program" };
  }
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(stage.argv[0], {
      args: [...stage.argv.slice(1), "--probe"],
      clearEnv: true,
      env: stage.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    return { problem: `the stage program did not start: ${(error as Error).message}` };
  }
  const text = new TextDecoder().decode(output.stdout).trim();
  const abi = output.success ? Number((JSON.parse(text || "{}") as { abi?: number }).abi) : NaN;
  if (!Number.isInteger(abi)) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n")[0];
    return { problem: `the stage program failed: ${stderr || `exit code ${output.code}`}` };
  }
  if (abi < 1) {
    return { problem: "the kernel has no Landlock (it needs Linux 5.13+ with Landlock enabled)" };
  }
  return { abi };
}

/** What Landlock at `abi` enforces, for `artifact.json` and `hit self-check`. */
export function landlockDetails(abi: number): Record<string, unknown> {
  const enforced = ["filesystem", "seccomp: no sockets but Unix, no mount/ptrace/keyctl/bpf"];
  const missing: string[] = [];
  (abi >= 4 ? enforced : missing).push("TCP bind and connect");
  (abi >= 6 ? enforced : missing).push("signals and abstract Unix sockets scoped to the build");
  return { landlock_abi: abi, enforced, not_enforced: missing };
}

/**
 * The command that runs `request` under Landlock. Nothing is remapped: every writable folder
 * is at its own path (the build writes its artifact folder in place, as without a sandbox).
 */
export function landlockCommand(
  tools: LandlockTools,
  limits: SandboxLimits,
  mounts: SandboxMounts,
  request: ProcessRequest,
  user?: BuildUser,
): StartCommand {
  const read = [...SYSTEM_DIRS, ...MERGED_USR, ...ETC_FILES, ...mounts.readOnly];
  const env = { ...request.env };
  if (mounts.tmp !== undefined) {
    env.TMPDIR = mounts.tmp;
    // In-build `hit` keeps its Deno cache in the sandbox's /tmp, which is not writable here.
    if (env.DENO_DIR?.startsWith("/tmp/")) env.DENO_DIR = join(mounts.tmp, "hit-deno-dir");
  }
  const policy: LandlockPolicy = {
    read: [...existing(read), ...SYSTEM_READ.map((path) => ({ path, dir: true }))],
    write: [
      ...existing(mounts.writable.map((entry) => entry.to)),
      ...DEVICES.map((path) => ({ path, dir: false })),
    ],
    limits,
    user,
    file: findExecutable(request.argv[0], env.PATH ?? "", request.cwd),
    argv: request.argv,
    env,
  };
  const json = JSON.stringify(policy);
  if (new TextEncoder().encode(json).length > MAX_POLICY_BYTES) {
    throw new HitError("run job under Landlock: the command and its environment are too long", {
      hint: "build with --sandbox=bwrap, or shorten the environment the profile sets",
    });
  }
  return {
    program: tools.argv[0],
    args: [...tools.argv.slice(1), json],
    env: tools.env,
    cwd: request.cwd,
  };
}

/** The paths of `paths` that exist, each marked as folder or file (symlinks followed). */
function existing(paths: string[]): { path: string; dir: boolean }[] {
  const found: { path: string; dir: boolean }[] = [];
  for (const path of new Set(paths)) {
    try {
      found.push({ path, dir: Deno.statSync(path).isDirectory });
    } catch {
      // Not on this machine.
    }
  }
  return found;
}

/** `name` looked up as `execvp` would: as a path when it has a slash, else in `path`. */
export function findExecutable(name: string, path: string, cwd: string): string {
  if (name.includes("/")) return name.startsWith("/") ? name : join(cwd, name);
  for (const dir of path.split(":")) {
    const candidate = join(dir === "" ? cwd : dir.startsWith("/") ? dir : join(cwd, dir), name);
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return name;
}
