/**
 * The sandbox of a `hit build` or `hit develop` run: `--sandbox`, else the configuration's
 * `sandbox:`, else `auto`; the limits of `sandbox_limits:` over the defaults; the host folders
 * of `sandbox_paths:` and of the profile's `HOST_*` parameters; as root, the unprivileged user
 * of `sandbox_uid:` the builds run as. Warns loudly without one.
 */
import type { Config, SandboxName } from "../core/config.ts";
import {
  type BuildUser,
  DEFAULT_BUILD_UID,
  DEFAULT_LIMITS,
  type SandboxSetup,
} from "../stages/sandbox.ts";
import { chooseSandbox } from "../stages/sandbox_select.ts";
import { sandboxFilesDir } from "../stages/sandbox_bwrap.ts";
import { hostToolPaths } from "../stages/host_paths.ts";
import type { CommandContext } from "./command.ts";

/** Chooses the run's sandbox (probing once) and prints the warning of `none` unless `quiet`. */
export async function buildSandbox(
  asked: SandboxName | undefined,
  options: {
    config: Config;
    parameters: Record<string, unknown>;
    context: CommandContext;
    quiet: boolean;
  },
): Promise<SandboxSetup> {
  const { config, context } = options;
  const setup = await chooseSandbox(asked ?? config.sandbox ?? "auto", {
    filterDir: sandboxFilesDir(config.buildStore),
    limits: { ...DEFAULT_LIMITS, ...config.sandboxLimits },
    hostPaths: [
      ...config.sandboxPaths ?? [],
      ...hostToolPaths(options.parameters, context.env.HOME),
    ],
    stage: context.landlockStage?.(),
    buildUser: Deno.uid() === 0 ? buildUserOf(config) : undefined,
    env: context.env,
  });
  if (setup.kind === "none" && !options.quiet) {
    await context.stderr.write(
      "warning: building WITHOUT a sandbox: builds can reach the network and write anywhere " +
        "you can\n",
    );
  }
  return setup;
}

/** The user root's builds run as: `sandbox_uid` (gid the same), else `nobody`. */
function buildUserOf(config: Config): BuildUser {
  const uid = config.sandboxUid ?? DEFAULT_BUILD_UID;
  return { uid, gid: uid };
}
