/**
 * Choosing the sandbox of a run: `bwrap`, `landlock` or `none` as asked, or with `auto` the
 * strongest that works on this machine (bwrap when it is installed and starts a sandbox, else
 * Landlock, else a refusal naming what is missing). Probes once per call: a run calls it once.
 * Runs `bwrap` and the Landlock stage program; writes the seccomp filter file.
 */
import { HitError } from "../errors.ts";
import type { BuildUser, SandboxChoice, SandboxLimits, SandboxSetup } from "./sandbox.ts";
import { findBwrap, missingBwrapError, prepareBwrap, probeBwrap } from "./sandbox_bwrap.ts";
import { landlockDetails, probeLandlock, type StageProgram } from "./sandbox_landlock.ts";

/** What choosing a sandbox needs. */
export interface SandboxOptions {
  /** Where the seccomp filter file is kept (`sandboxFilesDir`). */
  filterDir: string;
  limits: SandboxLimits;
  hostPaths: string[];
  /** The Landlock stage program, when this `hit` can start one. */
  stage?: StageProgram;
  /** The unprivileged user builds run as (when `hit` runs as root). */
  buildUser?: BuildUser;
  /** `hit`'s environment (for the tests' switch `HIT_TEST_NO_LANDLOCK`). */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The sandbox for `choice`.
 * @throws {HitError} when the sandbox asked for (or, with `auto`, every sandbox) cannot run here.
 */
export async function chooseSandbox(
  choice: SandboxChoice,
  options: SandboxOptions,
): Promise<SandboxSetup> {
  const { buildUser } = options;
  const base = { limits: options.limits, hostPaths: options.hostPaths, buildUser };
  if (choice === "none") {
    return { kind: "none", limits: options.limits, hostPaths: options.hostPaths };
  }
  let bwrapProblem: string;
  const program = findBwrap();
  if (choice === "bwrap" || choice === "auto") {
    if (program === undefined) {
      if (choice === "bwrap") throw missingBwrapError();
      bwrapProblem = "bubblewrap (bwrap) is not installed";
    } else {
      const bwrap = await prepareBwrap(program, options.filterDir);
      if (choice === "bwrap") return { kind: "bwrap", bwrap, ...base, details: bwrapDetails() };
      const problem = await probeBwrap(program, bwrap.seccompFile, buildUser);
      if (problem === undefined) {
        return { kind: "bwrap", bwrap, ...base, details: bwrapDetails() };
      }
      bwrapProblem = `${program} cannot start a sandbox: ${problem}`;
    }
  } else {
    bwrapProblem = "not asked for";
  }
  const landlock = await probeLandlock(options.stage, options.env);
  if ("abi" in landlock) {
    return {
      kind: "landlock",
      landlock: { ...options.stage!, abi: landlock.abi },
      ...base,
      details: landlockDetails(landlock.abi),
    };
  }
  if (choice === "landlock") {
    throw new HitError(`sandbox builds: Landlock is unavailable: ${landlock.problem}`, {
      hint: "use --sandbox=bwrap (install bubblewrap), or build unsandboxed with --sandbox=none",
    });
  }
  throw new HitError(
    `sandbox builds: no sandbox works here: bwrap: ${bwrapProblem}; Landlock: ${landlock.problem}`,
    {
      hint: "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; RHEL/Fedora: dnf " +
        "install bubblewrap), or build unsandboxed with --sandbox=none",
    },
  );
}

function bwrapDetails(): Record<string, unknown> {
  return {
    enforced: [
      "namespaces: mount, pid, network, ipc, uts, user",
      "read-only /proc/sys and host-tunable /proc",
      "seccomp: no mount/ptrace/keyctl/bpf/new user namespaces",
    ],
  };
}
