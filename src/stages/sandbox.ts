/**
 * The OS sandboxes of build jobs, the part they share: which kinds there are, what a job may
 * see and touch (`SandboxMounts`), the host files every sandbox shows (the toolchain, the few
 * `/etc` files compilers read, and the release files build systems detect the platform by),
 * the resource limits, and `sandboxCommand`, which turns one job process into the command that
 * starts it under the chosen sandbox. Reads the host's file system to list what exists.
 */
import { bwrapCommand, type BwrapTools } from "./sandbox_bwrap.ts";
import { landlockCommand, type LandlockTools } from "./sandbox_landlock.ts";

/** Which OS sandbox builds run under; recorded in `artifact.json`. */
export type SandboxKind = "bwrap" | "landlock" | "none";

/** The `--sandbox` choices: a kind, or `auto` for the strongest that works here. */
export type SandboxChoice = SandboxKind | "auto";

/** What a sandboxed process may see and touch. */
export interface SandboxMounts {
  /** Folders bound read-write, `from` on the host at `to` inside (usually the same path). */
  writable: { from: string; to: string }[];
  /** Host paths bound read-only at the same path: dependency artifacts, the `hit` runtime. */
  readOnly: string[];
  /** A folder of the build folder for the job's temp files (TMPDIR under Landlock). */
  tmp?: string;
}

/** Resource limits of each process of a build (setrlimit); undefined is unlimited. */
export interface SandboxLimits {
  /** RLIMIT_NPROC: processes of the build's user (the kernel ignores it for root). */
  processes?: number;
  /** RLIMIT_AS in bytes: the address space of each process. */
  memory?: number;
  /** RLIMIT_CPU in seconds: the CPU time of each process. */
  cpuSeconds?: number;
  /** RLIMIT_FSIZE in bytes: the largest file a build may write (also bounds its /tmp files). */
  fileSize?: number;
  /** The size of the sandbox's own `/tmp` (a tmpfs, in memory, under bwrap), in bytes. */
  tmpSize?: number;
}

/** The limits when the configuration sets none. */
export const DEFAULT_LIMITS: SandboxLimits = { processes: 8192, tmpSize: 1 << 30 };

/** The sandbox chosen for a run, with what starting a process under it needs. */
export interface SandboxSetup {
  kind: SandboxKind;
  bwrap?: BwrapTools;
  landlock?: LandlockTools;
  limits: SandboxLimits;
  /** Host folders and files shown read-only besides the system ones (`sandbox_paths`, HOST_*). */
  hostPaths: string[];
  /** What the sandbox enforces, for `artifact.json` (`sandbox_details`). */
  details?: Record<string, unknown>;
  /** The unprivileged user builds run as when `hit` runs as root (`sandbox_uid`). */
  buildUser?: BuildUser;
}

/** A host uid and gid without privileges; the build's folders are given to it while it runs. */
export interface BuildUser {
  uid: number;
  gid: number;
}

/** The build user when the configuration names none: `nobody`. */
export const DEFAULT_BUILD_UID = 65534;

/** One process as the job runner asks for it. */
export interface ProcessRequest {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

/** The command that starts a process: the program, its arguments, environment and folder. */
export interface StartCommand {
  program: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

// The toolchain: /usr whole. Never `/`: host Unix sockets would stay reachable through it.
export const SYSTEM_DIRS = ["/usr"];
export const MERGED_USR = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/** The `/etc` files compilers, MPI wrappers and build systems read; shown when they exist. */
export const ETC_FILES = [
  "/etc/alternatives",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/passwd",
  "/etc/group",
  "/etc/nsswitch.conf",
  "/etc/localtime",
  "/etc/perl",
  // Release and platform files: CMake's GNUInstallDirs, config.guess, Python's platform module.
  "/etc/os-release",
  "/etc/debian_version",
  "/etc/lsb-release",
  "/etc/redhat-release",
  "/etc/centos-release",
  "/etc/fedora-release",
  "/etc/rocky-release",
  "/etc/almalinux-release",
  "/etc/system-release",
  "/etc/SuSE-release",
  "/etc/alpine-release",
  "/etc/arch-release",
  "/etc/gentoo-release",
  "/etc/issue",
  "/usr/lib/os-release",
];

/** The command that runs `request` under `setup` with `mounts`. */
export function sandboxCommand(
  setup: SandboxSetup | undefined,
  mounts: SandboxMounts,
  request: ProcessRequest,
): StartCommand {
  if (setup === undefined || setup.kind === "none") {
    const { argv, env, cwd } = request;
    return { program: argv[0], args: argv.slice(1), env, cwd };
  }
  const shown: SandboxMounts = {
    ...mounts,
    readOnly: [...new Set([...mounts.readOnly, ...setup.hostPaths])],
  };
  const { limits, buildUser } = setup;
  if (setup.kind === "bwrap") return bwrapCommand(setup.bwrap!, limits, shown, request, buildUser);
  return landlockCommand(setup.landlock!, limits, shown, request, buildUser);
}

/** Whether `path` exists (without following a final symlink). */
export function pathExists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
