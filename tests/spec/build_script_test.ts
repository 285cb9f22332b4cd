import assert from "node:assert/strict";
import { assembleBuildScript, readBundledFiles } from "../../src/spec/build_script.ts";
import { createSpecFiles } from "../../src/spec/spec_files.ts";
import {
  catchHitError,
  loadContext,
  loadTreePackage,
  PAR_CHI,
  writeSpecTree,
  yaml,
} from "./_spec_tree.ts";

Deno.test("assembleBuildScript() gives the build script of the §3.3 example", async () => {
  await using tree = await writeSpecTree(PAR_CHI);
  const { script, bundledFiles } = assembleBuildScript(loadTreePackage(tree, "chi"));
  assert.equal(
    script,
    "set -e\n" +
      "export HDIST_IN_BUILD=yes\n" +
      "echo anon\n" +
      "echo a\n" +
      "echo c  \n" +
      "\n" +
      "  second\n" +
      "echo b hello\n",
  );
  assert.deepEqual(bundledFiles, []);
});

Deno.test("assembleBuildScript() follows flag=1 greeting=bye in the §3.3 example", async () => {
  await using tree = await writeSpecTree(PAR_CHI);
  const pkg = loadTreePackage(tree, "chi", { overrides: { flag: "1", greeting: "bye" } });
  assert.equal(
    assembleBuildScript(pkg).script,
    "set -e\nexport HDIST_IN_BUILD=yes\necho anon\necho a\necho c  \n\n  second\necho b bye\necho d\n",
  );
});

Deno.test("assembleBuildScript() substitutes parameters and defaults (test_assemble_stages)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\nparameters: {foo: somevalue}\n",
    "mypackage.yaml": yaml`
      defaults: {bar: othervalue}
      build_stages:
      - {name: s1, handler: bash, bash: './configure --with-foo={{foo}} --with-bar={{bar}}'}
      - {name: s2, after: s1, handler: bash, bash: make}
      - {name: s3, after: s2, handler: bash, bash: make install}
    `,
  });
  assert.equal(
    assembleBuildScript(loadTreePackage(tree, "mypackage")).script,
    "set -e\n" +
      "export HDIST_IN_BUILD=yes\n" +
      "./configure --with-foo=somevalue --with-bar=othervalue\n" +
      "make\n" +
      "make install\n",
  );
});

Deno.test("assembleBuildScript() templates stage strings a second time (§2.3)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml":
      "package_dirs: [.]\nparameters:\n  msg: 'hi {{who}}'\n  who: you\n  flag: '{{on}}'\n  on: true\n",
    "foo.yaml":
      "build_stages:\n- name: s\n  handler: bash\n  bash: |\n    echo {{msg}} [{{ who }}] {{flag}}\n",
  });
  assert.equal(
    assembleBuildScript(loadTreePackage(tree, "foo")).script,
    "set -e\nexport HDIST_IN_BUILD=yes\necho hi you [] True\n",
  );
});

Deno.test("assembleBuildScript() uses a handler set an ancestor brings (libflags)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\nparameters: {platform: linux}\n",
    "libflags.yaml": "build_stages:\n- {name: libflags}\n",
    "foo.yaml": "extends: [libflags]\ndependencies: {build: [pkg-config]}\n",
  });
  assert.deepEqual(assembleBuildScript(loadTreePackage(tree, "foo")).script.split("\n"), [
    "set -e",
    "export HDIST_IN_BUILD=yes",
    'export CPPFLAGS="-I${PKG_CONFIG_DIR}/include"',
    'export LDFLAGS="-L${PKG_CONFIG_DIR}/lib -Wl,-rpath=${PKG_CONFIG_DIR}/lib"',
    "",
  ]);
});

Deno.test("assembleBuildScript() rejects a handler no spec of the package provides", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "build_stages:\n- {name: flags, handler: libflags}\n",
  });
  const error = catchHitError(() => assembleBuildScript(loadTreePackage(tree, "foo")));
  assert.equal(
    error.message,
    'assemble build script of "foo": stage "flags" has unknown handler "libflags"',
  );
  assert.deepEqual(error.location, { file: tree.path("foo.yaml"), package: "foo" });
  assert.equal(error.hint, "known handlers here: bash");
});

Deno.test("assembleBuildScript() names the package and stage when a handler fails", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "libflags.yaml": "build_stages:\n- {name: libflags}\n",
    "foo.yaml": "extends: [libflags]\ndependencies: {build: [zlib]}\n",
    "bar.yaml": "build_stages:\n- {name: install, handler: bash}\n",
  });
  const error = catchHitError(() => assembleBuildScript(loadTreePackage(tree, "foo")));
  assert.match(error.message, /handler "libflags" needs parameter "platform"/);
  assert.equal(error.location.package, "foo");
  assert.equal(error.location.file, tree.path("foo.yaml"));
  assert.deepEqual(error.context, ['while running handler "libflags" of stage "libflags"']);
  const bash = catchHitError(() => assembleBuildScript(loadTreePackage(tree, "bar")));
  assert.match(bash.message, /handler "bash" needs stage key "bash"/);
  assert.equal(bash.location.package, "bar");
});

Deno.test("assembleBuildScript() lists the files of bash stages only, once each, in stage order", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [pkgs]\n",
    "pkgs/foo/foo.yaml": yaml`
      build_stages:
      - {name: b, after: a, handler: bash, bash: x, files: [patch.diff, b.sh]}
      - {name: a, handler: bash, bash: x, files: [z.txt, patch.diff]}
      - {name: c, after: b, handler: libflags, files: [ignored.txt]}
      extends: [libflags]
    `,
    "pkgs/libflags.yaml": "{}\n",
    "pkgs/foo/patch.diff": "",
    "pkgs/foo/b.sh": "",
    "pkgs/foo/z.txt": "",
    "pkgs/foo/ignored.txt": "",
  });
  const pkg = loadTreePackage(tree, "foo");
  assert.deepEqual(pkg.stages.build_stages[2].stage.files, ["ignored.txt"]);
  assert.deepEqual(assembleBuildScript(pkg).bundledFiles, ["z.txt", "patch.diff", "b.sh"]);
});

Deno.test("readBundledFiles() looks in each package directory as D/F, then D/U/F", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [pkgs, base]\n",
    "pkgs/foo/foo.yaml": "build_stages:\n- {name: s, handler: bash, bash: x, files: [a.txt]}\n",
    "pkgs/foo/a.txt": "in pkgs/foo",
    "pkgs/shared.txt": "in pkgs",
    "base/shared.txt": "in base",
    "base/foo/b.txt": "in base/foo",
  });
  const context = loadContext(tree);
  const pkg = loadTreePackage(tree, "foo");
  const read = readBundledFiles(
    pkg,
    ["a.txt", "shared.txt", "b.txt"],
    context.profile.packageDirs,
    createSpecFiles(),
  );
  const decoder = new TextDecoder();
  assert.deepEqual(read.map(({ name, content }) => [name, decoder.decode(content)]), [
    ["_hashdist/a.txt", "in pkgs/foo"],
    ["_hashdist/shared.txt", "in pkgs"],
    ["_hashdist/b.txt", "in base/foo"],
  ]);
});

Deno.test("readBundledFiles() reports a file found in no package directory", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [pkgs]\n",
    "pkgs/foo/foo.yaml": "{}\n",
  });
  const pkg = loadTreePackage(tree, "foo");
  const error = catchHitError(() =>
    readBundledFiles(pkg, ["site.py"], [tree.path("pkgs")], createSpecFiles())
  );
  assert.equal(error.message, 'bundle files of "foo": file "site.py" not found');
  assert.deepEqual(error.location, { file: tree.path("pkgs/foo/foo.yaml"), package: "foo" });
  assert.equal(error.hint, `put site.py beside the spec, in ${tree.path("pkgs/foo")}/`);
});
