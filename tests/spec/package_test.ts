import assert from "node:assert/strict";
import { loadPackage } from "../../src/spec/package.ts";
import {
  catchHitError,
  loadContext,
  loadTreePackage,
  PAR_CHI,
  writeSpecTree,
  yaml,
} from "./_spec_tree.ts";

Deno.test("loadPackage() merges and orders the §3.3 example", async () => {
  await using tree = await writeSpecTree(PAR_CHI);
  const pkg = loadTreePackage(tree, "chi");
  assert.deepEqual(pkg.stages.build_stages, [
    { name: "__j3oslntkywl2h6x3oekry7n4jb3qeyjv", stage: { handler: "bash", bash: "echo anon" } },
    { name: "a", stage: { handler: "bash", bash: "echo a" } },
    { name: "c", stage: { handler: "bash", bash: "  echo c  \n\n  second  \n" } },
    {
      name: "b",
      stage: {
        handler: "bash",
        bash: "echo b hello\n",
        extra: ["x", "y"],
        opts: { k1: "v1", k2: "v2" },
      },
    },
  ]);
  assert.deepEqual(pkg.params, { BASH: "/bin/bash", greeting: "hello", package: "chi" });
});

Deno.test("loadPackage() adds stage d last with flag=1 greeting=bye (§3.3)", async () => {
  await using tree = await writeSpecTree(PAR_CHI);
  const pkg = loadTreePackage(tree, "chi", { overrides: { flag: "1", greeting: "bye" } });
  assert.deepEqual(pkg.stages.build_stages.map(({ name }) => name), [
    "__j3oslntkywl2h6x3oekry7n4jb3qeyjv",
    "a",
    "c",
    "b",
    "d",
  ]);
  assert.equal(pkg.stages.build_stages[3].stage.bash, "echo b bye\n");
  assert.deepEqual(pkg.stages.build_stages[4].stage, { handler: "bash", bash: "echo d" });
});

Deno.test("loadPackage() expands files: globs sorted, in a package directory (test_files_glob)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs:\n- pkgs\n",
    "pkgs/bar/bar.yaml": yaml`
      dependencies:
        run: [dep]
      profile_links:
      - name: link_with_glob
        link: '*/**/*'
      - name: link_without_glob
        link: bar
      build_stages:
      - name: build_without_glob
        files: [bar.c]
      - name: build_with_glob
        files: [glob_*]
    `,
    "pkgs/bar/bar.c": "/*****/",
    "pkgs/bar/glob_second": "Second",
    "pkgs/bar/glob_first": "Frist!",
  });
  const pkg = loadTreePackage(tree, "bar");
  assert.deepEqual(pkg.stages.build_stages.map(({ stage }) => stage), [
    { files: ["glob_first", "glob_second"], handler: "build_with_glob" },
    { files: ["bar.c"], handler: "build_without_glob" },
  ]);
  assert.deepEqual(pkg.stages.profile_links.map(({ stage }) => stage), [
    { link: "*/**/*" },
    { link: "bar" },
  ]);
  assert.deepEqual(pkg.stages.when_build_dependency, []);
  assert.deepEqual(pkg.stages.post_process, []);
  assert.deepEqual([pkg.buildDeps, pkg.runDeps], [[], ["dep"]]);
  assert.deepEqual(pkg.warnings, []);
});

Deno.test("loadPackage() keeps an existing files: entry as written and globs into folders", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [pkgs]\n",
    "pkgs/bar/bar.yaml":
      "build_stages:\n- {name: s, handler: bash, bash: x, files: [data, 'p?t/*.py', '[!x]*.c']}\n",
    "pkgs/bar/data/one": "",
    "pkgs/bar/pat/b.py": "",
    "pkgs/bar/pat/a.py": "",
    "pkgs/bar/pat/.hidden.py": "",
    "pkgs/bar/main.c": "",
    "pkgs/bar/xtra.c": "",
  });
  assert.deepEqual(loadTreePackage(tree, "bar").stages.build_stages[0].stage.files, [
    "data",
    "pat/a.py",
    "pat/b.py",
    "main.c",
  ]);
});

Deno.test("loadPackage() drops a files: entry that matches nothing, with a warning (Q4)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [pkgs]\n",
    "pkgs/python/python.yaml":
      "build_stages:\n- {name: s, handler: bash, bash: x, files: [site.py, ok.txt]}\n",
    "pkgs/python/ok.txt": "",
  });
  const pkg = loadTreePackage(tree, "python");
  assert.deepEqual(pkg.stages.build_stages[0].stage.files, ["ok.txt"]);
  assert.deepEqual(pkg.warnings, [
    `"files" entry "site.py" of ${
      tree.path("pkgs/python/python.yaml")
    } matches nothing and is ignored`,
  ]);
});

Deno.test("loadPackage() rejects files: of a spec outside a package directory, even inherited", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [pkgs]\n",
    "pkgs/base/base.yaml": "build_stages:\n- {name: s, handler: bash, bash: x, files: [a.txt]}\n",
    "pkgs/base/a.txt": "",
    "pkgs/foo.yaml": "description: flat\nextends: [base]\n",
  });
  assert.deepEqual(loadTreePackage(tree, "base").stages.build_stages[0].stage.files, ["a.txt"]);
  const error = catchHitError(() => loadTreePackage(tree, "foo"));
  assert.match(
    error.message,
    /load package "foo": "files" needs the spec in a package directory \(foo\/foo\.yaml\)/,
  );
  assert.equal(error.location.file, tree.path("pkgs/foo.yaml"));
  assert.equal(error.location.package, "foo");
});

Deno.test("loadPackage() lets defaults lose to profile parameters (test_defaults_section_in_package)", async () => {
  await using tree = await writeSpecTree({
    "without_override.yaml": "package_dirs:\n- .\npackages:\n  mypkg:\n",
    "with_package.yaml":
      "package_dirs:\n- .\npackages:\n  mypkg:\n    foo: false\n    exit_code: 1\n",
    "with_global.yaml":
      "package_dirs:\n- .\nparameters:\n  foo: false\n  exit_code: 1\npackages:\n  mypkg:\n",
    "mypkg.yaml": yaml`
      defaults:
        foo: true
        exit_code: 0
      build_stages:
        - handler: bash
          bash: |
            exit {{exit_code}}

        - when: foo
          handler: bash
    `,
  });
  const stages = (profile: string) =>
    loadTreePackage(tree, "mypkg", { profile }).stages.build_stages.map(({ stage }) => stage);
  assert.deepEqual(stages("without_override.yaml"), [
    { handler: "bash" },
    { handler: "bash", bash: "exit 0\n" },
  ]);
  assert.deepEqual(stages("with_global.yaml"), [{ handler: "bash", bash: "exit 1\n" }]);
  assert.deepEqual(stages("with_package.yaml"), [{ handler: "bash", bash: "exit 1\n" }]);
});

Deno.test("loadPackage() reads a command-line false as the truthy string 'false'", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\nparameters: {debug: false}\n",
    "foo.yaml": "build_stages:\n- {name: dbg, when: debug, handler: bash, bash: x}\n",
  });
  assert.equal(loadTreePackage(tree, "foo").stages.build_stages.length, 0);
  const pkg = loadTreePackage(tree, "foo", { overrides: { debug: "false" } });
  assert.deepEqual(pkg.stages.build_stages.map(({ name }) => name), ["dbg"]);
});

Deno.test("loadPackage() sets a handler from the stage name, and rejects one for a generated name", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "ok.yaml": "build_stages:\n- {name: configure}\n- {name: bash, handler: other}\n",
    "bad.yaml": "description: x\nbuild_stages:\n- {bash: echo}\n",
  });
  assert.deepEqual(loadTreePackage(tree, "ok").stages.build_stages, [
    { name: "bash", stage: { handler: "other" } },
    { name: "configure", stage: { handler: "configure" } },
  ]);
  const error = catchHitError(() => loadTreePackage(tree, "bad"));
  assert.match(error.message, /load package "bad": a build stage lacks a handler and a name/);
  assert.equal(error.location.file, tree.path("bad.yaml"));
  assert.equal(error.location.line, 2);
  assert.equal(error.hint, "add `handler: bash`");
});

Deno.test("loadPackage() keeps the package name for a use: spec (test_stack)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [pkgs]\npackages:\n  original: {use: alternate}\n",
    "pkgs/alternate.yaml":
      "defaults: {filename: alternate.yaml}\nprofile_links:\n- link: '*/{{package}}/*'\n",
    "pkgs/original.yaml": "defaults: {filename: original.yaml}\n",
  });
  const pkg = loadTreePackage(tree, "original");
  assert.equal(pkg.name, "original");
  assert.equal(pkg.spec.usedName, "alternate");
  assert.equal(pkg.params.filename, "alternate.yaml");
  assert.equal(pkg.params.package, "original");
  assert.equal(pkg.params.use, "alternate");
  assert.deepEqual(pkg.stages.profile_links[0].stage, { link: "*/original/*" });
});

Deno.test("loadPackage() templates a shared parent per package (D-2)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\npackages:\n  a: {flavour: x}\n  b: {flavour: y}\n",
    "base.yaml":
      "build_stages:\n- {name: s, handler: bash, bash: 'echo {{flavour}} {{package}}'}\n",
    "a.yaml": "extends: [base]\n",
    "b.yaml": "extends: [base]\n",
  });
  const context = loadContext(tree);
  assert.equal(loadPackage("a", context).stages.build_stages[0].stage.bash, "echo x a");
  assert.equal(loadPackage("b", context).stages.build_stages[0].stage.bash, "echo y b");
  assert.equal(loadPackage("a", context).stages.build_stages[0].stage.bash, "echo x a");
});

Deno.test("loadPackage() keeps the spec's sources, with target . by default", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": yaml`
      sources:
      - {key: 'tar.gz:abc', url: 'https://example.org/foo.tar.gz', strip: 1}
      - {key: 'git:0123', url: 'https://example.org/foo.git', target: sub}
    `,
  });
  assert.deepEqual(loadTreePackage(tree, "foo").sources, [
    { key: "tar.gz:abc", url: "https://example.org/foo.tar.gz", target: "." },
    { key: "git:0123", url: "https://example.org/foo.git", target: "sub" },
  ]);
});

Deno.test("loadPackage() replaces sources from a profile setting (§2.6 step 9)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\npackages:\n  foo:\n    sources:\n    - {key: 'zip:new'}\n",
    "foo.yaml": "sources:\n- {key: 'tar.gz:old', url: 'https://example.org/old.tar.gz'}\n",
  });
  assert.deepEqual(loadTreePackage(tree, "foo").sources, [
    { key: "zip:new", url: undefined, target: "." },
  ]);
});

Deno.test("loadPackage() turns a github setting into a git source (§2.6 step 9)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": yaml`
      package_dirs: [.]
      packages:
        foo:
          github: https://github.com/o/r/commit/0123456789abcdef0123456789abcdef01234567
        bar:
          github: https://github.com/o/r/commit/abc
    `,
    "foo.yaml":
      "sources:\n- {key: 'tar.gz:old', url: 'https://example.org/old.tar.gz', target: src}\n",
    "bar.yaml": "description: two\nsources:\n- {key: 'tar.gz:a'}\n- {key: 'tar.gz:b'}\n",
  });
  assert.deepEqual(loadTreePackage(tree, "foo").sources, [{
    key: "git:0123456789abcdef0123456789abcdef01234567",
    url: "https://github.com/o/r.git",
    target: "src",
  }]);
  const error = catchHitError(() => loadTreePackage(tree, "bar"));
  assert.match(error.message, /"github" needs exactly one source to replace/);
  assert.equal(error.location.file, tree.path("bar.yaml"));
  assert.equal(error.location.line, 2);
});

Deno.test("loadPackage() rejects a source without a valid key, at its line", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "sources:\n- {key: 'tar.gz:a'}\n- {url: 'https://example.org/x.tar.gz'}\n",
  });
  const error = catchHitError(() => loadTreePackage(tree, "foo"));
  assert.match(error.message, /source 2 needs a "key" such as tar\.gz:HASH, found nothing/);
  assert.equal(error.location.line, 3);
  assert.equal(error.location.package, "foo");
});

Deno.test("loadPackage() rejects a use: setting that is not a name", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\npackages:\n  mpi: {use: [a]}\n",
  });
  const error = catchHitError(() => loadTreePackage(tree, "mpi"));
  assert.match(error.message, /load package "mpi": "use" must be a package name/);
  assert.deepEqual(error.location, { file: tree.path("profile.yaml"), package: "mpi" });
});

Deno.test("loadPackage() names the package and profile on a spec error", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\npackages:\n  mpi: {use: host-mpi}\n",
    "host-mpi.yaml": "build_stages:\n- {name: a, mode: merge}\n",
  });
  const error = catchHitError(() => loadTreePackage(tree, "mpi"));
  assert.match(error.message, /load spec "host-mpi": stage "a" has unknown mode/);
  assert.equal(error.location.file, tree.path("host-mpi.yaml"));
  assert.equal(error.location.line, 2);
  assert.equal(error.location.package, "mpi");
  assert.deepEqual(error.context, [
    `while loading package "mpi" of profile ${tree.path("profile.yaml")}`,
  ]);
});

Deno.test("loadPackage() reports a stage ordering error with the package's file", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml":
      "extends: [base]\nbuild_stages:\n- {name: a, handler: bash, bash: x, after: ghost}\n",
    "base.yaml": "{}\n",
  });
  const error = catchHitError(() => loadTreePackage(tree, "foo"));
  assert.match(error.message, /stage "a" in "build_stages" is after "ghost", which does not exist/);
  assert.equal(error.location.file, tree.path("foo.yaml"));
  assert.equal(error.location.line, 3);
});

Deno.test("loadPackage() points a stage ordering error at the ancestor that wrote the stage", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [.]\n",
    "foo.yaml": "extends: [base]\nbuild_stages:\n- {name: b, handler: bash, bash: x}\n",
    "base.yaml": "# the base\nbuild_stages:\n- {name: a, handler: bash, bash: x}\n" +
      "- {name: c, handler: bash, bash: y, after: ghost}\n",
  });
  const error = catchHitError(() => loadTreePackage(tree, "foo"));
  assert.match(error.message, /stage "c" in "build_stages" is after "ghost", which does not exist/);
  assert.equal(error.location.file, tree.path("base.yaml"));
  assert.equal(error.location.line, 4);
  assert.equal(error.location.package, "foo");
  assert.equal(error.hint, `the stage comes from ${tree.path("base.yaml")}`);
});
