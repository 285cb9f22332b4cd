import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { bufferWriter } from "../../src/cli/output.ts";
import { main } from "../../src/main.ts";
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
    warnings: [],
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

Deno.test("parseShowArgs() reads deps PACKAGE with --json", () => {
  assert.deepEqual(parseShowArgs(["deps", "greet", "-p", "stack.yaml", "--json"]), {
    subject: "deps",
    package: "greet",
    profile: "stack.yaml",
    overrides: {},
    json: true,
  });
  assert.equal(parseShowArgs(["stack.yaml", "deps", "greet"]).subject, "deps");
});

function withDeps(name: string, buildDeps: string[], runDeps: string[]): PackageResult {
  return { ...packageResult(name), buildDeps, runDeps };
}

const DEPS_PROFILE: ResolvedProfile = {
  ...PROFILE,
  profile: { ...PROFILE.profile, packages: { app: {} } },
  packages: new Map([
    ["app", withDeps("app", ["lib", "zlib"], ["tool"])],
    ["lib", withDeps("lib", ["zlib"], [])],
    ["tool", withDeps("tool", ["lib"], ["lib"])],
    ["zlib", withDeps("zlib", [], [])],
  ]),
};

function showDeps(pkg: string, json = false): string {
  return renderShow(DEPS_PROFILE, {
    subject: "deps",
    package: pkg,
    profile: "p.yaml",
    overrides: {},
    json,
  });
}

Deno.test("renderShow() prints deps as a tree, run-only edges and repeated subtrees marked", () => {
  assert.equal(
    showDeps("app"),
    "app\n├── lib\n│   └── zlib\n├── tool (run)\n│   └── lib (see above)\n└── zlib\n",
  );
});

Deno.test("renderShow() prints deps as nested JSON with --json, name first", () => {
  const text = showDeps("tool", true);
  assert.ok(text.startsWith(`{\n  "name": "tool",\n  "dependencies": [`));
  assert.deepEqual(JSON.parse(text), {
    name: "tool",
    dependencies: [{
      name: "lib",
      edge: "both",
      dependencies: [{ name: "zlib", edge: "build", dependencies: [] }],
    }],
  });
});

Deno.test("renderShow() names an unknown package for deps as for the other subjects", () => {
  assert.throws(() => showDeps("ap"), (error) => {
    assert.ok(error instanceof HitError);
    assert.equal(error.message, `show "ap": no package "ap" in profile "p.yaml"`);
    assert.equal(error.hint, `did you mean "app"?`);
    return true;
  });
});

const EXAMPLE_STACK = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

async function runHit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = bufferWriter();
  const stderr = bufferWriter();
  const code = await main(args, {
    stdout,
    stderr,
    env: {},
    cwd: "/nonexistent",
    noColor: true,
    self: () => ({ argv: ["/nonexistent/hit"], readOnly: [], env: {} }),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

Deno.test("hit show deps prints the example stack's tree; an unknown package exits 1", async () => {
  assert.deepEqual(await runHit(["show", "deps", "greet-tools", "-p", EXAMPLE_STACK]), {
    code: 0,
    stdout: "greet-tools\n└── greet (run)\n    └── libgreet\n",
    stderr: "",
  });
  assert.deepEqual(await runHit(["show", "deps", "gret", "-p", EXAMPLE_STACK]), {
    code: 1,
    stdout: "",
    stderr: `error: show "gret": no package "gret" in profile "${EXAMPLE_STACK}"\n` +
      `hint: did you mean "greet"?\n`,
  });
});
