/**
 * `hit path`: the store folder of a package's artifact, for scripts (as `spack location -i`).
 * Reads the profile and the store; writes nothing.
 */
import { HitError } from "../errors.ts";
import { artifactDir, artifactState } from "../core/build_store.ts";
import type { OptionSpec } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import {
  packageArtifactId,
  parsePackageArgs,
  PROFILE_OPTION,
  resolveProfileArg,
} from "./profile_arg.ts";

const OPTIONS: readonly OptionSpec[] = [PROFILE_OPTION];

/** The `path` command. */
export const pathCommand: Command = {
  name: "path",
  summary: "print the store folder of a built package",
  usage: `hit path PACKAGE [-p PROFILE] [NAME=VALUE ...]

Prints the folder of the package's artifact in the build store, for scripts; fails when it is
not built. PACKAGE "profile" is the profile artifact.

example:
  export ZLIB_DIR=$(hit path zlib -p stack.yaml)`,
  options: OPTIONS,
  completion: { packages: true },
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parsePackageArgs("path", OPTIONS, args);
    const resolved = await resolveProfileArg(parsed.profile, context, {
      overrides: parsed.overrides,
    });
    const id = packageArtifactId(resolved, parsed.package, {
      action: `find "${parsed.package}"`,
      profile: parsed.profile,
    });
    const { buildStore } = await commandConfig(context);
    if (await artifactState(buildStore, id) !== "built") {
      throw new HitError(`find "${parsed.package}": "${id}" is not built`, {
        hint: `build it with "hit build ${parsed.profile}"`,
      });
    }
    await context.stdout.write(artifactDir(buildStore, id) + "\n");
    return 0;
  },
};
