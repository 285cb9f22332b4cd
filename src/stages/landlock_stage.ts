/**
 * The Landlock stage program: run by `hit` (sandbox_landlock.ts) with `--allow-ffi` and no other
 * permission, it restricts itself and then becomes the build command by `execve`, which keeps
 * every restriction. On its main thread, through libc: resource limits (setrlimit), a Landlock
 * ruleset (the folders and files of its policy, every access right the kernel's ABI knows, TCP
 * bind/connect from ABI 4, signal and abstract-socket scoping from ABI 6), no capabilities
 * (root included; a root `hit` has the stage become its unprivileged build user first), no new
 * privileges, and the seccomp filter of seccomp_filter.ts with only Unix sockets allowed. Prints only its
 * own failure, to stderr, and then exits 126 or 127 as a shell would.
 *
 * `landlock_stage.ts --probe` prints `{"abi": N}` (0 when Landlock is off) and exits.
 * `landlock_stage.ts POLICY` runs the build command `POLICY` (a `LandlockPolicy` in JSON) names.
 */
import { seccompFilter } from "./seccomp_filter.ts";

/** What the stage program is asked to do. */
export interface LandlockPolicy {
  /** Paths readable (and executable): folders with everything below them, or single files. */
  read: { path: string; dir: boolean }[];
  /** Paths readable and writable, with everything below them. */
  write: { path: string; dir: boolean }[];
  limits: { processes?: number; memory?: number; cpuSeconds?: number; fileSize?: number };
  /** The unprivileged uid and gid to run as (when `hit` runs as root). */
  user?: { uid: number; gid: number };
  /** The program to execute (already looked up in PATH), its argv and environment. */
  file: string;
  argv: string[];
  env: Record<string, string>;
}

// x86-64 system call numbers and the constants of linux/landlock.h, prctl.h and seccomp.h.
const SYS_LANDLOCK_CREATE_RULESET = 444;
const SYS_LANDLOCK_ADD_RULE = 445;
const SYS_LANDLOCK_RESTRICT_SELF = 446;
const LANDLOCK_CREATE_RULESET_VERSION = 1;
const LANDLOCK_RULE_PATH_BENEATH = 1;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_SET_SECCOMP = 22;
const SECCOMP_MODE_FILTER = 2;
const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;
const SIGPIPE = 13;
const PR_CAPBSET_DROP = 24;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const SYS_CAPSET = 126;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;
const LAST_CAPABILITY = 63;
const SIG_SETMASK = 2;

const FS_EXECUTE = 1n << 0n;
const FS_WRITE_FILE = 1n << 1n;
const FS_READ_FILE = 1n << 2n;
const FS_READ_DIR = 1n << 3n;
const FS_REFER = 1n << 13n;
const FS_TRUNCATE = 1n << 14n;
const FS_IOCTL_DEV = 1n << 15n;
const NET_BIND_TCP = 1n << 0n;
const NET_CONNECT_TCP = 1n << 1n;
const SCOPE_ABSTRACT_UNIX_SOCKET = 1n << 0n;
const SCOPE_SIGNAL = 1n << 1n;
// The rights that apply to a file (not a folder): the rest concern folder entries.
const FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV;

const RLIMIT_CPU = 0;
const RLIMIT_FSIZE = 1;
const RLIMIT_NPROC = 6;
const RLIMIT_AS = 9;

/** The filesystem rights a Landlock ABI handles: 13 from ABI 1, then REFER, TRUNCATE, IOCTL. */
export function handledFsRights(abi: number): bigint {
  let rights = (1n << 13n) - 1n;
  if (abi >= 2) rights |= FS_REFER;
  if (abi >= 3) rights |= FS_TRUNCATE;
  if (abi >= 5) rights |= FS_IOCTL_DEV;
  return rights;
}

const SYMBOLS = {
  syscall: { parameters: ["i64", "i64", "i64", "i64", "i64"], result: "i64" },
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  setrlimit: { parameters: ["i32", "buffer"], result: "i32" },
  setgroups: { parameters: ["usize", "pointer"], result: "i32" },
  setresgid: { parameters: ["u32", "u32", "u32"], result: "i32" },
  setresuid: { parameters: ["u32", "u32", "u32"], result: "i32" },
  signal: { parameters: ["i32", "pointer"], result: "pointer" },
  sigprocmask: { parameters: ["i32", "buffer", "pointer"], result: "i32" },
  execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
  strerror: { parameters: ["i32"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

function openLibc(): Libc {
  return Deno.dlopen("libc.so.6", SYMBOLS).symbols;
}

/** The last libc error as text. */
function lastError(libc: Libc): string {
  const errno = new Deno.UnsafePointerView(libc.__errno_location()!).getInt32();
  return Deno.UnsafePointerView.getCString(libc.strerror(errno)!);
}

function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** The Landlock ABI of the running kernel; 0 when Landlock is disabled or missing. */
function landlockAbi(libc: Libc): number {
  const abi = Number(sys(libc, SYS_LANDLOCK_CREATE_RULESET, 0, 0, LANDLOCK_CREATE_RULESET_VERSION));
  return abi > 0 ? abi : 0;
}

class StageError extends Error {}

/** syscall(2) with three arguments and a zero fourth (the flags of landlock_add_rule). */
function sys(libc: Libc, nr: number, a: number | bigint, b: number | bigint, c: number | bigint) {
  return libc.syscall(BigInt(nr), BigInt(a), BigInt(b), BigInt(c), 0n);
}

function check(result: number | bigint, what: string, libc: Libc): number {
  if (Number(result) < 0) throw new StageError(`${what}: ${lastError(libc)}`);
  return Number(result);
}

function applyLimits(libc: Libc, limits: LandlockPolicy["limits"]): void {
  const table: [number, number | undefined, string][] = [
    [RLIMIT_NPROC, limits.processes, "processes"],
    [RLIMIT_AS, limits.memory, "memory"],
    [RLIMIT_CPU, limits.cpuSeconds, "CPU time"],
    [RLIMIT_FSIZE, limits.fileSize, "file size"],
  ];
  for (const [resource, value, name] of table) {
    if (value === undefined) continue;
    const rlimit = new BigUint64Array([BigInt(value), BigInt(value)]);
    check(libc.setrlimit(resource, rlimit), `limit ${name}`, libc);
  }
}

function applyLandlock(libc: Libc, policy: LandlockPolicy, abi: number): void {
  const fsRights = handledFsRights(abi);
  const attr = new BigUint64Array([
    fsRights,
    abi >= 4 ? NET_BIND_TCP | NET_CONNECT_TCP : 0n,
    abi >= 6 ? SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL : 0n,
  ]);
  const attrSize = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
  const ptr = Deno.UnsafePointer.value(Deno.UnsafePointer.of(attr));
  const ruleset = check(
    sys(libc, SYS_LANDLOCK_CREATE_RULESET, ptr, attrSize, 0),
    "create the Landlock ruleset",
    libc,
  );
  const readRights = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR;
  const rules = [
    ...policy.read.map((entry) => ({ ...entry, rights: readRights })),
    ...policy.write.map((entry) => ({ ...entry, rights: fsRights })),
  ];
  for (const { path, dir, rights } of rules) {
    const fd = libc.open(cString(path), O_PATH | O_CLOEXEC);
    if (fd < 0) continue; // Gone since hit listed it: nothing to allow.
    // struct landlock_path_beneath_attr is packed: the 64-bit rights, then the 32-bit fd.
    const rule = new Uint8Array(12);
    const view = new DataView(rule.buffer);
    view.setBigUint64(0, rights & fsRights & (dir ? ~0n : FILE_RIGHTS), true);
    view.setInt32(8, fd, true);
    const rulePtr = Deno.UnsafePointer.value(Deno.UnsafePointer.of(rule));
    const added = sys(libc, SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, rulePtr);
    libc.close(fd);
    check(added, `allow "${path}"`, libc);
  }
  check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1n, 0n, 0n, 0n), "set no_new_privs", libc);
  check(sys(libc, SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0, 0), "enforce Landlock", libc);
  libc.close(ruleset);
}

/**
 * Drops every capability, for good: Landlock lets a process with CAP_SYS_PTRACE read other
 * processes' memory and environment under /proc, and root has it. Without root there is
 * nothing to drop (the bounding set cannot be changed; capset to nothing is allowed).
 */
function dropCapabilities(libc: Libc): void {
  for (let cap = 0; cap <= LAST_CAPABILITY; cap++) {
    libc.prctl(PR_CAPBSET_DROP, BigInt(cap), 0n, 0n, 0n);
  }
  libc.prctl(PR_CAP_AMBIENT, BigInt(PR_CAP_AMBIENT_CLEAR_ALL), 0n, 0n, 0n);
  // struct __user_cap_header_struct {version, pid}, then two empty __user_cap_data_struct.
  const header = new Uint32Array([LINUX_CAPABILITY_VERSION_3, 0]);
  const data = new Uint32Array(6);
  const headerPtr = Deno.UnsafePointer.value(Deno.UnsafePointer.of(header));
  const dataPtr = Deno.UnsafePointer.value(Deno.UnsafePointer.of(data));
  check(sys(libc, SYS_CAPSET, headerPtr, dataPtr, 0), "drop capabilities", libc);
}

/** Becomes `user` with no supplementary groups: root's privileges go with the uid. */
function becomeUser(libc: Libc, user: { uid: number; gid: number }): void {
  check(libc.setgroups(0n, null), "clear the groups", libc);
  check(libc.setresgid(user.gid, user.gid, user.gid), `become gid ${user.gid}`, libc);
  check(libc.setresuid(user.uid, user.uid, user.uid), `become uid ${user.uid}`, libc);
}

function applySeccomp(libc: Libc): void {
  const filter = seccompFilter({ unixSocketsOnly: true });
  // struct sock_fprog: the instruction count (16 bits, padded to 8 bytes), then a pointer.
  const program = new BigUint64Array([
    BigInt(filter.length / 8),
    Deno.UnsafePointer.value(Deno.UnsafePointer.of(filter)),
  ]);
  const programPtr = Deno.UnsafePointer.value(Deno.UnsafePointer.of(program));
  check(
    libc.prctl(PR_SET_SECCOMP, BigInt(SECCOMP_MODE_FILTER), BigInt(programPtr), 0n, 0n),
    "install the seccomp filter",
    libc,
  );
}

/** A NULL-terminated array of C strings; `keep` holds the strings while it is used. */
function cStringArray(items: string[], keep: Uint8Array[]): BigUint64Array<ArrayBuffer> {
  const array = new BigUint64Array(items.length + 1);
  items.forEach((item, i) => {
    const bytes = cString(item);
    keep.push(bytes);
    array[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
  });
  return array;
}

function run(policy: LandlockPolicy): number {
  const libc = openLibc();
  const abi = landlockAbi(libc);
  if (abi === 0) throw new StageError("Landlock is not available in this kernel");
  applyLimits(libc, policy.limits);
  if (policy.user !== undefined) becomeUser(libc, policy.user);
  dropCapabilities(libc);
  applyLandlock(libc, policy, abi);
  applySeccomp(libc);
  // Deno ignores SIGPIPE, and an ignored signal stays ignored across execve: a build's
  // `yes | head` must end as it does outside.
  libc.signal(SIGPIPE, null);
  libc.sigprocmask(SIG_SETMASK, new Uint8Array(128), null);
  const keep: Uint8Array[] = [];
  const argv = cStringArray(policy.argv, keep);
  const envp = cStringArray(Object.entries(policy.env).map(([k, v]) => `${k}=${v}`), keep);
  libc.execve(cString(policy.file), argv, envp);
  const why = lastError(libc);
  console.error(`hit sandbox: cannot run "${policy.file}": ${why}`);
  return why.includes("No such file") ? 127 : 126;
}

if (import.meta.main) {
  if (Deno.args[0] === "--probe") {
    let abi = 0;
    try {
      abi = landlockAbi(openLibc());
    } catch {
      // No libc.so.6 (musl) or no FFI: no Landlock from here.
    }
    console.log(JSON.stringify({ abi }));
    Deno.exit(0);
  }
  try {
    Deno.exit(run(JSON.parse(Deno.args[0]) as LandlockPolicy));
  } catch (error) {
    const message = error instanceof StageError ? error.message : String(error);
    console.error(`hit sandbox: ${message}`);
    Deno.exit(126);
  }
}
