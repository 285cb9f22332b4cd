import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";
import { HitError } from "../../src/errors.ts";
import { artifactId } from "../../src/spec/artifact_id.ts";
import { hitPackKey } from "../../src/spec/hit_pack.ts";
import { loadProfile } from "../../src/spec/profile.ts";
import { createResolver, type PackageResult, resolveProfile } from "../../src/spec/resolve.ts";
import { createSpecFiles } from "../../src/spec/spec_files.ts";
import { catchHitError, type SpecTree, writeSpecTree, yaml } from "./_spec_tree.ts";

const CORPUS = fileURLToPath(new URL("../../../shared/corpus/hashstack", import.meta.url));
const CONFORMANCE = new URL("../../../shared/conformance/", import.meta.url);

/** A conformance package file: what the original computed for one package. */
interface Golden {
  package: string;
  ok: boolean;
  [field: string]: unknown;
}

/** A field family of the goldens and the part of a `PackageResult` it must equal. */
const FIELDS: [string, (result: PackageResult) => unknown][] = [
  ["import_commands", (result) => result.importCommands],
  ["link_dsl", (result) => result.linkRules],
  ["postprocess", (result) => result.postprocess],
  ["bundled_files", (result) => result.bundledFiles],
  ["build_deps", (result) => result.buildDeps],
  ["run_deps", (result) => result.runDeps],
];

async function readGoldens(profile: string): Promise<Golden[]> {
  const dir = new URL(`packages/${profile}/`, CONFORMANCE);
  const goldens: Golden[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".json")) continue;
    goldens.push(JSON.parse(await Deno.readTextFile(new URL(entry.name, dir))));
  }
  return goldens.sort((a, b) => a.package < b.package ? -1 : 1);
}

/** A temporary copy of the corpus with `golden-PROFILE.yaml` at its root. */
async function corpusTree(profile: string): Promise<SpecTree> {
  const tree = await writeSpecTree({});
  await cp(CORPUS, tree.root, { recursive: true });
  await Deno.copyFile(
    new URL(`profiles/golden-${profile}.yaml`, CONFORMANCE),
    join(tree.root, `golden-${profile}.yaml`),
  );
  return tree;
}

for (const profile of ["linux", "linux-reloc"]) {
  for (const [field, pick] of FIELDS) {
    Deno.test(`createResolver() gives the golden ${field} of every ${profile} package`, async () => {
      await using tree = await corpusTree(profile);
      const goldens = await readGoldens(profile);
      assert.ok(goldens.length >= 343, `expected the published goldens, got ${goldens.length}`);
      const files = createSpecFiles();
      const resolver = createResolver(
        loadProfile(tree.path(`golden-${profile}.yaml`), { files }),
        files,
      );
      const differing: string[] = [];
      for (const golden of goldens) {
        if (!golden.ok) continue;
        try {
          const computed = JSON.parse(JSON.stringify(pick(resolver.result(golden.package))));
          if (!isDeepStrictEqual(computed, golden[field])) differing.push(golden.package);
        } catch (error) {
          differing.push(`${golden.package} (${error instanceof Error ? error.message : error})`);
        }
      }
      assert.deepEqual(differing, [], `${field} differs for: ${differing.join(", ")}`);
    });
  }
}

const BASH_PROFILE = "package_dirs: [pkgs]\nparameters: {BASH: /bin/bash}\n";

function stage(text: string): string {
  return `build_stages:\n- {name: build, handler: bash, bash: '${text}'}\n`;
}

Deno.test("resolveProfile() rejects a cycle of build dependencies, naming it", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": `${BASH_PROFILE}packages:\n  a:\n`,
    "pkgs/a.yaml": "dependencies: {build: [b]}\n",
    "pkgs/b.yaml": "dependencies: {build: [a]}\n",
  });
  const error = catchHitError(() => resolveProfile(tree.path("profile.yaml")));
  assert.equal(error.message, 'resolve "a": build dependencies form a cycle: a -> b -> a');
  assert.equal(error.location.package, "a");
  assert.match(error.hint ?? "", /make one of these a run dependency/);
});

Deno.test("resolveProfile() tolerates a run cycle through build edges (python, openssl, pkg-config)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": `${BASH_PROFILE}packages:\n  python:\n`,
    "pkgs/python.yaml": `dependencies: {build: [openssl]}\n${stage("make python")}`,
    "pkgs/openssl.yaml": `dependencies: {build: [pkg-config]}\n${stage("make openssl")}`,
    "pkgs/pkg-config.yaml": `dependencies: {run: [python]}\n${stage("make pkg-config")}`,
  });
  const resolved = resolveProfile(tree.path("profile.yaml"));
  assert.deepEqual([...resolved.packages.keys()], ["openssl", "pkg-config", "python"]);
  assert.deepEqual(resolved.buildOrder, ["pkg-config", "openssl", "python"]);
  const python = resolved.packages.get("python")!;
  assert.deepEqual(
    (python.buildSpec.build as { import: unknown[] }).import,
    [{ ref: "OPENSSL", id: resolved.packages.get("openssl")!.artifactId }],
  );
  const imports = (resolved.profileBuildSpec.build as { import: { ref: string }[] }).import;
  assert.deepEqual(imports.map((item) => item.ref), ["OPENSSL", "PYTHON", "PKG_CONFIG"]);
});

Deno.test("resolveProfile() rejects a cycle of run dependencies", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": `${BASH_PROFILE}packages:\n  a:\n`,
    "pkgs/a.yaml": `dependencies: {run: [b]}\n${stage("a")}`,
    "pkgs/b.yaml": `dependencies: {run: [a]}\n${stage("b")}`,
  });
  const error = catchHitError(() => resolveProfile(tree.path("profile.yaml")));
  assert.equal(error.message, "order profile: run dependencies form a cycle: a -> b -> a");
  assert.equal(error.location.package, "a");
});

Deno.test("resolveProfile() rejects a missing BASH parameter, naming the package", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [pkgs]\npackages:\n  zlib:\n",
    "pkgs/zlib.yaml": stage("make"),
  });
  const error = catchHitError(() => resolveProfile(tree.path("profile.yaml")));
  assert.match(error.message, /"zlib": BASH must be provided in profile parameters/);
  assert.equal(error.location.package, "zlib");
});

Deno.test("resolveProfile() reports an unknown profile package with close names", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": `${BASH_PROFILE}packages:\n  nunpy:\n`,
    "pkgs/numpy.yaml": stage("make"),
  });
  const error = catchHitError(() => resolveProfile(tree.path("profile.yaml")));
  assert.match(error.message, /find package "nunpy"/);
  assert.equal(error.location.package, "nunpy");
  assert.equal(error.hint, 'did you mean "numpy"?');
  assert.deepEqual(error.context, [
    `while loading package "nunpy" of profile ${tree.path("profile.yaml")}`,
    `listed in the profile at ${tree.path("profile.yaml")}:${
      BASH_PROFILE.split("\n").length + 1
    }:3`,
  ]);
});

Deno.test("resolveProfile() names the packages that need an unknown dependency", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": `${BASH_PROFILE}packages:\n  app:\n`,
    "pkgs/app.yaml": `dependencies: {build: [zlb]}\n${stage("make")}`,
    "pkgs/zlib.yaml": stage("make"),
  });
  const error = catchHitError(() => resolveProfile(tree.path("profile.yaml")));
  assert.match(error.message, /find package "zlb"/);
  assert.equal(error.hint, 'did you mean "zlib"?');
  assert.match(error.context.at(-1)!, /^needed by "app" \(.*app\.yaml\)$/);
});

Deno.test("resolveProfile() resolves the closure over build and run dependencies (§1.2)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": `${BASH_PROFILE}packages:\n  app:\n  mpi: {use: host-mpi}\n`,
    "pkgs/app.yaml": `dependencies: {build: [zlib, mpi], run: [python]}\n${stage("make app")}`,
    "pkgs/zlib.yaml": `when_build_dependency:\n- {set: ZLIB, value: '\${ARTIFACT}/lib'}\n${
      stage("make zlib")
    }`,
    "pkgs/python.yaml": `dependencies: {build: [zlib]}\nprofile_links:\n- link: '*/**/*'\n${
      stage("make python")
    }`,
    "pkgs/host-mpi.yaml": stage("true"),
  });
  const resolved = resolveProfile(tree.path("profile.yaml"));
  assert.deepEqual([...resolved.packages.keys()], ["app", "mpi", "python", "zlib"]);
  assert.deepEqual(resolved.buildOrder, ["mpi", "zlib", "app", "python"]);
  const app = resolved.packages.get("app")!;
  assert.equal(app.artifactId, artifactId(app.buildSpec));
  assert.match(app.artifactId, /^app\/[a-z2-7]{32}$/);
  assert.deepEqual((app.buildSpec.build as { commands: unknown[] }).commands, [
    { set: "ZLIB", value: "${ZLIB_DIR}/lib" },
    { set: "BASH", nohash_value: "/bin/bash" },
    { cmd: ["$BASH", "_hashdist/build.sh"] },
  ]);
  assert.equal(app.buildScript, "set -e\nexport HDIST_IN_BUILD=yes\nmake app\n");
  assert.equal(app.bundle.key, hitPackKey(app.bundle.entries));
  assert.deepEqual(app.bundle.entries.map((entry) => entry.name), ["_hashdist/build.sh"]);
  assert.deepEqual((app.buildSpec.sources as unknown[])[0], { target: ".", key: app.bundle.key });
  assert.equal(resolved.packages.get("mpi")!.name, "mpi");
  // Run-dependency order: app's run dependency python comes before app.
  assert.deepEqual(resolved.profileBuildSpec.build, {
    import: ["PYTHON", "APP", "MPI", "ZLIB"].map((ref) => ({
      ref,
      id: resolved.packages.get(ref.toLowerCase())!.artifactId,
    })),
    commands: [
      { set: "ZLIB", value: "${ZLIB_DIR}/lib" },
      {
        hit: ["create-links", "$in0"],
        inputs: [{
          json: [{
            action: "relative_symlink",
            select: "${PYTHON_DIR}/*/**/*",
            prefix: "${PYTHON_DIR}",
            target: "${ARTIFACT}",
            dirs: false,
          }],
        }],
      },
      { hit: ["build-postprocess", "--write-protect"] },
    ],
  });
  assert.equal(resolved.profileArtifactId, artifactId(resolved.profileBuildSpec));
});

Deno.test("resolveProfile() bundles a package's files with its build script", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": `${BASH_PROFILE}packages:\n  foo:\n`,
    "pkgs/foo/foo.yaml":
      "build_stages:\n- {name: s, handler: bash, bash: 'patch < _hashdist/fix.diff', files: [fix.diff]}\n",
    "pkgs/foo/fix.diff": "--- a\n+++ b\n",
  });
  const foo = resolveProfile(tree.path("profile.yaml")).packages.get("foo")!;
  assert.deepEqual(foo.bundledFiles, ["fix.diff"]);
  assert.deepEqual(
    foo.bundle.entries.map(({ name, content }) => [name, new TextDecoder().decode(content)]),
    [
      ["_hashdist/build.sh", "set -e\nexport HDIST_IN_BUILD=yes\npatch < _hashdist/fix.diff\n"],
      ["_hashdist/fix.diff", "--- a\n+++ b\n"],
    ],
  );
});

Deno.test("resolveProfile() passes command-line overrides to every package", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": `${BASH_PROFILE}packages:\n  foo:\n`,
    "pkgs/foo.yaml": yaml`
      build_stages:
      - {name: s, handler: bash, bash: 'echo {{greeting}}'}
      - {name: t, when: debug, after: s, handler: bash, bash: 'echo debug'}
    `,
  });
  const plain = resolveProfile(tree.path("profile.yaml")).packages.get("foo")!;
  const changed = resolveProfile("profile.yaml", {
    cwd: tree.root,
    overrides: { greeting: "hi", debug: "false" },
  }).packages.get("foo")!;
  assert.equal(plain.buildScript, "set -e\nexport HDIST_IN_BUILD=yes\necho\n");
  assert.equal(changed.buildScript, "set -e\nexport HDIST_IN_BUILD=yes\necho hi\necho debug\n");
  assert.notEqual(plain.artifactId, changed.artifactId);
});

Deno.test("createResolver() computes each package once and reuses it", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": `${BASH_PROFILE}packages:\n  foo:\n`,
    "pkgs/foo.yaml": stage("make"),
  });
  const files = createSpecFiles();
  const resolver = createResolver(loadProfile(tree.path("profile.yaml"), { files }), files);
  assert.equal(resolver.result("foo"), resolver.result("foo"));
  assert.equal(resolver.package("foo"), resolver.package("foo"));
  assert.deepEqual(resolver.closure(["foo"]), ["foo"]);
  assert.ok(catchHitError(() => resolver.result("bar")) instanceof HitError);
});
