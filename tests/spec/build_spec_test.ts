import assert from "node:assert/strict";
import {
  packageBuildSpec,
  type PackageSpecInputs,
  profileBuildSpec,
} from "../../src/spec/build_spec.ts";
import { postprocessCommands } from "../../src/spec/postprocess_commands.ts";
import type { ValueMap } from "../../src/spec/values.ts";
import { catchHitError, loadTreePackage, writeSpecTree, yaml } from "./_spec_tree.ts";

const BUNDLE = "files:ruwkpei2ot2fp77myn2n2n4ttefuabab";

/** test_create_build_spec of the original, as a spec tree. */
const MYLIB = {
  "profile.yaml": "package_dirs: [.]\nparameters: {X: x, BASH: /bin/bash}\n",
  "mylib.yaml": yaml`
    name: mylib
    sources:
      - git: git://foo
        key: git:a3c39a03e7b8e9a3321d69ff877338f99ebb4aa2
    dependencies:
      build: [otherlib]
      run: [foolib] # should be ignored
    build_stages:
      - {name: make, handler: bash, bash: make}
    post_process:
      - hit: [shebang=multiline, write-protect, remove-pkgconfig]
    when_build_dependency:  # ignored below, only used in build spec of dependency
      - prepend_path: FOO
        value: value-of-FOO
  `,
};

function inputs(overrides: Partial<PackageSpecInputs> = {}): PackageSpecInputs {
  return {
    bundleKey: BUNDLE,
    dependencyIds: new Map(),
    dependencyCommands: new Map(),
    postprocess: [],
    ...overrides,
  };
}

Deno.test("packageBuildSpec() assembles the document of test_create_build_spec (§5.1)", async () => {
  await using tree = await writeSpecTree(MYLIB);
  const pkg = loadTreePackage(tree, "mylib");
  const spec = packageBuildSpec(
    pkg,
    inputs({
      dependencyIds: new Map([["otherlib", "otherlib/abcdefg"]]),
      dependencyCommands: new Map([["otherlib", []]]),
      postprocess: postprocessCommands(pkg),
    }),
  );
  assert.deepEqual(spec, {
    name: "mylib",
    build: {
      import: [{ ref: "OTHERLIB", id: "otherlib/abcdefg" }],
      commands: [
        { set: "BASH", nohash_value: "/bin/bash" },
        { cmd: ["$BASH", "_hashdist/build.sh"] },
        {
          hit: [
            "build-postprocess",
            "--shebang=multiline",
            "--write-protect",
            "--remove-pkgconfig",
          ],
        },
      ],
    },
    sources: [
      { target: ".", key: BUNDLE },
      { target: ".", key: "git:a3c39a03e7b8e9a3321d69ff877338f99ebb4aa2" },
    ],
  });
});

Deno.test("packageBuildSpec() puts PATH first, only when the parameter is set", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\nparameters: {BASH: /bin/bash, PATH: /usr/bin:/bin}\n",
    "noparam.yaml": "package_dirs: [.]\nparameters: {BASH: /bin/sh}\n",
    "foo.yaml": "dependencies: {build: [b-lib, a]}\n",
  });
  const ids = new Map([["a", "a/aaaa"], ["b-lib", "b-lib/bbbb"]]);
  const commands = new Map<string, ValueMap[]>([
    ["a", [{ set: "A_HOME", value: "${A_DIR}" }]],
    ["b-lib", [{ prepend_path: "PATH", value: "${B_LIB_DIR}/bin" }, { set: "B", value: "1" }]],
  ]);
  const spec = packageBuildSpec(
    loadTreePackage(tree, "foo"),
    inputs({ dependencyIds: ids, dependencyCommands: commands }),
  );
  assert.deepEqual(spec.build, {
    import: [{ ref: "A", id: "a/aaaa" }, { ref: "B_LIB", id: "b-lib/bbbb" }],
    commands: [
      { set: "PATH", nohash_value: "/usr/bin:/bin" },
      { set: "A_HOME", value: "${A_DIR}" },
      { prepend_path: "PATH", value: "${B_LIB_DIR}/bin" },
      { set: "B", value: "1" },
      { set: "BASH", nohash_value: "/bin/bash" },
      { cmd: ["$BASH", "_hashdist/build.sh"] },
    ],
  });
  const without = packageBuildSpec(
    loadTreePackage(tree, "foo", { profile: "noparam.yaml" }),
    inputs({ dependencyIds: ids, dependencyCommands: commands }),
  );
  assert.deepEqual((without.build as { commands: unknown[] }).commands[0], {
    set: "A_HOME",
    value: "${A_DIR}",
  });
});

Deno.test("packageBuildSpec() keeps only key and target of sources, and no version", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\nparameters: {BASH: /bin/bash}\n",
    "foo.yaml":
      "version: '1.0'\nsources:\n- {key: 'tar.gz:abc', url: 'https://example.org/a.tar.gz', target: src, strip: 1}\n",
  });
  const spec = packageBuildSpec(loadTreePackage(tree, "foo"), inputs());
  assert.deepEqual(Object.keys(spec), ["name", "build", "sources"]);
  assert.deepEqual(spec.sources, [
    { target: ".", key: BUNDLE },
    { target: "src", key: "tar.gz:abc" },
  ]);
});

Deno.test("packageBuildSpec() rejects a profile without BASH, naming the package (§5.1)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "{}\n",
  });
  const error = catchHitError(() => packageBuildSpec(loadTreePackage(tree, "foo"), inputs()));
  assert.equal(
    error.message,
    'assemble build spec of "foo": BASH must be provided in profile parameters',
  );
  assert.equal(error.location.package, "foo");
  assert.equal(error.hint, "add `BASH: /bin/bash` to the profile's parameters");
});

Deno.test("profileBuildSpec() lists members' imports, commands, links and write-protect (§5.2)", () => {
  const members = [
    {
      name: "patchelf",
      artifactId: "patchelf/ubfhdyx6mshu3icyvdgwnljyfzy6xr5n",
      importCommands: [{ set: "PATCHELF", value: "${PATCHELF_DIR}/bin/patchelf" }],
      linkRules: [{ action: "relative_symlink", select: "${PATCHELF_DIR}/*/**/*" }],
    },
    {
      name: "test_empty",
      artifactId: "test_empty/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      importCommands: [],
      linkRules: [{ action: "relative_symlink", select: "${TEST_EMPTY_DIR}/*/**/*" }],
    },
  ];
  assert.deepEqual(profileBuildSpec(members, { writeProtect: true }), {
    name: "profile",
    version: "n",
    build: {
      import: [
        { ref: "PATCHELF", id: "patchelf/ubfhdyx6mshu3icyvdgwnljyfzy6xr5n" },
        { ref: "TEST_EMPTY", id: "test_empty/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
      ],
      commands: [
        { set: "PATCHELF", value: "${PATCHELF_DIR}/bin/patchelf" },
        {
          hit: ["create-links", "$in0"],
          inputs: [{
            json: [
              { action: "relative_symlink", select: "${PATCHELF_DIR}/*/**/*" },
              { action: "relative_symlink", select: "${TEST_EMPTY_DIR}/*/**/*" },
            ],
          }],
        },
        { hit: ["build-postprocess", "--write-protect"] },
      ],
    },
  });
});

Deno.test("profileBuildSpec() leaves out write-protect for hit develop (§6.6)", () => {
  const spec = profileBuildSpec([], { writeProtect: false });
  assert.deepEqual(spec.build, {
    import: [],
    commands: [{ hit: ["create-links", "$in0"], inputs: [{ json: [] }] }],
  });
  assert.equal(spec.sources, undefined);
});
