/**
 * The seccomp filter of every sandboxed build (bwrap's `--seccomp FD` and the Landlock stage
 * program alike): a classic BPF program for x86-64 that refuses, with EPERM, the system calls no
 * build needs and that reach past a sandbox (kernel keyrings, BPF, perf, mounts, kernel modules
 * and kexec, new user namespaces, ptrace), and, when asked, every socket family but `AF_UNIX`.
 * Any other architecture (32-bit or x32 calls) is refused whole. Pure: builds bytes.
 */

/** The system calls refused outright (x86-64 numbers, from the kernel's syscall_64.tbl). */
const REFUSED: Record<string, number> = {
  ptrace: 101,
  syslog: 103,
  acct: 163,
  mount: 165,
  umount2: 166,
  swapon: 167,
  swapoff: 168,
  reboot: 169,
  iopl: 172,
  ioperm: 173,
  init_module: 175,
  delete_module: 176,
  kexec_load: 246,
  add_key: 248,
  request_key: 249,
  keyctl: 250,
  perf_event_open: 298,
  open_by_handle_at: 304,
  setns: 308,
  finit_module: 313,
  kexec_file_load: 320,
  bpf: 321,
  userfaultfd: 323,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  mount_setattr: 442,
};

const SYS_SOCKET = 41;
const SYS_CLONE = 56;
const SYS_UNSHARE = 272;
// clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone.
const SYS_CLONE3 = 435;

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const CLONE_NEWUSER = 0x10000000;
const AF_UNIX = 1;
const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;

const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const RET_KILL_PROCESS = 0x80000000;

// Classic BPF opcodes.
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;

// Offsets in struct seccomp_data: nr, arch, instruction pointer, then six 64-bit arguments.
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0_LOW = 16;

/** One BPF instruction: opcode, jump offsets if true and if false, constant. */
type Insn = [code: number, jt: number, jf: number, k: number];

/** What the filter refuses besides the fixed list. */
export interface SeccompOptions {
  /** Refuse `socket()` for every family but `AF_UNIX` (no TCP, UDP, netlink, raw). */
  unixSocketsOnly: boolean;
}

/** The names of the system calls refused outright, for the record and the README. */
export function refusedSyscalls(): string[] {
  return Object.keys(REFUSED);
}

/** The filter as the kernel takes it: 8 bytes per instruction (`struct sock_filter`). */
export function seccompFilter(options: SeccompOptions): Uint8Array {
  const program = filterProgram(options);
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach(([code, jt, jf, k], i) => {
    view.setUint16(i * 8, code, true);
    view.setUint8(i * 8 + 2, jt);
    view.setUint8(i * 8 + 3, jf);
    view.setUint32(i * 8 + 4, k >>> 0, true);
  });
  return bytes;
}

function filterProgram(options: SeccompOptions): Insn[] {
  const errno = (code: number): Insn => [RET_K, 0, 0, RET_ERRNO | code];
  const program: Insn[] = [
    [LD_W_ABS, 0, 0, OFFSET_ARCH],
    [JEQ_K, 1, 0, AUDIT_ARCH_X86_64],
    [RET_K, 0, 0, RET_KILL_PROCESS],
    [LD_W_ABS, 0, 0, OFFSET_NR],
    [JGE_K, 0, 1, X32_SYSCALL_BIT],
    errno(EPERM),
  ];
  for (const nr of Object.values(REFUSED)) program.push([JEQ_K, 0, 1, nr], errno(EPERM));
  program.push([JEQ_K, 0, 1, SYS_CLONE3], errno(ENOSYS));
  // clone(flags, ...) and unshare(flags): refused when the flags ask for a new user namespace.
  for (const nr of [SYS_CLONE, SYS_UNSHARE]) {
    program.push(
      [JEQ_K, 0, 4, nr],
      [LD_W_ABS, 0, 0, OFFSET_ARG0_LOW],
      [JSET_K, 0, 1, CLONE_NEWUSER],
      errno(EPERM),
      [LD_W_ABS, 0, 0, OFFSET_NR],
    );
  }
  if (options.unixSocketsOnly) {
    program.push(
      [JEQ_K, 0, 3, SYS_SOCKET],
      [LD_W_ABS, 0, 0, OFFSET_ARG0_LOW],
      [JEQ_K, 1, 0, AF_UNIX],
      errno(EAFNOSUPPORT),
    );
  }
  program.push([RET_K, 0, 0, RET_ALLOW]);
  return program;
}
