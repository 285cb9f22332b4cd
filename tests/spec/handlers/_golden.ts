/**
 * Reads the original tool's build scripts from `shared/conformance/packages/linux/` for the
 * handler tests, and checks that a handler's lines appear in them. Reads files only.
 */
import assert from "node:assert/strict";
import { envName } from "../../../src/spec/values.ts";

/** What a handler test needs of one conformance package. */
export interface GoldenPackage {
  buildScript: string;
  /** `ENV(d)` of the package's build dependencies, in their recorded (sorted) order. */
  deps: string[];
}

/** The parameters of the `golden-linux` profile that handlers read (it extends `linux.yaml`). */
export const GOLDEN_LINUX_PARAMS = { platform: "linux", fortran: true };

const LINUX_PACKAGES = new URL("../../../../shared/conformance/packages/linux/", import.meta.url);

/** Loads `packages/linux/NAME.json`. */
export async function loadGolden(name: string): Promise<GoldenPackage> {
  const doc = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, LINUX_PACKAGES)));
  return { buildScript: doc.build_script, deps: doc.build_deps.map(envName) };
}

/** Asserts that `lines` occur, in order and next to each other, among the lines of `script`. */
export function assertBlockIn(lines: string[], script: string): void {
  const all = script.split("\n");
  for (let i = 0; i + lines.length <= all.length; i++) {
    if (lines.every((line, j) => all[i + j] === line)) return;
  }
  // No match: diff against the window that starts where the first line does, if anywhere.
  const start = all.indexOf(lines[0]);
  assert.deepEqual(lines, start < 0 ? all : all.slice(start, start + lines.length));
  assert.fail("handler lines are not a contiguous block of the golden build script");
}
