/**
 * `hit build-postprocess [flags] [PATH]`: the post-processing passes a package build runs on
 * its artifact (HASHDIST.md §7.4, §7.5). Parses the flags, runs the walk, prints warnings.
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { HitError } from "../errors.ts";
import {
  buildPostprocess,
  NO_POSTPROCESS_FLAGS,
  type PostprocessFlags,
  type ShebangMode,
} from "../core/postprocess.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";

/** The parsed command line of `hit build-postprocess`. */
export interface BuildPostprocessArgs {
  flags: PostprocessFlags;
  /** The file or folder to process, as given; `$ARTIFACT` when missing. */
  path?: string;
}

const SHEBANG_MODES: readonly ShebangMode[] = ["multiline", "launcher", "none"];

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "shebang",
    value: "MODE",
    description: `"multiline" rewrites store-interpreter Python scripts; "none" (default)`,
  },
  { name: "relative-rpath", description: "make ELF RPATH entries into the store relative" },
  {
    name: "relative-sh-script",
    value: "REGEX",
    description: "make matching sh scripts find their artifact at run time (repeatable)",
  },
  { name: "relative-symlinks", description: "make absolute symlinks into the artifact relative" },
  { name: "remove-pkgconfig", description: "delete lib/pkgconfig/*.pc files" },
  { name: "relative-pkgconfig", description: "write ${NAME_DIR} for the artifact in .pc files" },
  { name: "check-relocatable", description: "fail on a file or symlink holding $ARTIFACT" },
  {
    name: "check-ignore",
    value: "REGEX",
    description: "skip matching paths in --check-relocatable (repeatable)",
  },
  { name: "write-protect", description: "clear every write bit, folders last" },
  { name: "pyc", description: "accepted for compatibility; does nothing" },
];

/**
 * Parses the arguments after `hit build-postprocess`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseBuildPostprocessArgs(args: string[]): BuildPostprocessArgs {
  const { values, positionals } = parseOptions("build-postprocess", OPTIONS, args);
  if (positionals.length > 1) {
    throw usageError("build-postprocess", `unexpected argument "${positionals[1]}"`);
  }
  let shebang: ShebangMode = "none";
  if (values.shebang !== undefined) {
    const wanted = values.shebang as string;
    if (!(SHEBANG_MODES as readonly string[]).includes(wanted)) {
      throw usageError(
        "build-postprocess",
        `unknown shebang mode "${wanted}"`,
        `use one of ${SHEBANG_MODES.map((mode) => `"${mode}"`).join(", ")}`,
      );
    }
    shebang = wanted as ShebangMode;
  }
  const flags: PostprocessFlags = {
    ...NO_POSTPROCESS_FLAGS,
    shebang,
    relativeRpath: values["relative-rpath"] === true,
    relativeShScript: repeatedValues(args, "relative-sh-script"),
    relativeSymlinks: values["relative-symlinks"] === true,
    removePkgconfig: values["remove-pkgconfig"] === true,
    relativePkgconfig: values["relative-pkgconfig"] === true,
    checkRelocatable: values["check-relocatable"] === true,
    checkIgnore: repeatedValues(args, "check-ignore"),
    writeProtect: values["write-protect"] === true,
    pyc: values.pyc === true,
  };
  return { flags, path: positionals[0] };
}

// parseOptions keeps the last value of an option; these two may be given many times. The
// arguments were already checked by parseOptions, so this pass only collects.
function repeatedValues(args: string[], name: string): string[] {
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const option of OPTIONS) {
    options[option.name] = { type: option.value === undefined ? "boolean" : "string" };
  }
  const { tokens } = parseArgs({
    args,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  return tokens.flatMap((token) =>
    token.kind === "option" && token.name === name && token.value !== undefined ? [token.value] : []
  );
}

/** The `build-postprocess` command. */
export const buildPostprocessCommand: Command = {
  name: "build-postprocess",
  summary: "post-process a built artifact: shebangs, RPATHs, pkg-config, write protection",
  usage: `hit build-postprocess [FLAGS] [PATH]

Walks PATH (default $ARTIFACT) bottom-up and runs the chosen passes on every file, then on
each folder, always in this order: --shebang, --relative-rpath, --relative-sh-script,
--relative-symlinks, --remove-pkgconfig, --relative-pkgconfig, --check-relocatable,
--write-protect. Package builds run it as their last command. --relative-rpath runs
$PATCHELF; --shebang=launcher is not supported.

examples:
  hit build-postprocess --shebang=multiline --write-protect
  hit build-postprocess --check-relocatable --check-ignore='.*\\.pyc$' "$ARTIFACT"`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseBuildPostprocessArgs(args);
    const given = parsed.path ?? context.env.ARTIFACT;
    if (given === undefined || given === "") {
      throw new HitError("post-process: no PATH given and ARTIFACT is not set", {
        hint: "give the folder to process, or run inside a build job",
      });
    }
    const warnings = await buildPostprocess(resolve(context.cwd, given), parsed.flags, {
      env: context.env,
    });
    for (const warning of warnings) await context.stderr.write(`warning: ${warning}\n`);
    return 0;
  },
};
