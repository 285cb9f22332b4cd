/**
 * `profile_links` (HASHDIST.md §3.7): the `create-links` rules a package contributes to a
 * profile. Pure.
 */
import { HitError } from "../errors.ts";
import type { Package } from "./package.ts";
import { templateString } from "./template.ts";
import { envName, type ValueMap } from "./values.ts";

/** How links are made: `relative_symlink` for `hit build`, per `--link` for `hit develop`. */
export type LinkAction = "relative_symlink" | "absolute_symlink" | "copy";

/**
 * The link rules of `pkg`, with `target` the profile's root (`${ARTIFACT}`).
 * @throws {HitError} for a stage with none of `link`, `exclude`, `launcher`, `copy`.
 */
export function linkRules(pkg: Package, link: LinkAction, target = "${ARTIFACT}"): ValueMap[] {
  const dir = `\${${envName(pkg.name)}_DIR}`;
  const rules: ValueMap[] = [];
  for (const { name, stage } of pkg.stages.profile_links) {
    const pattern = (key: string) => {
      const value = stage[key];
      if (typeof value !== "string") {
        throw new HitError(`profile_links of "${pkg.name}": "${key}" of "${name}" must be a glob`, {
          location: { file: pkg.spec.file, package: pkg.name },
        });
      }
      return templateString(value, pkg.params);
    };
    const dirs = stage.dirs ?? false;
    if (typeof dirs !== "boolean") {
      throw new HitError(
        `profile_links of "${pkg.name}": "dirs" of "${name}" must be true or false`,
        { location: { file: pkg.spec.file, package: pkg.name } },
      );
    }
    if (Object.hasOwn(stage, "link")) {
      rules.push({ action: link, select: `${dir}/${pattern("link")}`, prefix: dir, target, dirs });
    } else if (Object.hasOwn(stage, "exclude")) {
      // Relative patterns that select nothing when run (§7.1), but they are hashed: keep them.
      rules.push({ action: "exclude", select: pattern("exclude") });
    } else if (Object.hasOwn(stage, "launcher")) {
      if (link !== "copy") {
        rules.push({
          action: "launcher",
          select: `${dir}/${pattern("launcher")}`,
          prefix: dir,
          target,
        });
      }
    } else if (Object.hasOwn(stage, "copy")) {
      rules.push({
        action: "copy",
        select: `${dir}/${pattern("copy")}`,
        prefix: dir,
        target,
        dirs,
      });
    } else {
      throw new HitError(
        `profile_links of "${pkg.name}": stage "${name}" needs one of link, exclude, launcher, copy`,
        { location: { file: pkg.spec.file, package: pkg.name } },
      );
    }
  }
  return rules;
}
