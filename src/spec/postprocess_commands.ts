/**
 * The `post_process` section (HASHDIST.md §3.8): the one `hit build-postprocess` command
 * collected from a package's postprocess stages. Pure. (`post_process` is HashDist's key;
 * everywhere else `hit` spells it "postprocess", as in `build-postprocess`.)
 */
import { HitError } from "../errors.ts";
import type { Package } from "./package.ts";
import type { ValueMap } from "./values.ts";

/**
 * `[{hit: ["build-postprocess", "--flag", …]}]`, or `[]` when no stage gives a flag.
 * @throws {HitError} when a stage's `hit` is not a list of flags.
 */
export function postprocessCommands(pkg: Package): ValueMap[] {
  const flags: string[] = [];
  for (const { name, stage } of pkg.stages.post_process) {
    const list = stage.hit ?? [];
    if (!Array.isArray(list) || !list.every((flag) => typeof flag === "string")) {
      throw new HitError(
        `post_process of "${pkg.name}": "hit" of stage "${name}" must be a list of flags`,
        {
          location: { file: pkg.spec.file, package: pkg.name },
          hint: "write `hit: [write-protect]`",
        },
      );
    }
    for (const flag of list as string[]) flags.push(`--${flag}`);
  }
  return flags.length === 0 ? [] : [{ hit: ["build-postprocess", ...flags] }];
}
