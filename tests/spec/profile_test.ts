import assert from "node:assert/strict";
import { loadProfile } from "../../src/spec/profile.ts";
import { createSpecFiles } from "../../src/spec/spec_files.ts";
import { catchHitError, type SpecTree, writeSpecTree, yaml } from "./_spec_tree.ts";

function load(tree: SpecTree, file = "profile.yaml", overrides?: Record<string, string>) {
  return loadProfile(tree.path(file), { files: createSpecFiles(), overrides });
}

Deno.test("loadProfile() merges parameters: own first, then each parent's (test_profile_parameters)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": yaml`
      extends:
      - file: base1.yaml
      - file: base2.yaml
      parameters:
        a: 1
        b: 2
        x: 0
    `,
    "base1.yaml": "parameters: {a: 0, c: 3, x: 4}\n",
    "base2.yaml": "parameters: {d: 4, x: 5}\n",
  });
  assert.deepEqual(load(tree).parameters, { a: 1, b: 2, c: 3, d: 4, x: 0 });
});

Deno.test("loadProfile() rejects a parameter two parents set, naming the extends line", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "# two parents\nextends:\n- file: base1.yaml\n- file: base2.yaml\n",
    "base1.yaml": "parameters: {a: 0}\n",
    "base2.yaml": "parameters: {a: 1}\n",
  });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /parameter "a" is set by two parents \(extends items 1 and 2\)/);
  assert.doesNotMatch(error.message, /%s/);
  assert.equal(error.location.file, tree.path("profile.yaml"));
  assert.equal(error.location.line, 2);
  assert.match(error.hint ?? "", /set "a" in this profile/);
});

Deno.test("loadProfile() rejects a parameter two parents set even to equal values", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "extends: [{file: base1.yaml}, {file: base2.yaml}]\n",
    "base1.yaml": "parameters: {a: same}\n",
    "base2.yaml": "parameters: {a: same}\n",
  });
  assert.match(catchHitError(() => load(tree)).message, /parameter "a" is set by two parents/);
});

Deno.test("loadProfile() lets the child settle a parameter its parents both set", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "extends: [{file: base1.yaml}, {file: base2.yaml}]\nparameters: {a: mine}\n",
    "base1.yaml": "parameters: {a: 0}\n",
    "base2.yaml": "parameters: {a: 1}\n",
  });
  assert.deepEqual(load(tree).parameters, { a: "mine" });
});

Deno.test("loadProfile() applies command-line overrides to the top level only, as strings", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml":
      "extends: [{file: base1.yaml}, {file: base2.yaml}]\nparameters: {debug: true}\n",
    "base1.yaml": "parameters: {a: 0, jobs: 4}\n",
    "base2.yaml": "parameters: {a: 1}\n",
  });
  const profile = load(tree, "profile.yaml", { a: "2", debug: "false", extra: "x" });
  assert.deepEqual(profile.parameters, { a: "2", debug: "false", extra: "x", jobs: 4 });
});

Deno.test("loadProfile() merges packages parent by parent and drops skipped ones (test_load_and_inherit_profile)", async () => {
  await using tree = await writeSpecTree({
    "user.yaml": yaml`
      extends:
        - file: base1.yaml
        - file: base2.yaml

      packages:
        gcc:
        numpy:
          host: false
        to-be-deleted:
          skip: true
    `,
    "base1.yaml": yaml`
      packages:
        to-be-deleted: # skipped in user.yaml
        mpi:
          use: openmpi
    `,
    "base2.yaml": yaml`
      packages:
        numpy:
          host: true # changed in user.yaml
        python:
          host: true # not changed
    `,
  });
  assert.deepEqual(load(tree, "user.yaml").packages, {
    python: { host: true },
    numpy: { host: false },
    gcc: {},
    mpi: { use: "openmpi" },
  });
});

Deno.test("loadProfile() lets a child bring back a package a parent skipped", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "extends: [{file: parent.yaml}]\npackages:\n  foo: {debug: true}\n",
    "parent.yaml": "extends: [{file: grand.yaml}]\npackages:\n  foo: {skip: true}\n",
    "grand.yaml": "packages:\n  foo: {host: true}\n  bar:\n",
  });
  assert.deepEqual(load(tree, "parent.yaml").packages, { bar: {} });
  // The grandparent's settings went with the skip; only the child's come back.
  assert.deepEqual(load(tree).packages, { bar: {}, foo: { debug: true } });
});

Deno.test("loadProfile() updates a package's settings key by key down the chain", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "extends: [{file: a.yaml}, {file: b.yaml}]\npackages:\n  mpi: {debug: true}\n",
    "a.yaml": "packages:\n  mpi: {use: openmpi, host: false}\n",
    "b.yaml": "packages:\n  mpi: {host: true}\n",
  });
  assert.deepEqual(load(tree).packages, { mpi: { use: "openmpi", host: true, debug: true } });
});

Deno.test("loadProfile() keeps a falsy skip", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "packages:\n  a: {skip: false}\n  b: {skip: 0}\n  c: {skip: yes-please}\n",
  });
  assert.deepEqual(Object.keys(load(tree).packages), ["a", "b"]);
});

Deno.test("loadProfile() orders package_dirs own first, then parents depth-first (dir treatment)", async () => {
  await using tree = await writeSpecTree({
    "user/profile.yaml": yaml`
      package_dirs:
      - pkgs_user
      hook_import_dirs:
      - utils
      extends:
        - file: ../repo/subdir/in_sub_dir.yaml
        - file: ../other.yaml
    `,
    "repo/subdir/in_sub_dir.yaml": yaml`
      package_dirs:
      - pkgs_subdir
      hook_import_dirs:
      - utils
      extends:
        - file: ../in_parent_dir.yaml
    `,
    "repo/in_parent_dir.yaml": yaml`
      package_dirs:
      - pkgs_parentdir
      hook_import_dirs:
      - utils
      - /some/absolute/path
    `,
    "other.yaml": "package_dirs: [other_pkgs, .]\n",
  });
  const profile = load(tree, "user/profile.yaml");
  assert.deepEqual(profile.packageDirs, [
    tree.path("user/pkgs_user"),
    tree.path("repo/subdir/pkgs_subdir"),
    tree.path("repo/pkgs_parentdir"),
    tree.path("other_pkgs"),
    tree.root,
  ]);
  assert.deepEqual(profile.hookImportDirs, [
    tree.path("user/utils"),
    tree.path("repo/subdir/utils"),
    tree.path("repo/utils"),
    "/some/absolute/path",
  ]);
});

Deno.test("loadProfile() resolves an absolute extends file as given (test_resource_resolution)", async () => {
  await using tree = await writeSpecTree({});
  await Deno.writeTextFile(tree.path("level1.yaml"), "package_dirs: [pkgs, base]\n");
  await Deno.mkdir(tree.path("level2/profiles"), { recursive: true });
  await Deno.writeTextFile(
    tree.path("level2/profiles/profile.yaml"),
    `extends:\n  - file: ${tree.path("level1.yaml")}\npackage_dirs: [../pkgs, ../base]\n`,
  );
  await Deno.writeTextFile(
    tree.path("profile.yaml"),
    `extends:\n  - file: ${tree.path("level2/profiles/profile.yaml")}\n`,
  );
  assert.deepEqual(load(tree).packageDirs, [
    tree.path("level2/pkgs"),
    tree.path("level2/base"),
    tree.path("pkgs"),
    tree.path("base"),
  ]);
});

Deno.test("loadProfile() accepts a plain string extends item as {file: ...} (Q1)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "extends: [linux.yaml]\n",
    "linux.yaml": "parameters: {platform: linux}\n",
  });
  assert.deepEqual(load(tree).parameters, { platform: "linux" });
});

Deno.test("loadProfile() resolves a remote include and its own paths inside the checkout", async () => {
  await using tree = await writeSpecTree({
    "user/profile.yaml": yaml`
      extends:
        - file: subdir/in_sub_dir.yaml
          urls: [https://example.org/stack.git]
          key: git:0123456789abcdef0123456789abcdef01234567
          name: repo1
    `,
    "checkout/subdir/in_sub_dir.yaml": "package_dirs: [pkgs]\nextends: [{file: ../top.yaml}]\n",
    "checkout/top.yaml": "package_dirs: [base]\nparameters: {from: checkout}\n",
  });
  const profile = loadProfile(tree.path("user/profile.yaml"), {
    files: createSpecFiles(),
    checkouts: { repo1: tree.path("checkout") },
  });
  assert.deepEqual(profile.packageDirs, [
    tree.path("checkout/subdir/pkgs"),
    tree.path("checkout/base"),
  ]);
  assert.deepEqual(profile.parameters, { from: "checkout" });
});

Deno.test("loadProfile() reports a remote include without a checkout at its extends item", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": yaml`
      parameters: {a: 1}
      extends:
        - file: linux.yaml
        - name: hashstack
          urls: ['https://github.com/hashdist/hashstack.git']
          key: 'git:e735367c4d46c3ee03eb0ab7c80845650c06f9cd'
          file: darwin.yaml
    `,
    "linux.yaml": "{}\n",
  });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /extends item 2 includes "darwin.yaml" from the remote repository/);
  assert.match(error.message, /hashstack\.git/);
  assert.deepEqual(
    { file: error.location.file, line: error.location.line },
    { file: tree.path("profile.yaml"), line: 4 },
  );
});

Deno.test("loadProfile() reports an extends item that is not a mapping at its line", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "extends:\n- file: a.yaml\n- 42\n",
    "a.yaml": "{}\n",
  });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /extends item 2 must be a mapping, found the number 42/);
  assert.equal(error.location.file, tree.path("profile.yaml"));
  assert.equal(error.location.line, 3);
});

Deno.test("loadProfile() reports an extends item without file at its line", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "packages: {}\nextends:\n- {fil: a.yaml}\n",
  });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /extends item 1 needs a "file"/);
  assert.equal(error.location.line, 3);
});

Deno.test("loadProfile() rejects a URL as extends file (Q2)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "extends:\n- file: http://example.org/linux.yaml\n",
  });
  const error = catchHitError(() => load(tree));
  assert.match(
    error.message,
    /"file" must be a path, not the URL "http:\/\/example.org\/linux.yaml"/,
  );
  assert.equal(error.location.line, 2);
});

Deno.test("loadProfile() rejects extends that is not a list", async () => {
  await using tree = await writeSpecTree({ "profile.yaml": "extends: linux.yaml\n" });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /"extends" must be a list, found the string "linux.yaml"/);
  assert.equal(error.location.line, 1);
});

Deno.test("loadProfile() rejects parameters that are not a mapping, at their line", async () => {
  await using tree = await writeSpecTree({ "profile.yaml": "packages: {}\nparameters: [a, b]\n" });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /"parameters" must be a mapping, found a list/);
  assert.equal(error.location.line, 2);
});

Deno.test("loadProfile() rejects package settings that are not a mapping, at their line", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "packages:\n  zlib:\n  mpi: openmpi\n",
  });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /settings of package "mpi" must be a mapping/);
  assert.equal(error.location.line, 3);
  assert.match(error.hint ?? "", /mpi: \{use: other\}/);
});

Deno.test("loadProfile() rejects package_dirs that is not a list of directories", async () => {
  await using tree = await writeSpecTree({ "profile.yaml": "package_dirs: pkgs\n" });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /"package_dirs" must be a list of directories/);
  assert.equal(error.location.line, 1);
});

Deno.test("loadProfile() rejects a profile that is not a mapping", async () => {
  await using tree = await writeSpecTree({ "profile.yaml": "- a\n- b\n" });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /expected a mapping, found a list/);
  assert.equal(error.location.file, tree.path("profile.yaml"));
});

Deno.test("loadProfile() reports a YAML error in a parent with the parent's file and line", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "extends: [{file: base.yaml}]\n",
    "base.yaml": "parameters:\n  a: [1, 2\n",
  });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /^parse YAML/);
  assert.equal(error.location.file, tree.path("base.yaml"));
  assert.equal(error.location.line, 3);
});

Deno.test("loadProfile() reports a missing top-level profile", async () => {
  await using tree = await writeSpecTree({});
  const error = catchHitError(() => load(tree, "nope.yaml"));
  assert.match(error.message, /load profile ".*nope.yaml": no such file/);
  assert.equal(error.location.file, tree.path("nope.yaml"));
});

Deno.test("loadProfile() reports a missing parent profile at the line that names it", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "parameters: {}\nextends: [{file: gone.yaml}]\n",
  });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /extends item 1: no profile file .*gone\.yaml/);
  assert.equal(error.location.file, tree.path("profile.yaml"));
  assert.equal(error.location.line, 2);
});

Deno.test("loadProfile() rejects a profile that extends itself", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "extends: [{file: a.yaml}]\n",
    "a.yaml": "extends: [{file: profile.yaml}]\n",
  });
  const error = catchHitError(() => load(tree));
  assert.match(error.message, /extends itself/);
  assert.equal(error.location.file, tree.path("profile.yaml"));
  assert.match(error.context.join("\n"), /profile\.yaml -> .*a\.yaml -> .*profile\.yaml/);
});

Deno.test("loadProfile() resolves a relative profile path against cwd", async () => {
  await using tree = await writeSpecTree({ "sub/p.yaml": "package_dirs: [pkgs]\n" });
  const profile = loadProfile("sub/p.yaml", { files: createSpecFiles(), cwd: tree.root });
  assert.equal(profile.file, tree.path("sub/p.yaml"));
  assert.deepEqual(profile.packageDirs, [tree.path("sub/pkgs")]);
});

Deno.test("loadProfile() does no templating or when processing of a profile (§1.2)", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": "parameters:\n  a: '{{b}}'\n  b: x\npackages:\n  when b:\n",
  });
  const profile = load(tree);
  assert.deepEqual(profile.parameters, { a: "{{b}}", b: "x" });
  assert.deepEqual(profile.packages, { "when b": {} });
});
