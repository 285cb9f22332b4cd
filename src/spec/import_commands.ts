/**
 * `when_build_dependency` (HASHDIST.md §3.6): the environment commands a package adds to the
 * builds of the packages that build-depend on it. Pure.
 */
import { HitError } from "../errors.ts";
import type { Package } from "./package.ts";
import { templateString } from "./template.ts";
import { envName, type ValueMap } from "./values.ts";

const COMMAND_KEYS = ["set", "prepend_path", "append_path"];

/**
 * The import commands of `pkg`, as a dependant's build spec holds them.
 * @throws {HitError} for an entry without a command key or with a bare `$VAR`.
 */
export function importCommands(pkg: Package): ValueMap[] {
  const dirVar = `\${${envName(pkg.name)}_DIR}`;
  return pkg.stages.when_build_dependency.map(({ name, stage }) => {
    const fail = (message: string, hint?: string): never => {
      throw new HitError(`when_build_dependency of "${pkg.name}": ${message}`, {
        location: { file: pkg.spec.file, package: pkg.name },
        hint,
      });
    };
    if (!COMMAND_KEYS.some((key) => Object.hasOwn(stage, key))) {
      fail(`entry "${name}" needs one of ${COMMAND_KEYS.join(", ")}`);
    }
    if (typeof stage.value !== "string") {
      fail(`entry "${name}" needs a string "value"`);
    }
    const value = templateString(stage.value as string, pkg.params).replaceAll(
      "${ARTIFACT}",
      dirVar,
    );
    if (/\$(?!\{)/.test(value)) {
      fail(`value "${value}" uses $VAR`, "write ${VAR}, not $VAR");
    }
    return { ...stage, value };
  });
}
