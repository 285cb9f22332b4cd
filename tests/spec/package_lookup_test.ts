import assert from "node:assert/strict";
import {
  findSpecCandidates,
  listPackageNames,
  noSpecError,
} from "../../src/spec/package_lookup.ts";
import { createSpecFiles } from "../../src/spec/spec_files.ts";
import { writeSpecTree } from "./_spec_tree.ts";

Deno.test("findSpecCandidates() prefers U/U.yaml over U.yaml in one directory", async () => {
  await using tree = await writeSpecTree({ "pkgs/foo.yaml": "{}\n", "pkgs/foo/foo.yaml": "{}\n" });
  assert.deepEqual(findSpecCandidates("foo", [tree.path("pkgs")], createSpecFiles()), [
    { file: tree.path("pkgs/foo/foo.yaml"), inPackageDir: true },
  ]);
});

Deno.test("findSpecCandidates() marks a flat U.yaml as not in a package directory", async () => {
  await using tree = await writeSpecTree({ "pkgs/foo.yaml": "{}\n" });
  assert.deepEqual(findSpecCandidates("foo", [tree.path("pkgs")], createSpecFiles()), [
    { file: tree.path("pkgs/foo.yaml"), inPackageDir: false },
  ]);
});

Deno.test("findSpecCandidates() lets the first listed directory win a base name (test_file_resolver)", async () => {
  await using tree = await writeSpecTree({
    "level2/pkgs/foo/foo.yaml": "{my: document}\n",
    "level1/pkgs/foo.yaml": "1\n",
    "level1/pkgs/bar.yaml": "1\n",
  });
  const dirs = [tree.path("level2/pkgs"), tree.path("level1/pkgs")];
  const files = createSpecFiles();
  assert.deepEqual(findSpecCandidates("foo", dirs, files), [
    { file: tree.path("level2/pkgs/foo/foo.yaml"), inPackageDir: true },
  ]);
  assert.deepEqual(findSpecCandidates("bar", dirs, files), [
    { file: tree.path("level1/pkgs/bar.yaml"), inPackageDir: false },
  ]);
});

Deno.test("findSpecCandidates() keeps U-*.yaml by base name across directories (test_file_resolver_glob)", async () => {
  await using tree = await writeSpecTree({
    "level2/foo/foo-0.yaml": "{}\n",
    "level2/foo/foo-1.yaml": "{}\n",
    "level1/foo/foo-0.yaml": "{}\n",
    "level1/foo/foo-1.yaml": "{}\n",
    "level1/foo/foo-2.yaml": "{}\n",
    "level1/foo/foo.yaml": "{}\n",
    "level1/foo/foo-x.yml": "{}\n",
    "level1/foo/bar-3.yaml": "{}\n",
  });
  const found = findSpecCandidates(
    "foo",
    [tree.path("level2"), tree.path("level1")],
    createSpecFiles(),
  );
  assert.deepEqual(found.map((candidate) => candidate.file).sort(), [
    tree.path("level1/foo/foo-2.yaml"),
    tree.path("level1/foo/foo.yaml"),
    tree.path("level2/foo/foo-0.yaml"),
    tree.path("level2/foo/foo-1.yaml"),
  ]);
  assert.ok(found.every((candidate) => candidate.inPackageDir));
});

Deno.test("findSpecCandidates() finds nothing for an unknown name or a missing directory", async () => {
  await using tree = await writeSpecTree({ "pkgs/foo.yaml": "{}\n" });
  const dirs = [tree.path("pkgs"), tree.path("missing")];
  assert.deepEqual(findSpecCandidates("bar", dirs, createSpecFiles()), []);
});

Deno.test("listPackageNames() lists flat specs and package directories, sorted and once", async () => {
  await using tree = await writeSpecTree({
    "a/zlib.yaml": "{}\n",
    "a/numpy/numpy.yaml": "{}\n",
    "a/notes/readme.txt": "",
    "b/zlib/zlib.yaml": "{}\n",
    "b/cmake.yaml": "{}\n",
  });
  assert.deepEqual(listPackageNames([tree.path("a"), tree.path("b")], createSpecFiles()), [
    "cmake",
    "numpy",
    "zlib",
  ]);
});

Deno.test("noSpecError() names the package and suggests close names", async () => {
  await using tree = await writeSpecTree({
    "pkgs/numpy.yaml": "{}\n",
    "pkgs/scipy/scipy.yaml": "{}\n",
  });
  const error = noSpecError("nunpy", [tree.path("pkgs")], createSpecFiles());
  assert.equal(
    error.message,
    'find package "nunpy": no spec file nunpy.yaml in the package directories',
  );
  assert.deepEqual(error.location, { package: "nunpy" });
  assert.equal(error.hint, 'did you mean "numpy"?');
});

Deno.test("noSpecError() lists the searched directories when no name is close", async () => {
  await using tree = await writeSpecTree({ "pkgs/numpy.yaml": "{}\n" });
  const error = noSpecError("openfoam", [tree.path("pkgs"), tree.path("base")], createSpecFiles());
  assert.equal(error.hint, `searched: ${tree.path("pkgs")}, ${tree.path("base")}`);
});
