/**
 * The sandbox part of `hit self-check`: whether bwrap starts a sandbox here (with the seccomp
 * filter), whether the kernel offers Landlock and at which ABI, and which sandbox `auto` builds
 * under, with the fix when none works and how to show host folders outside `/usr` to builds.
 */
import type { Config } from "../core/config.ts";
import { findBwrap, prepareBwrap, probeBwrap, sandboxFilesDir } from "../stages/sandbox_bwrap.ts";
import { landlockDetails, probeLandlock } from "../stages/sandbox_landlock.ts";
import type { CommandContext } from "./command.ts";
import type { CheckResult } from "./self_check.ts";

const INSTALL_BWRAP = "install it: apt-get install bubblewrap (Debian/Ubuntu), " +
  "dnf install bubblewrap (RHEL/Fedora)";

/** The `bwrap`, `landlock` and `sandbox` checks; only `sandbox` (one of them works) is required. */
export async function sandboxChecks(
  context: CommandContext,
  config: Config | undefined,
): Promise<CheckResult[]> {
  const bwrap = await bwrapCheck(config);
  const landlock = await landlockCheck(context);
  const chosen = bwrap.status === "ok" ? "bwrap" : landlock.status === "ok" ? "landlock" : "";
  const paths = config?.sandboxPaths?.length
    ? `; also shown: ${config.sandboxPaths.join(", ")}`
    : "";
  const sandbox: CheckResult = chosen === ""
    ? {
      name: "sandbox",
      status: "failed",
      detail: "no sandbox works here: builds stop unless run with --sandbox=none",
      hint: `${INSTALL_BWRAP}, or use a kernel with Landlock (Linux 5.13+)`,
      required: true,
    }
    : {
      name: "sandbox",
      status: "ok",
      detail: `builds run under ${chosen} (--sandbox=auto)${paths}; when a build cannot find ` +
        "a host tool outside /usr, add its folder to `sandbox_paths:` in " +
        (config?.file ?? "the configuration"),
      required: true,
    };
  return [bwrap, landlock, sandbox];
}

async function bwrapCheck(config: Config | undefined): Promise<CheckResult> {
  const bwrap = findBwrap();
  if (bwrap === undefined) {
    return {
      name: "bwrap",
      status: "missing",
      detail: "bubblewrap is not installed: builds run in its sandbox when it is",
      hint: `${INSTALL_BWRAP}; or build under Landlock, or unsandboxed with --sandbox=none`,
      required: false,
    };
  }
  let seccompFile: string | undefined;
  if (config !== undefined) {
    seccompFile = (await prepareBwrap(bwrap, sandboxFilesDir(config.buildStore))).seccompFile;
  }
  const problem = await probeBwrap(bwrap, seccompFile);
  if (problem === undefined) {
    return { name: "bwrap", status: "ok", detail: `${bwrap} (starts a sandbox)`, required: false };
  }
  return {
    name: "bwrap",
    status: "failed",
    detail: `${bwrap} cannot start a sandbox: ${problem}`,
    hint: "user namespaces may be disabled: check the sysctls " +
      "kernel.unprivileged_userns_clone and user.max_user_namespaces",
    required: false,
  };
}

async function landlockCheck(context: CommandContext): Promise<CheckResult> {
  const found = await probeLandlock(context.landlockStage?.(), context.env);
  if ("problem" in found) {
    return { name: "landlock", status: "missing", detail: found.problem, required: false };
  }
  const details = landlockDetails(found.abi) as { not_enforced: string[] };
  const missing = details.not_enforced.length === 0
    ? ""
    : `; this kernel cannot enforce: ${details.not_enforced.join(", ")}`;
  return {
    name: "landlock",
    status: "ok",
    detail: `Landlock ABI ${found.abi} (builds can run under it)${missing}`,
    required: false,
  };
}
