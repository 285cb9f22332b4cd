/**
 * The OS sandbox for build jobs: `bwrap` with every namespace unshared, no capabilities, a
 * cleared environment, the toolchain and dependency artifacts read-only, and exactly the
 * build folder and the artifact's staging folder writable. Runs processes; reads nothing.
 */
import { HitError } from "../errors.ts";

/** Which OS sandbox builds run under; recorded in `artifact.json`. */
export type SandboxKind = "bwrap" | "none";

/** What a sandboxed process may see and touch. */
export interface SandboxMounts {
  /** Folders bound read-write, `from` on the host at `to` inside (usually the same path). */
  writable: { from: string; to: string }[];
  /** Host paths bound read-only at the same path: dependency artifacts, the `hit` runtime. */
  readOnly: string[];
}

// The toolchain: /usr whole; the few /etc files compilers and MPI wrappers read. Never `/`:
// host Unix sockets would stay reachable through it.
const SYSTEM_DIRS = ["/usr"];
const MERGED_USR = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
const ETC_FILES = [
  "/etc/alternatives",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/passwd",
  "/etc/group",
  "/etc/nsswitch.conf",
  "/etc/localtime",
  "/etc/perl",
];

/** Finds `bwrap` in the usual places; undefined when it is not installed. */
export function findBwrap(): string | undefined {
  for (const path of ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"]) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** The error for a build that needs bwrap where it is missing. */
export function missingBwrapError(): HitError {
  return new HitError("sandbox builds: bubblewrap (bwrap) is not installed", {
    hint: "install it (Debian/Ubuntu: apt-get install bubblewrap; RHEL/Fedora: dnf install " +
      "bubblewrap), or build unsandboxed with --sandbox=none",
  });
}

/** The `bwrap` arguments that run `argv` in `cwd` with `mounts` (the environment is separate). */
export function bwrapArgs(mounts: SandboxMounts, cwd: string, argv: string[]): string[] {
  const args = [
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
  ];
  for (const dir of SYSTEM_DIRS) args.push("--ro-bind", dir, dir);
  for (const path of MERGED_USR) {
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(path);
    } catch {
      continue;
    }
    if (info.isSymlink) args.push("--symlink", Deno.readLinkSync(path), path);
    else args.push("--ro-bind", path, path);
  }
  for (const path of ETC_FILES) args.push("--ro-bind-try", path, path);
  args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
  for (const path of mounts.readOnly) args.push("--ro-bind", path, path);
  for (const { from, to } of mounts.writable) args.push("--bind", from, to);
  args.push("--chdir", cwd, "--", ...argv);
  return args;
}

/**
 * Starts `true` in the build sandbox with `bwrap`: undefined when it runs, else why not (user
 * namespaces may be disabled, or bwrap may lack its setuid bit where it needs one).
 */
export async function probeBwrap(bwrap: string): Promise<string | undefined> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(bwrap, {
      args: bwrapArgs({ writable: [], readOnly: [] }, "/", ["true"]),
      clearEnv: true,
      env: {},
      cwd: "/",
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
  } catch (error) {
    return (error as Error).message;
  }
  if (output.success) return undefined;
  const stderr = new TextDecoder().decode(output.stderr).trim().split("\n")[0];
  return stderr || `exit code ${output.code}`;
}
