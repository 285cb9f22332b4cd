/**
 * The bwrap sandbox: every namespace unshared, no capabilities, a cleared environment, the
 * toolchain and dependency artifacts read-only, exactly the build folder and the artifact's
 * staging folder writable, the host-tunable parts of `/proc` read-only (a build run by root
 * would otherwise write host sysctls), the seccomp filter of seccomp_filter.ts, and the
 * configured resource limits (`prlimit`). Writes the filter file once per build temp folder;
 * runs `bwrap` to probe it.
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { HitError } from "../errors.ts";
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
import { seccompFilter } from "./seccomp_filter.ts";

/** What starting a process under bwrap needs. */
export interface BwrapTools {
  program: string;
  /** The seccomp filter, a file outside every build folder (bwrap reads it from fd 3). */
  seccompFile: string;
  /** `prlimit` (util-linux), when installed: applies the limits. */
  prlimit?: string;
}

// The parts of /proc that tune or trigger the host kernel, read-only as Flatpak binds them.
const PROC_READ_ONLY = ["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs"];

const SECCOMP_FD = 3;

// Every namespace but the user namespace (see `bwrapArgs`).
const NAMESPACES_BUT_USER = [
  "--unshare-ipc",
  "--unshare-pid",
  "--unshare-net",
  "--unshare-uts",
  "--unshare-cgroup-try",
];
// util-linux's, in /usr (shown in every sandbox).
const SETPRIV = "/usr/bin/setpriv";

/**
 * For a build user, the `bwrap` arguments that make the folders above `paths` searchable: as
 * root, bwrap makes the folders above a mount point mode 0700, which would keep that user out.
 */
function parentFolders(paths: string[], user: BuildUser | undefined): string[] {
  if (user === undefined) return [];
  return ancestors(paths).flatMap((dir) => ["--perms", "0755", "--dir", dir]);
}

/** The folders above `paths` that the sandbox does not show whole, shallowest first. */
function ancestors(paths: string[]): string[] {
  const shown = [...SYSTEM_DIRS, ...MERGED_USR];
  const found = new Set<string>();
  for (const path of paths) {
    for (let dir = dirname(path); dir !== "/" && dir !== "/tmp"; dir = dirname(dir)) {
      if (shown.some((top) => dir === top || dir.startsWith(top + "/"))) break;
      found.add(dir);
    }
  }
  return [...found].sort((a, b) => a.split("/").length - b.split("/").length);
}

/** Finds `bwrap` in the usual places; undefined when it is not installed. */
export function findBwrap(): string | undefined {
  return findProgram(["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"]);
}

function findProgram(paths: string[]): string | undefined {
  for (const path of paths) {
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
      "bubblewrap), use --sandbox=landlock, or build unsandboxed with --sandbox=none",
  });
}

/**
 * The tools for `bwrap`: writes the seccomp filter into `filterDir` (named by its hash, by
 * rename, read-only) unless it is there.
 */
export async function prepareBwrap(program: string, filterDir: string): Promise<BwrapTools> {
  const filter = seccompFilter({ unixSocketsOnly: false });
  const hash = createHash("sha256").update(filter).digest("hex").slice(0, 16);
  const seccompFile = join(filterDir, `seccomp-${hash}.bpf`);
  if (!await isFile(seccompFile)) {
    await Deno.mkdir(filterDir, { recursive: true });
    const temp = await Deno.makeTempFile({ dir: filterDir, prefix: ".seccomp-" });
    await Deno.writeFile(temp, filter);
    await Deno.chmod(temp, 0o444);
    await Deno.rename(temp, seccompFile);
  }
  return { program, seccompFile, prlimit: findProgram(["/usr/bin/prlimit", "/bin/prlimit"]) };
}

/**
 * Where the store keeps the sandbox's own files (the seccomp filter): a dot-folder of the build
 * store, which `hit gc` and the store's listings leave alone, not the build folders' parent.
 */
export function sandboxFilesDir(buildStore: string): string {
  return join(buildStore, ".sandbox");
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.lstat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * The command that runs `request` under bwrap: `sh` opens the filter on fd 3, `prlimit` sets
 * the limits, bwrap reads the filter and starts the job. Every one of them is started with the
 * job's environment only: bwrap's first process keeps it, readable at /proc/1/environ inside.
 */
export function bwrapCommand(
  tools: BwrapTools,
  limits: SandboxLimits,
  mounts: SandboxMounts,
  request: ProcessRequest,
  user?: BuildUser,
): StartCommand {
  const limited = tools.prlimit && prlimitOptions(limits).length > 0
    ? [tools.prlimit, ...prlimitOptions(limits), "--"]
    : [];
  const bwrap = bwrapArgs(mounts, request.cwd, request.argv, {
    seccompFd: SECCOMP_FD,
    user,
    tmpSize: limits.tmpSize,
  });
  return {
    program: "/bin/sh",
    args: [
      "-c",
      `exec ${SECCOMP_FD}<"$1"; shift; exec "$@"`,
      "sh",
      tools.seccompFile,
      ...limited,
      tools.program,
      ...bwrap,
    ],
    env: request.env,
    cwd: "/",
  };
}

/** The `prlimit` options of `limits`, empty when none is set. */
export function prlimitOptions(limits: SandboxLimits): string[] {
  const options: string[] = [];
  if (limits.processes !== undefined) options.push(`--nproc=${limits.processes}`);
  if (limits.memory !== undefined) options.push(`--as=${limits.memory}`);
  if (limits.cpuSeconds !== undefined) options.push(`--cpu=${limits.cpuSeconds}`);
  if (limits.fileSize !== undefined) options.push(`--fsize=${limits.fileSize}`);
  return options;
}

/** The `bwrap` arguments that run `argv` in `cwd` with `mounts` (the environment is separate). */
export function bwrapArgs(
  mounts: SandboxMounts,
  cwd: string,
  argv: string[],
  options: { seccompFd?: number; user?: BuildUser; tmpSize?: number } = {},
): string[] {
  const { user } = options;
  // As root, bwrap's user namespace would map the build to the host's root: no user namespace
  // then, and the build drops to `user` (setpriv, the one capability it keeps for that).
  const args = user === undefined ? ["--unshare-all", "--cap-drop", "ALL"] : [
    ...NAMESPACES_BUT_USER,
    "--cap-drop",
    "ALL",
    "--cap-add",
    "CAP_SETUID",
    "--cap-add",
    "CAP_SETGID",
  ];
  args.push("--die-with-parent", "--new-session");
  if (options.seccompFd !== undefined) args.push("--seccomp", String(options.seccompFd));
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
  const etc = ETC_FILES.filter((path) => !path.startsWith("/usr/"));
  args.push(...parentFolders(etc, user));
  for (const path of etc) args.push("--ro-bind-try", path, path);
  args.push("--proc", "/proc");
  for (const path of PROC_READ_ONLY) args.push("--ro-bind-try", path, path);
  args.push("--dev", "/dev");
  if (user !== undefined) args.push("--perms", "01777");
  // In memory: its size is capped, so a build cannot fill the host's RAM through it.
  if (options.tmpSize !== undefined) args.push("--size", String(options.tmpSize));
  args.push("--tmpfs", "/tmp");
  args.push(...parentFolders([...mounts.readOnly, ...mounts.writable.map((w) => w.to)], user));
  for (const path of mounts.readOnly) args.push("--ro-bind", path, path);
  for (const { from, to } of mounts.writable) args.push("--bind", from, to);
  args.push("--chdir", cwd, "--");
  if (user !== undefined) {
    args.push(SETPRIV, `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--");
  }
  args.push(...argv);
  return args;
}

/**
 * Starts `true` in the build sandbox with `bwrap` (and the seccomp filter, when given; as
 * `user`, when given):
 * undefined when it runs, else why not (user namespaces may be disabled, or bwrap may lack its
 * setuid bit where it needs one).
 */
export async function probeBwrap(
  program: string,
  seccompFile?: string,
  user?: BuildUser,
): Promise<string | undefined> {
  const request = { argv: ["true"], env: {}, cwd: "/" };
  const mounts = { writable: [], readOnly: [] };
  const command = seccompFile === undefined
    ? { program, args: bwrapArgs(mounts, "/", ["true"], { user }), env: {}, cwd: "/" }
    : bwrapCommand({ program, seccompFile }, {}, mounts, request, user);
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command.program, {
      args: command.args,
      clearEnv: true,
      env: command.env,
      cwd: command.cwd,
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
