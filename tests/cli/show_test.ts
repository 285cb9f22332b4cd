import assert from "node:assert/strict";
import { parseShowArgs, renderShow, type ShowArgs } from "../../src/cli/show.ts";
import { HitError, USAGE_EXIT } from "../../src/errors.ts";
import type { PackageResult, ResolvedProfile } from "../../src/spec/resolve.ts";

function assertUsageError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof HitError);
    assert.equal(error.exitCode, USAGE_EXIT);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("parseShowArgs() reads SUBJECT PACKAGE with -p and overrides", () => {
  assert.deepEqual(parseShowArgs(["script", "zlib", "-p", "stack.yaml", "debug=true"]), {
    subject: "script",
    package: "zlib",
    profile: "stack.yaml",
    overrides: { debug: "true" },
    json: false,
  });
  assert.equal(parseShowArgs(["buildspec", "zlib"]).profile, "default.yaml");
  assert.equal(parseShowArgs(["links", "zlib", "--json"]).json, true);
});

Deno.test("parseShowArgs() reads the original's PROFILE SUBJECT PACKAGE order", () => {
  assert.deepEqual(parseShowArgs(["stack.yaml", "buildspec", "profile", "x=1"]), {
    subject: "buildspec",
    package: "profile",
    profile: "stack.yaml",
    overrides: { x: "1" },
    json: false,
  });
});

Deno.test("parseShowArgs() takes an existing file without .yaml as a profile", () => {
  const isFile = (path: string) => path === "stack";
  assert.equal(parseShowArgs(["stack", "script", "zlib"], { isFile }).profile, "stack");
  assertUsageError(() => parseShowArgs(["stack", "script", "zlib"]), /unknown subject "stack"/);
});

Deno.test("parseShowArgs() prefers a subject word over a file of that name", () => {
  const isFile = () => true;
  assert.equal(parseShowArgs(["script", "zlib"], { isFile }).subject, "script");
});

Deno.test("parseShowArgs() rejects bad usage with exit 2", () => {
  assertUsageError(() => parseShowArgs([]), /missing what to show/);
  assertUsageError(() => parseShowArgs(["script"]), /missing the package name/);
  assertUsageError(() => parseShowArgs(["scrpt", "zlib"]), /unknown subject "scrpt"/);
  assertUsageError(() => parseShowArgs(["script", "a", "b"]), /unexpected argument "b"/);
  assertUsageError(() => parseShowArgs(["p.yaml", "nope", "zlib"]), /unknown subject "nope"/);
  assertUsageError(() => parseShowArgs(["p.yaml", "script", "z", "-p", "q.yaml"]), /twice/);
  assertUsageError(() => parseShowArgs(["script", "zlib", "--json"]), /"--json" does not apply/);
  assertUsageError(() => parseShowArgs(["script", "zlib", "--bogus"]), /unknown option "--bogus"/);
});

Deno.test("parseShowArgs() suggests a close subject", () => {
  assert.throws(() => parseShowArgs(["scrpt", "zlib"]), (error) => {
    assert.ok(error instanceof HitError);
    assert.equal(error.hint, `did you mean "script"?`);
    return true;
  });
});

function packageResult(name: string): PackageResult {
  return {
    name,
    artifactId: `${name}/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`,
    buildSpec: { name, build: { import: [] } },
    buildScript: `set -e\necho ${name}`,
    bundledFiles: [],
    bundle: { key: "files:x", entries: [] },
    importCommands: [{ set: "X", value: "${X_DIR}" }],
    linkRules: [{ select: "a", action: "symlink" }, { action: "copy", select: "b" }],
    postprocess: [],
    buildDeps: [],
    runDeps: [],
    sources: [],
    warnings: [],
  };
}

const PROFILE: ResolvedProfile = {
  path: "/tmp/p.yaml",
  profile: {
    file: "/tmp/p.yaml",
    parameters: {},
    packages: {},
    packageOrigins: {},
    packageDirs: [],
    hookImportDirs: [],
  },
  packages: new Map(["zlib", "zeromq", "szip"].map((name) => [name, packageResult(name)])),
  buildOrder: ["szip", "zeromq", "zlib"],
  profileBuildSpec: { name: "profile", version: "n" },
  profileArtifactId: "profile/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
};

function show(subject: ShowArgs["subject"], pkg: string, json = false): string {
  return renderShow(PROFILE, { subject, package: pkg, profile: "p.yaml", overrides: {}, json });
}

Deno.test("renderShow() prints the build script exactly, with no newline added", () => {
  assert.equal(show("script", "zlib"), "set -e\necho zlib");
});

Deno.test("renderShow() prints build specs as pretty JSON with sorted keys, profile for the profile", () => {
  assert.equal(
    show("buildspec", "zlib"),
    `{\n  "build": {\n    "import": []\n  },\n  "name": "zlib"\n}\n`,
  );
  assert.equal(show("buildspec", "profile"), `{\n  "name": "profile",\n  "version": "n"\n}\n`);
});

Deno.test("renderShow() prints lists one JSON value per line with sorted keys, or one list with json", () => {
  assert.equal(
    show("links", "zlib"),
    `{"action":"symlink","select":"a"}\n{"action":"copy","select":"b"}\n`,
  );
  assert.equal(
    show("imports", "zlib", true),
    `[\n  {\n    "set": "X",\n    "value": "\${X_DIR}"\n  }\n]\n`,
  );
  assert.equal(show("postprocess", "zlib"), "");
  assert.equal(show("postprocess", "zlib", true), "[]\n");
});

Deno.test("renderShow() names an unknown package and its profile, with close names", () => {
  assert.throws(() => show("script", "zlb"), (error) => {
    assert.ok(error instanceof HitError);
    assert.equal(error.exitCode, 1);
    assert.equal(error.message, `show "zlb": no package "zlb" in profile "p.yaml"`);
    assert.equal(error.hint, `did you mean "zlib"?`);
    return true;
  });
  assert.throws(() => show("script", "openmpi"), (error) => {
    assert.ok(error instanceof HitError);
    assert.equal(error.hint, `run "hit status p.yaml" to list its packages`);
    return true;
  });
  assert.throws(() => show("script", "profile"), (error) => {
    assert.ok(error instanceof HitError);
    assert.match(error.hint ?? "", /only in "hit show buildspec profile"/);
    return true;
  });
});
