import assert from "node:assert/strict";
import { importCommands } from "../../src/spec/import_commands.ts";
import { catchHitError, loadTreePackage, writeSpecTree, yaml } from "./_spec_tree.ts";

Deno.test("importCommands() turns ${ARTIFACT} into the package's own _DIR variable (patchelf)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "patchelf.yaml":
      "when_build_dependency:\n- {set: PATCHELF, value: '\${ARTIFACT}/bin/patchelf'}\n",
  });
  assert.deepEqual(importCommands(loadTreePackage(tree, "patchelf")), [
    { set: "PATCHELF", value: "${PATCHELF_DIR}/bin/patchelf" },
  ]);
});

Deno.test("importCommands() upper-cases the package name and turns - into _", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\npackages:\n  pkg-config: {use: pkgconf}\n",
    "pkgconf.yaml":
      "when_build_dependency:\n- {prepend_path: PKG_CONFIG_PATH, value: '\${ARTIFACT}/lib/pkgconfig:\${ARTIFACT}/share'}\n",
  });
  assert.deepEqual(importCommands(loadTreePackage(tree, "pkg-config")), [
    {
      prepend_path: "PKG_CONFIG_PATH",
      value: "${PKG_CONFIG_DIR}/lib/pkgconfig:${PKG_CONFIG_DIR}/share",
    },
  ]);
});

Deno.test("importCommands() keeps stage order and drops name, before, after and when", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\nparameters: {host: true}\n",
    "foo.yaml": yaml`
      when_build_dependency:
      - {name: z, set: FOO_HOME, value: '\${ARTIFACT}'}
      - {name: a, after: z, append_path: LD_LIBRARY_PATH, value: '\${ARTIFACT}/lib', extra_key: kept}
      - {when: host, prepend_path: PATH, value: '\${ARTIFACT}/bin'}
      - {when: not host, set: NEVER, value: x}
    `,
  });
  assert.deepEqual(importCommands(loadTreePackage(tree, "foo")), [
    { prepend_path: "PATH", value: "${FOO_DIR}/bin" },
    { set: "FOO_HOME", value: "${FOO_DIR}" },
    { append_path: "LD_LIBRARY_PATH", value: "${FOO_DIR}/lib", extra_key: "kept" },
  ]);
});

Deno.test("importCommands() templates the value with the owning package's parameters", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\npackages:\n  python: {pyver: '2.7'}\n",
    "python.yaml":
      "defaults: {pyver: '3.4'}\nwhen_build_dependency:\n- {prepend_path: PYTHONPATH, value: '\${ARTIFACT}/lib/python{{pyver}}/site-packages'}\n",
  });
  assert.deepEqual(importCommands(loadTreePackage(tree, "python")), [
    { prepend_path: "PYTHONPATH", value: "${PYTHON_DIR}/lib/python2.7/site-packages" },
  ]);
});

Deno.test("importCommands() rejects a bare $VAR in a value (§3.6)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "when_build_dependency:\n- {set: FOO, value: '$ARTIFACT/bin'}\n",
  });
  const error = catchHitError(() => importCommands(loadTreePackage(tree, "foo")));
  assert.equal(error.message, 'when_build_dependency of "foo": value "$ARTIFACT/bin" uses $VAR');
  assert.equal(error.hint, "write ${VAR}, not $VAR");
  assert.deepEqual(error.location, { file: tree.path("foo.yaml"), package: "foo" });
});

Deno.test("importCommands() rejects a $ at the end of a value, and accepts ${VAR}", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "when_build_dependency:\n- {set: FOO, value: 'cost$'}\n",
    "bar.yaml": "when_build_dependency:\n- {set: BAR, value: '\${HOME}/x'}\n",
  });
  assert.match(
    catchHitError(() => importCommands(loadTreePackage(tree, "foo"))).message,
    /uses \$VAR/,
  );
  assert.deepEqual(importCommands(loadTreePackage(tree, "bar")), [{
    set: "BAR",
    value: "${HOME}/x",
  }]);
});

Deno.test("importCommands() rejects an entry without set, prepend_path or append_path", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "when_build_dependency:\n- {name: flags, prepend_flag: CFLAGS, value: -O2}\n",
  });
  const error = catchHitError(() => importCommands(loadTreePackage(tree, "foo")));
  assert.equal(
    error.message,
    'when_build_dependency of "foo": entry "flags" needs one of set, prepend_path, append_path',
  );
  assert.equal(error.location.package, "foo");
});

Deno.test("importCommands() rejects an entry without a string value", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "when_build_dependency:\n- {name: e, set: FOO}\n",
  });
  const error = catchHitError(() => importCommands(loadTreePackage(tree, "foo")));
  assert.match(error.message, /entry "e" needs a string "value"/);
});

Deno.test("importCommands() gives nothing for a package without when_build_dependency", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "{}\n",
  });
  assert.deepEqual(importCommands(loadTreePackage(tree, "foo")), []);
});
