import assert from "node:assert/strict";
import { parseBuildPostprocessArgs } from "../../src/cli/build_postprocess.ts";
import { NO_POSTPROCESS_FLAGS } from "../../src/core/postprocess.ts";
import { HitError } from "../../src/errors.ts";

Deno.test("parseBuildPostprocessArgs() reads the flags of the base package spec", () => {
  // The command base/base_package.yaml gives under golden-linux-reloc (HASHDIST.md §3.8),
  // after the job runner turned `\$` into `$`.
  const parsed = parseBuildPostprocessArgs([
    "--shebang=multiline",
    "--write-protect",
    "--relative-sh-script=/bin/.*-config",
    "--relative-pkgconfig",
    "--relative-rpath",
    "--relative-symlinks",
    "--relative-symlinks",
    "--check-relocatable",
    "--check-ignore=.*\\.pyc$",
    "--check-ignore=.*\\.pyo$",
  ]);
  assert.deepEqual(parsed, {
    path: undefined,
    flags: {
      ...NO_POSTPROCESS_FLAGS,
      shebang: "multiline",
      writeProtect: true,
      relativeShScript: ["/bin/.*-config"],
      relativePkgconfig: true,
      relativeRpath: true,
      relativeSymlinks: true,
      checkRelocatable: true,
      checkIgnore: [".*\\.pyc$", ".*\\.pyo$"],
    },
  });
});

Deno.test("parseBuildPostprocessArgs() takes separate values, --pyc and a PATH", () => {
  const parsed = parseBuildPostprocessArgs([
    "--shebang",
    "none",
    "--relative-sh-script",
    "/bin/a",
    "--relative-sh-script",
    "/bin/b",
    "--remove-pkgconfig",
    "--pyc",
    "some/dir",
  ]);
  assert.deepEqual(parsed, {
    path: "some/dir",
    flags: {
      ...NO_POSTPROCESS_FLAGS,
      relativeShScript: ["/bin/a", "/bin/b"],
      removePkgconfig: true,
      pyc: true,
    },
  });
  assert.equal(parseBuildPostprocessArgs(["--shebang=launcher"]).flags.shebang, "launcher");
});

Deno.test("parseBuildPostprocessArgs() rejects bad usage with exit 2", () => {
  const cases: [string[], RegExp][] = [
    [["--shebang=fancy"], /unknown shebang mode "fancy"/],
    [["--write-protect=yes"], /takes no value/],
    [["--check-ignore"], /needs a value REGEX/],
    [["--frobnicate"], /unknown option "--frobnicate"/],
    [["a", "b"], /unexpected argument "b"/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseBuildPostprocessArgs(args), (error) => {
      assert.ok(error instanceof HitError);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, message);
      return true;
    });
  }
});
