import assert from "node:assert/strict";
import { type LoadedSpec, loadSpec } from "../../src/spec/package_spec.ts";
import type { Section } from "../../src/spec/build_stages.ts";
import type { Params, ValueMap } from "../../src/spec/values.ts";
import { catchHitError, loadContext, type SpecTree, writeSpecTree, yaml } from "./_spec_tree.ts";

const PROFILE = "package_dirs: [pkgs]\n";

function load(tree: SpecTree, name: string, params: Params = {}): LoadedSpec {
  return loadSpec(name, params, loadContext(tree));
}

function section(spec: LoadedSpec, name: Section): Record<string, ValueMap> {
  return Object.fromEntries([...spec.sections[name]].sort(([a], [b]) => a < b ? -1 : 1));
}

const HIERARCHY = {
  "profile.yaml": PROFILE,
  "pkgs/mypackage.yaml": yaml`
    defaults:
      param2: from package defaults
    extends: [base2, base1]
    dependencies:
      build: [dep1]
      run: [dep1]
    build_stages:

    - name: stage1_override
      # mode defaults to override
      a: 1

    - name: stage3_override
      mode: override
      a: 1

    - name: stage_to_remove
      mode: remove

    - name: stage4_replace
      mode: replace
      a: 1

    - name: stage_2_inserted
      after: stage1_override
      before: stage3_override
      a: 1

    profile_links:
    - name: start
      link: '*/**/*'
    when_build_dependency:
    - name: start
      set: FOO
      value: foovalue
    description: kept as data
  `,
  "pkgs/base1.yaml": yaml`
    defaults:
      param3: not inherited
    extends: [grandparent]
    build_stages:
    - random: anonymous
      handler: foo
    post_process:
    - name: post1
      hit: relative-rpath
  `,
  "pkgs/base2.yaml": yaml`
    dependencies:
      run: [dep_base2_1]
    profile_links:
    - name: end
      after: start
      link: '*/**/*'
    - link: foo  # anonymous stage
    build_stages:
    - {name: stage3_override, after: stage1_override, a: 2, b: 3}
    - {name: stage4_replace, after: stage3_override, a: 2, b: 3}
  `,
  "pkgs/grandparent.yaml": yaml`
    dependencies:
      build: [dep_gp_1]
    build_stages:
    - {name: stage1_override, a: 2, b: 3}
    - {name: stage_to_remove, after: stage1_override, a: 2, b: 3}
  `,
};

Deno.test("loadSpec() merges a four-file hierarchy (test_load_and_inherit_package)", async () => {
  await using tree = await writeSpecTree(HIERARCHY);
  const spec = load(tree, "mypackage", { param1: "from profile" });
  assert.deepEqual(section(spec, "build_stages"), {
    __3gcv3kvebeam4h3qzok75lxxt5n3rzr7: {
      handler: "foo",
      name: "__3gcv3kvebeam4h3qzok75lxxt5n3rzr7",
      random: "anonymous",
    },
    stage1_override: { a: 1, b: 3, name: "stage1_override" },
    stage3_override: { a: 1, after: "stage1_override", b: 3, name: "stage3_override" },
    stage4_replace: { a: 1, name: "stage4_replace" },
    stage_2_inserted: {
      a: 1,
      after: "stage1_override",
      before: "stage3_override",
      name: "stage_2_inserted",
    },
  });
  assert.deepEqual(section(spec, "post_process"), {
    post1: { hit: "relative-rpath", name: "post1" },
  });
  assert.deepEqual(section(spec, "profile_links"), {
    __ypp7s5jlosieet6v4iyhvbg52ymlcwgk: {
      link: "foo",
      name: "__ypp7s5jlosieet6v4iyhvbg52ymlcwgk",
    },
    end: { after: "start", link: "*/**/*", name: "end" },
    start: { link: "*/**/*", name: "start" },
  });
  assert.deepEqual(section(spec, "when_build_dependency"), {
    start: { name: "start", set: "FOO", value: "foovalue" },
  });
  assert.deepEqual(spec.dependencies, {
    build: ["dep1", "dep_gp_1"],
    run: ["dep1", "dep_base2_1"],
  });
  assert.deepEqual(spec.params, { param1: "from profile", param2: "from package defaults" });
  assert.equal(spec.file, tree.path("pkgs/mypackage.yaml"));
  assert.equal(spec.inPackageDir, false);
  assert.equal(spec.doc.description, "kept as data");
  assert.deepEqual(
    Object.keys(spec.doc).filter((key) => ["defaults", "extends"].includes(key)),
    [],
  );
});

Deno.test("loadSpec() orders all_parents as last parent's chain first (§2.6 step 5)", async () => {
  await using tree = await writeSpecTree(HIERARCHY);
  const spec = load(tree, "mypackage");
  assert.deepEqual(spec.allParents.map((parent) => parent.usedName), [
    "base2",
    "grandparent",
    "base1",
  ]);
});

Deno.test("loadSpec() loads each parent with the child's loader parameters", async () => {
  await using tree = await writeSpecTree(HIERARCHY);
  const spec = load(tree, "mypackage", { param1: "from profile" });
  const base1 = spec.allParents.find((parent) => parent.usedName === "base1")!;
  assert.deepEqual(base1.params, {
    param1: "from profile",
    param2: "from package defaults",
    param3: "not inherited",
  });
  const grandparent = spec.allParents.find((parent) => parent.usedName === "grandparent")!;
  assert.deepEqual(grandparent.params, base1.params);
});

Deno.test("loadSpec() templates a parent with the child's defaults (defaults flow upward)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/par.yaml": "build_stages:\n- {name: b, handler: bash, bash: 'echo b {{greeting}}'}\n",
    "pkgs/chi.yaml": "extends: [par]\ndefaults: {greeting: hello}\n",
  });
  assert.equal(load(tree, "chi").sections.build_stages.get("b")!.bash, "echo b hello");
  assert.equal(
    load(tree, "chi", { greeting: "bye" }).sections.build_stages.get("b")!.bash,
    "echo b bye",
  );
  assert.equal(load(tree, "par").sections.build_stages.get("b")!.bash, "echo b ");
});

Deno.test("loadSpec() applies a parent's own defaults to its when blocks only", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/par.yaml": yaml`
      defaults: {with_docs: true}
      build_stages:
      - {name: docs, when: with_docs, handler: bash, bash: make docs}
    `,
    "pkgs/chi.yaml": "extends: [par]\nwhen with_docs:\n  description: never\n",
  });
  const spec = load(tree, "chi");
  assert.deepEqual([...spec.sections.build_stages.keys()], ["docs"]);
  assert.equal(spec.doc.description, undefined);
  assert.equal(spec.params.with_docs, undefined);
  assert.deepEqual([...load(tree, "chi", { with_docs: false }).sections.build_stages.keys()], []);
});

Deno.test("loadSpec() templates defaults before using them as loader parameters", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/foo.yaml": "defaults:\n  prefix: '{{root}}/opt'\n  jobs: 2\n",
  });
  assert.deepEqual(load(tree, "foo", { root: "/r", jobs: 8 }).params, {
    prefix: "/r/opt",
    jobs: 8,
    root: "/r",
  });
});

Deno.test("loadSpec() picks the candidate whose top-level when holds (python-from-host)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/python/python.yaml": "description: built\n",
    "pkgs/python/python-from-host.yaml": "when: host\ndescription: from host\n",
  });
  const host = load(tree, "python", { host: true });
  assert.equal(host.file, tree.path("pkgs/python/python-from-host.yaml"));
  assert.equal(host.doc.description, "from host");
  assert.equal(host.doc.when, undefined);
  assert.equal(host.inPackageDir, true);
  assert.equal(load(tree, "python", { host: false }).doc.description, "built");
  assert.equal(load(tree, "python").doc.description, "built");
});

Deno.test("loadSpec() evaluates a candidate's when without its own defaults", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/foo/foo.yaml": "description: plain\n",
    "pkgs/foo/foo-flag.yaml": "when: flag\ndefaults: {flag: true}\ndescription: flagged\n",
  });
  assert.equal(load(tree, "foo").doc.description, "plain");
  assert.equal(load(tree, "foo", { flag: 1 }).doc.description, "flagged");
});

Deno.test("loadSpec() rejects two candidates whose when both hold", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/scipy/scipy-a.yaml": "when: platform == 'linux'\n",
    "pkgs/scipy/scipy-b.yaml": "when: not host\n",
  });
  const error = catchHitError(() => load(tree, "scipy", { platform: "linux" }));
  assert.match(
    error.message,
    /choose spec of "scipy": the "when" of both .*scipy-a\.yaml and .*scipy-b\.yaml hold/,
  );
  assert.equal(error.location.package, "scipy");
  assert.equal(
    load(tree, "scipy", { platform: "linux", host: true }).file,
    tree.path("pkgs/scipy/scipy-a.yaml"),
  );
});

Deno.test("loadSpec() rejects two candidates without a when", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/scipy/scipy-a.yaml": "{}\n",
    "pkgs/scipy/scipy-b.yaml": "description: b\n",
  });
  const error = catchHitError(() => load(tree, "scipy"));
  assert.match(error.message, /both .*scipy-a\.yaml and .*scipy-b\.yaml lack a top-level "when"/);
  assert.equal(error.location.package, "scipy");
});

Deno.test("loadSpec() reports that no candidate's when holds, listing the candidates", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/scipy/scipy-crayxe6.yaml": "when: platform == 'cray'\n",
  });
  const error = catchHitError(() => load(tree, "scipy", { platform: "linux" }));
  assert.match(error.message, /choose spec of "scipy": no candidate's "when" holds/);
  assert.deepEqual(error.context, [`candidate: ${tree.path("pkgs/scipy/scipy-crayxe6.yaml")}`]);
});

Deno.test("loadSpec() reports a bad top-level when at its line", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/foo/foo-a.yaml": "# a\nwhen: platform ==\n",
    "pkgs/foo/foo-b.yaml": "when: [x]\n",
  });
  const error = catchHitError(() => load(tree, "foo"));
  assert.equal(error.location.file, tree.path("pkgs/foo/foo-a.yaml"));
  assert.equal(error.location.line, 2);
});

Deno.test("loadSpec() reports a missing spec with close names", async () => {
  await using tree = await writeSpecTree({ "profile.yaml": PROFILE, "pkgs/numpy.yaml": "{}\n" });
  const error = catchHitError(() => load(tree, "nunpy"));
  assert.match(error.message, /find package "nunpy": no spec file nunpy\.yaml/);
  assert.equal(error.hint, 'did you mean "numpy"?');
});

Deno.test("loadSpec() reports a missing parent spec", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/foo.yaml": "extends: [autotools_pakage]\n",
    "pkgs/autotools_package.yaml": "{}\n",
  });
  const error = catchHitError(() => load(tree, "foo"));
  assert.match(error.message, /find package "autotools_pakage"/);
  assert.equal(error.hint, 'did you mean "autotools_package"?');
  assert.deepEqual(error.context, [
    `while loading "autotools_pakage", extended by ${tree.path("pkgs/foo.yaml")}`,
  ]);
});

Deno.test("loadSpec() rejects diamond inheritance (test_prevent_diamond)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/a.yaml": "extends: [b, c]\n",
    "pkgs/b.yaml": "extends: [d]\n",
    "pkgs/c.yaml": "extends: [d]\n",
    "pkgs/d.yaml": "{}\n",
  });
  const error = catchHitError(() => load(tree, "a"));
  assert.match(error.message, /load spec "a": "d" is inherited twice \(diamond inheritance\)/);
  assert.equal(error.location.file, tree.path("pkgs/a.yaml"));
  assert.equal(error.location.line, 1);
});

Deno.test("loadSpec() rejects a stage defined by two parents (test_inheritance_collision)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/child.yaml": "description: x\nextends: [base1, base2]\nbuild_stages: []\n",
    "pkgs/base1.yaml": "build_stages: [{name: stage1}]\n",
    "pkgs/base2.yaml": "build_stages: [{name: stage1}]\n",
  });
  const error = catchHitError(() => load(tree, "child"));
  assert.match(error.message, /stage "stage1" of "build_stages" is defined by two parents/);
  assert.equal(error.location.file, tree.path("pkgs/child.yaml"));
  assert.equal(error.location.line, 3);
});

Deno.test("loadSpec() rejects a spec that extends itself", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/a.yaml": "extends: [b]\n",
    "pkgs/b.yaml": "extends: [a]\n",
  });
  const error = catchHitError(() => load(tree, "a"));
  assert.equal(error.message, 'load spec "b": "a" extends itself: a -> b -> a');
  assert.equal(error.location.file, tree.path("pkgs/b.yaml"));
  assert.equal(error.location.line, 1);
  assert.deepEqual(error.context, [`while loading "b", extended by ${tree.path("pkgs/a.yaml")}`]);
});

Deno.test("loadSpec() rejects a spec that names itself in extends", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/a.yaml": "description: x\nextends: [a]\n",
  });
  const error = catchHitError(() => load(tree, "a"));
  assert.equal(error.message, 'load spec "a": "a" extends itself: a -> a');
  assert.equal(error.location.file, tree.path("pkgs/a.yaml"));
  assert.equal(error.location.line, 2);
});

Deno.test("loadSpec() looks up parents through the profile's use mapping", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "package_dirs: [pkgs]\npackages:\n  base: {use: other_base}\n",
    "pkgs/foo.yaml": "extends: [base]\n",
    "pkgs/other_base.yaml": "dependencies: {build: [from_other]}\n",
  });
  const spec = load(tree, "foo");
  assert.deepEqual(spec.allParents.map((parent) => parent.usedName), ["other_base"]);
  assert.deepEqual(spec.dependencies.build, ["from_other"]);
});

Deno.test("loadSpec() unions dependencies with all ancestors, once each, by code point", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/foo.yaml": "extends: [par]\ndependencies:\n  build: [zlib, Zeta, zlib, {{build_with}}]\n",
    "pkgs/par.yaml": "extends: [grand]\ndependencies: {build: [bzip2, _private], run: [python]}\n",
    "pkgs/grand.yaml": "dependencies: {build: [zlib, 2to3]}\n",
  });
  assert.deepEqual(load(tree, "foo").dependencies, {
    build: ["2to3", "Zeta", "_private", "bzip2", "zlib"],
    run: ["python"],
  });
  assert.deepEqual(load(tree, "foo", { build_with: "parmetis, scotch" }).dependencies.build, [
    "2to3",
    "Zeta",
    "_private",
    "bzip2",
    "parmetis",
    "scotch",
    "zlib",
  ]);
});

Deno.test("loadSpec() rejects dependencies that are not lists, at their line", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/foo.yaml": "dependencies:\n  build: [a]\n  run: python\n",
    "pkgs/bar.yaml": "description: x\ndependencies: [a]\n",
  });
  const error = catchHitError(() => load(tree, "foo"));
  assert.match(
    error.message,
    /"dependencies\.run" must be a list of names, found the string "python"/,
  );
  assert.equal(error.location.file, tree.path("pkgs/foo.yaml"));
  assert.equal(error.location.line, 3);
  const mapping = catchHitError(() => load(tree, "bar"));
  assert.match(mapping.message, /"dependencies" must be a mapping/);
  assert.equal(mapping.location.line, 2);
});

Deno.test("loadSpec() rejects identical unnamed stages at the line of the second", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/foo.yaml": yaml`
      build_stages:
      - {before: foo, one: 1}
      - {name: foo, handler: bash, bash: x}
      - {after: foo, one: 1}
    `,
  });
  const error = catchHitError(() => load(tree, "foo"));
  assert.match(error.message, /stages 1 and 3 of "build_stages" are unnamed and identical/);
  assert.equal(error.location.file, tree.path("pkgs/foo.yaml"));
  assert.equal(error.location.line, 4);
});

Deno.test("loadSpec() reports a when-block collision at its line (D-3)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/foo.yaml": "dependencies:\n  build: [a]\n  when host:\n    build: [b]\n",
  });
  const error = catchHitError(() => load(tree, "foo", { host: true }));
  assert.match(error.message, /key "build" is set twice/);
  assert.equal(error.location.line, 4);
  assert.deepEqual(load(tree, "foo").dependencies.build, ["a"]);
});

Deno.test("loadSpec() reports a YAML error of a parent with the parent's file", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/foo.yaml": "extends: [par]\n",
    "pkgs/par.yaml": "build_stages:\n- {name: a\n",
  });
  const error = catchHitError(() => load(tree, "foo"));
  assert.match(error.message, /^parse YAML/);
  assert.equal(error.location.file, tree.path("pkgs/par.yaml"));
  assert.equal(error.location.line, 3);
});

Deno.test("loadSpec() reports a YAML error that templating produced", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/foo.yaml": "build_stages:\n- name: a\n  bash: {{script}}\n",
  });
  assert.deepEqual(load(tree, "foo", { script: "make" }).sections.build_stages.get("a"), {
    name: "a",
    bash: "make",
  });
  const error = catchHitError(() => load(tree, "foo", { script: "a: b: c" }));
  assert.equal(error.location.file, tree.path("pkgs/foo.yaml"));
  assert.equal(error.location.line, 3);
});

Deno.test("loadSpec() rejects a spec that is not a mapping, and bad defaults", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/list.yaml": "- a\n",
    "pkgs/defs.yaml": "description: x\ndefaults: [a]\n",
    "pkgs/ext.yaml": "extends: base\n",
  });
  assert.match(catchHitError(() => load(tree, "list")).message, /expected a mapping, found a list/);
  const defaults = catchHitError(() => load(tree, "defs"));
  assert.match(defaults.message, /"defaults" must be a mapping, found a list/);
  assert.equal(defaults.location.line, 2);
  const ext = catchHitError(() => load(tree, "ext"));
  assert.match(ext.message, /"extends" must be a list of names, found the string "base"/);
  assert.equal(ext.location.line, 1);
});
