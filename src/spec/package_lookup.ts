/**
 * Finding the spec file of a package (HASHDIST.md §1.4): the candidates `U.yaml`, `U/U.yaml`
 * and `U/U-*.yaml` in the package directories, and the choice among them by top-level `when`.
 */
import { basename, join } from "node:path";
import { HitError } from "../errors.ts";
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

/** Up to `count` names of `known` closest to `name` by edit distance. */
export function closeNames(name: string, known: Iterable<string>, count = 3): string[] {
  const scored: [number, string][] = [];
  const limit = Math.max(2, Math.floor(name.length / 3));
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit || candidate.startsWith(name) || name.startsWith(candidate)) {
      scored.push([distance, candidate]);
    }
  }
  scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  return scored.slice(0, count).map(([, candidate]) => candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
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
