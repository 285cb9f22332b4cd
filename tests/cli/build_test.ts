import assert from "node:assert/strict";
import { parseBuildArgs } from "../../src/cli/build.ts";
import { HitError } from "../../src/errors.ts";

Deno.test("parseBuildArgs() defaults the budget to the cores, one at a time off, stop on failure", () => {
  const parsed = parseBuildArgs(["stack.yaml"], 8);
  assert.equal(parsed.jobs, 8);
  assert.equal(parsed.serial, false);
  assert.equal(parsed.keepGoing, false);
  assert.equal(parsed.keepBuild, "error");
  assert.equal(parsed.output, "stack");
});

Deno.test("parseBuildArgs() takes -j, -k/--keep-going, --serial and --keep-build apart", () => {
  const parsed = parseBuildArgs(["stack.yaml", "-j", "3", "-k", "--serial", "--keep-build"], 8);
  assert.equal(parsed.jobs, 3);
  assert.equal(parsed.keepGoing, true);
  assert.equal(parsed.serial, true);
  assert.equal(parsed.keepBuild, "always");
  assert.equal(parseBuildArgs(["stack.yaml", "--keep-going"], 1).keepGoing, true);
});

Deno.test("parseBuildArgs() rejects a budget that is not a positive whole number", () => {
  for (const jobs of ["0", "-2", "1.5", "many"]) {
    assert.throws(
      () => parseBuildArgs(["stack.yaml", `--jobs=${jobs}`], 4),
      (error) => error instanceof HitError && error.exitCode === 2,
      jobs,
    );
  }
});

Deno.test("parseBuildArgs() takes --check with --keep and --package, and refuses --keep alone", () => {
  const parsed = parseBuildArgs(["--check", "stack.yaml", "--package", "zlib", "--keep"], 2);
  assert.deepEqual([parsed.check, parsed.keep, parsed.packages], [true, true, ["zlib"]]);
  const plain = parseBuildArgs(["stack.yaml"], 2);
  assert.deepEqual([plain.check, plain.keep], [false, false]);
  assert.throws(
    () => parseBuildArgs(["stack.yaml", "--keep"], 2),
    (error) => error instanceof HitError && error.exitCode === 2 && /--check/.test(error.message),
  );
});
