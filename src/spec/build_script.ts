/**
 * The build script of a package (HASHDIST.md §3.4) and its bundle (§4.5): every build stage,
 * templated a second time, turned into bash lines by its handler; the script and the stages'
 * `files:` packed as the package's first source. Pure apart from reading bundled files.
 */
import { join, relative } from "node:path";
import { HitError } from "../errors.ts";
import { BUILT_IN_HANDLERS, HANDLER_SETS } from "./handler_sets.ts";
import type { Handler } from "./handlers/handler.ts";
import type { Package } from "./package.ts";
import type { LoadedSpec } from "./package_spec.ts";
import type { SpecFiles } from "./spec_files.ts";
import { templateDeep } from "./template.ts";
import { envName, type ValueMap } from "./values.ts";

/** A package's assembled `build.sh` and the names of the files bundled with it. */
export interface BuildScript {
  script: string;
  /** Bundled file names (under `_hashdist/`), in stage order, each once. */
  bundledFiles: string[];
}

/**
 * Assembles the build script of `pkg`.
 * @throws {HitError} for an unknown handler or a handler's missing argument.
 */
export function assembleBuildScript(pkg: Package): BuildScript {
  const handlers = handlersOf(pkg.spec);
  const deps = pkg.buildDeps.map(envName);
  const lines = ["set -e", "export HDIST_IN_BUILD=yes"];
  const bundled: string[] = [];
  for (const { name, stage } of pkg.stages.build_stages) {
    const args = templateDeep(stage, pkg.params) as ValueMap;
    const handlerName = String(args.handler);
    const handler = handlers[handlerName];
    if (!handler) {
      throw new HitError(
        `assemble build script of "${pkg.name}": stage "${name}" has unknown handler "${handlerName}"`,
        {
          location: { file: pkg.spec.file, package: pkg.name },
          hint: `known handlers here: ${Object.keys(handlers).sort().join(", ")}`,
        },
      );
    }
    try {
      lines.push(...handler({ args, params: pkg.params, deps }));
    } catch (error) {
      if (error instanceof HitError) {
        error.location.package ??= pkg.name;
        error.location.file ??= pkg.spec.file;
        throw error.addContext(`while running handler "${handlerName}" of stage "${name}"`);
      }
      throw error;
    }
    if (handlerName === "bash" && Array.isArray(args.files)) {
      for (const file of args.files as string[]) {
        if (!bundled.includes(file)) bundled.push(file);
      }
    }
  }
  return { script: lines.join("\n") + "\n", bundledFiles: bundled };
}

/** Handler resolution (§1.4): `bash`, then each ancestor's set in order, then the spec's own. */
function handlersOf(spec: LoadedSpec): Record<string, Handler> {
  const handlers: Record<string, Handler> = { ...BUILT_IN_HANDLERS };
  for (const ancestor of [...spec.allParents, spec]) {
    Object.assign(handlers, HANDLER_SETS[ancestor.usedName] ?? {});
  }
  return handlers;
}

/**
 * Reads the bundled files of a package: each name looked up as `D/F`, then `D/U/F`, in every
 * package directory D in order (§1.4).
 * @throws {HitError} when a file is in none of them.
 */
export function readBundledFiles(
  pkg: Package,
  names: string[],
  packageDirs: string[],
  files: SpecFiles,
): { name: string; content: Uint8Array }[] {
  return names.map((name) => {
    for (const dir of packageDirs) {
      for (const base of [dir, join(dir, pkg.spec.usedName)]) {
        const path = join(base, name);
        if (files.isFile(path)) {
          checkRealPath(path, base, { pkg, name, files });
          return { name: `_hashdist/${name}`, content: files.readBytes(path) };
        }
      }
    }
    throw new HitError(`bundle files of "${pkg.name}": file "${name}" not found`, {
      location: { file: pkg.spec.file, package: pkg.name },
      hint: `put ${name} beside the spec, in ${join(packageDirs[0] ?? ".", pkg.spec.usedName)}/`,
    });
  });
}

/**
 * Refuses a bundled file whose real path (symlinks resolved) leaves `base`, the folder it was
 * looked up in: a symlink in a package folder must not pack a host file such as /etc/shadow.
 */
function checkRealPath(
  path: string,
  base: string,
  context: { pkg: Package; name: string; files: SpecFiles },
): void {
  const real = context.files.realPath?.(path);
  const realBase = context.files.realPath?.(base);
  if (real === undefined || realBase === undefined) return;
  const rel = relative(realBase, real);
  if (rel !== ".." && !rel.startsWith("../") && !rel.startsWith("/")) return;
  throw new HitError(
    `bundle files of "${context.pkg.name}": file "${context.name}" is a symlink to ${real}, ` +
      `outside the package folder ${base}`,
    {
      location: { file: context.pkg.spec.file, package: context.pkg.name },
      hint: "copy the file into the package folder instead of linking to it",
    },
  );
}
