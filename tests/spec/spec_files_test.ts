import assert from "node:assert/strict";
import { createSpecFiles } from "../../src/spec/spec_files.ts";
import { catchHitError, writeSpecTree } from "./_spec_tree.ts";

Deno.test("createSpecFiles() reads text and bytes of real files", async () => {
  await using tree = await writeSpecTree({ "a.yaml": "name: ä\n" });
  const files = createSpecFiles();
  assert.equal(files.readText(tree.path("a.yaml")), "name: ä\n");
  assert.deepEqual(files.readBytes(tree.path("a.yaml")), new TextEncoder().encode("name: ä\n"));
});

Deno.test("createSpecFiles() keeps the first text it read for one run", async () => {
  await using tree = await writeSpecTree({ "a.yaml": "first\n" });
  const files = createSpecFiles();
  assert.equal(files.readText(tree.path("a.yaml")), "first\n");
  await Deno.writeTextFile(tree.path("a.yaml"), "second\n");
  assert.equal(files.readText(tree.path("a.yaml")), "first\n");
  assert.equal(createSpecFiles().readText(tree.path("a.yaml")), "second\n");
});

Deno.test("createSpecFiles() tells files from directories, following symlinks", async () => {
  await using tree = await writeSpecTree({ "pkgs/zlib.yaml": "{}\n" });
  await Deno.symlink(tree.path("pkgs"), tree.path("linked"));
  const files = createSpecFiles();
  assert.equal(files.isFile(tree.path("pkgs/zlib.yaml")), true);
  assert.equal(files.isDir(tree.path("pkgs/zlib.yaml")), false);
  assert.equal(files.isDir(tree.path("linked")), true);
  assert.equal(files.isFile(tree.path("linked/zlib.yaml")), true);
  assert.equal(files.isFile(tree.path("missing")), false);
  assert.equal(files.isDir(tree.path("missing")), false);
});

Deno.test("createSpecFiles() lists a directory sorted, and a missing one as empty", async () => {
  await using tree = await writeSpecTree({ "d/b.yaml": "", "d/a.yaml": "", "d/C/x": "" });
  const files = createSpecFiles();
  assert.deepEqual(files.listDir(tree.path("d")), ["C", "a.yaml", "b.yaml"]);
  assert.deepEqual(files.listDir(tree.path("nope")), []);
});

Deno.test("createSpecFiles() reports a file it cannot read", async () => {
  await using tree = await writeSpecTree({});
  const error = catchHitError(() => createSpecFiles().readText(tree.path("gone.yaml")));
  assert.equal(error.message, `read "${tree.path("gone.yaml")}": no such file`);
  assert.deepEqual(error.location, { file: tree.path("gone.yaml") });
});

Deno.test("createSpecFiles() answers paths in present, missing and non-folder parents alike", async () => {
  await using tree = await writeSpecTree({ "pkgs/zlib.yaml": "{}\n", "pkgs/png/png.yaml": "{}\n" });
  const files = createSpecFiles();
  // Asked before and after the folder's listing was taken: the same answers.
  assert.equal(files.isFile(tree.path("pkgs/png.yaml")), false);
  assert.equal(files.isFile(tree.path("pkgs/zlib.yaml")), true);
  assert.equal(files.isDir(tree.path("pkgs/png")), true);
  assert.equal(files.isFile(tree.path("pkgs/png/png.yaml")), true);
  assert.equal(files.isFile(tree.path("nope/zlib.yaml")), false);
  // A "folder" that is a file cannot be listed: the stat decides, and finds nothing.
  assert.equal(files.isFile(tree.path("pkgs/zlib.yaml/x.yaml")), false);
  assert.equal(files.isDir(tree.path("pkgs/.")), true);
});
