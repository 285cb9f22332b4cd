/**
 * Finding the spec file of a package (HASHDIST.md §1.4): the candidates `U.yaml`, `U/U.yaml`
 * and `U/U-*.yaml` in the package directories, and the choice among them by top-level `when`.
 */
import { basename, join } from "node:path";
import { HitError } from "../errors.ts";
import { closeNames } from "./close_names.ts";
import type { SpecFiles } from "./spec_files.ts";

/** A spec file that may describe a package. */
export interface SpecCandidate {
  file: string;
  /** Found as `U/U.yaml` or `U/U-*.yaml`: only such specs may bundle `files:`. */
  inPackageDir: boolean;
}

/** The candidate spec files of used name `name`, keyed by base name as the original does. */
export function findSpecCandidates(
  name: string,
  packageDirs: string[],
  files: SpecFiles,
): SpecCandidate[] {
  const byBase = new Map<string, SpecCandidate>();
  // Directories are visited last to first, so the first listed directory wins a base name;
  // within one directory `U/U.yaml` overwrites `U.yaml`.
  for (let i = packageDirs.length - 1; i >= 0; i--) {
    const dir = packageDirs[i];
    const flat = join(dir, `${name}.yaml`);
    if (files.isFile(flat)) byBase.set(basename(flat), { file: flat, inPackageDir: false });
    const sub = join(dir, name);
    if (!files.isDir(sub)) continue;
    const own = join(sub, `${name}.yaml`);
    if (files.isFile(own)) byBase.set(basename(own), { file: own, inPackageDir: true });
    for (const entry of files.listDir(sub)) {
      if (entry.startsWith(`${name}-`) && entry.endsWith(".yaml")) {
        const file = join(sub, entry);
        if (files.isFile(file)) byBase.set(entry, { file, inPackageDir: true });
      }
    }
  }
  return [...byBase.values()];
}

/** Every package name found in the package directories, for "did you mean" hints. */
export function listPackageNames(packageDirs: string[], files: SpecFiles): string[] {
  const names = new Set<string>();
  for (const dir of packageDirs) {
    for (const entry of files.listDir(dir)) {
      if (entry.endsWith(".yaml")) names.add(entry.slice(0, -5));
      else if (files.isFile(join(dir, entry, `${entry}.yaml`))) names.add(entry);
    }
  }
  return [...names].sort();
}

/** The error for a package without any spec file, with close names as the hint. */
export function noSpecError(name: string, packageDirs: string[], files: SpecFiles): HitError {
  const close = closeNames(name, listPackageNames(packageDirs, files));
  return new HitError(
    `find package "${name}": no spec file ${name}.yaml in the package directories`,
    {
      location: { package: name },
      hint: close.length > 0
        ? `did you mean ${close.map((n) => `"${n}"`).join(", ")}?`
        : `searched: ${packageDirs.join(", ")}`,
    },
  );
}
