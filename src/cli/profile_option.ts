/**
 * The `-p/--profile` option and the default profile file, apart from `profile_arg.ts` so that a
 * command can list the option without loading the spec layer (`hit status` starts from a cache).
 */
import type { OptionSpec } from "./args.ts";

/** The profile file when none is given, as in the original. */
export const DEFAULT_PROFILE = "default.yaml";

/** The `-p/--profile` option of the commands that take a profile. */
export const PROFILE_OPTION: OptionSpec = {
  name: "profile",
  short: "p",
  value: "PROFILE",
  description: `the profile: its YAML file, its link, or a built profile's name ` +
    `(default "${DEFAULT_PROFILE}")`,
};
