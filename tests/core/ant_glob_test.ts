import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { antGlob } from "../../src/core/ant_glob.ts";
import { HitError } from "../../src/errors.ts";

async function makeTree(root: string, files: string[]): Promise<void> {
  for (const file of files) {
    await Deno.mkdir(dirname(join(root, file)), { recursive: true });
    await Deno.writeTextFile(join(root, file), "");
  }
}

async function tempTree(files: string[]): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.realPath(await Deno.makeTempDir({ prefix: "hit-glob-" }));
  await makeTree(path, files);
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

const sorted = (list: string[]) => [...list].sort();

// The vectors of the original's test_ant_glob.test_basic, checked three ways as it does:
// relative, relative to an absolute cwd, and as an absolute pattern from elsewhere.
const BASIC_FILES = ["a0/b0/c0/d0.txt", "a0/b0/c0/d1.txt", "a0/b1/c1/d0.txt", "a0/b.txt"]
  .concat(["a0/b.txt2"]);
const BASIC_VECTORS: [string, string[]][] = [
  ["a0/b0/c0/d0.txt", ["a0/b0/c0/d0.txt"]],
  ["a0/**/d0.txt", ["a0/b1/c1/d0.txt", "a0/b0/c0/d0.txt"]],
  ["a0/**/*.txt", ["a0/b.txt", "a0/b1/c1/d0.txt", "a0/b0/c0/d0.txt", "a0/b0/c0/d1.txt"]],
  ["**/b0/**/*.txt", ["a0/b0/c0/d0.txt", "a0/b0/c0/d1.txt"]],
];

for (const [pattern, expected] of BASIC_VECTORS) {
  Deno.test(`antGlob() matches the test_ant_glob vector "${pattern}"`, async () => {
    await using tree = await tempTree(BASIC_FILES);
    await using elsewhere = await tempTree([]);
    const options = { dirs: false };
    assert.deepEqual(sorted(await antGlob(pattern, tree.path, options)), sorted(expected));
    const absolute = sorted(expected.map((path) => join(tree.path, path)));
    assert.deepEqual(
      sorted(await antGlob(`${tree.path}/${pattern}`, elsewhere.path, options)),
      absolute,
    );
  });
}

Deno.test("antGlob() lets ** match zero folders and walks top-down", async () => {
  await using tree = await tempTree(["x.txt", "a/x.txt", "a/b/x.txt"]);
  assert.deepEqual(await antGlob("**/x.txt", tree.path, { dirs: false }), [
    "x.txt",
    "a/x.txt",
    "a/b/x.txt",
  ]);
});

Deno.test("antGlob() rejects ** as the last component and ** mixed with text", async () => {
  await using tree = await tempTree(["a/b"]);
  await assert.rejects(antGlob("a/**", tree.path, { dirs: false }), (error) => {
    assert.ok(error instanceof HitError);
    assert.match(error.message, /"\*\*" cannot be the last component/);
    return true;
  });
  await assert.rejects(antGlob("a**/b", tree.path, { dirs: false }), /whole component/);
});

Deno.test("antGlob() matches hidden files with * and treats ? and [ literally", async () => {
  await using tree = await tempTree([".hidden", "plain", "a?", "ab", "[x]", "x"]);
  assert.deepEqual(await antGlob("*", tree.path, { dirs: false }), [
    ".hidden",
    "[x]",
    "a?",
    "ab",
    "plain",
    "x",
  ]);
  assert.deepEqual(await antGlob("a?", tree.path, { dirs: false }), ["a?"]);
  assert.deepEqual(await antGlob("[x]", tree.path, { dirs: false }), ["[x]"]);
  assert.deepEqual(await antGlob("*.*", tree.path, { dirs: false }), [".hidden"]);
});

Deno.test("antGlob() keeps real folders out of the last component unless dirs is set", async () => {
  await using tree = await tempTree(["top/file", "top/sub/inner"]);
  await Deno.symlink("sub", join(tree.path, "top/link-to-dir"));
  await Deno.symlink("nowhere", join(tree.path, "top/dangling"));
  await Deno.symlink("file", join(tree.path, "top/link-to-file"));
  assert.deepEqual(await antGlob("top/*", tree.path, { dirs: false }), [
    "top/dangling",
    "top/file",
    "top/link-to-dir",
    "top/link-to-file",
  ]);
  assert.deepEqual(await antGlob("top/*", tree.path, { dirs: true }), [
    "top/dangling",
    "top/file",
    "top/link-to-dir",
    "top/link-to-file",
    "top/sub",
  ]);
});

Deno.test("antGlob() follows symlinked folders in named components but not during **", async () => {
  await using tree = await tempTree(["lib/a.so", "lib/deep/b.so"]);
  await Deno.symlink("lib", join(tree.path, "lib64"));
  // Named component: the symlink is a folder to pass through.
  assert.deepEqual(await antGlob("lib64/*", tree.path, { dirs: false }), ["lib64/a.so"]);
  // The walk of ** does not enter lib64, but may start at it.
  assert.deepEqual(await antGlob("**/*.so", tree.path, { dirs: false }), [
    "lib/a.so",
    "lib/deep/b.so",
  ]);
  assert.deepEqual(await antGlob("lib64/**/*.so", tree.path, { dirs: false }), [
    "lib64/a.so",
    "lib64/deep/b.so",
  ]);
  // `*/**/*`: the top-level symlink is matched by `*`, then walked from there.
  assert.deepEqual(await antGlob("*/**/*", tree.path, { dirs: false }), [
    "lib/a.so",
    "lib/deep/b.so",
    "lib64/a.so",
    "lib64/deep/b.so",
  ]);
});

Deno.test("antGlob() finds nothing below a missing folder named in the pattern", async () => {
  await using tree = await tempTree([]);
  const missing = join(tree.path, "missing");
  assert.deepEqual(await antGlob(`${missing}/*`, "/", { dirs: false }), []);
  assert.deepEqual(await antGlob(`${missing}/**/*`, "/", { dirs: false }), []);
});

Deno.test("antGlob() fails on a missing cwd but lets ** find nothing there", async () => {
  await using tree = await tempTree([]);
  const missing = join(tree.path, "missing");
  await assert.rejects(antGlob("*", missing, { dirs: false }), /cannot list "\."/);
  assert.deepEqual(await antGlob("**/*", missing, { dirs: false }), []);
});

Deno.test("antGlob() returns absolute paths for an absolute pattern", async () => {
  await using tree = await tempTree(["bin/tool"]);
  assert.deepEqual(await antGlob(`${tree.path}/bin/*`, "/", { dirs: false }), [
    `${tree.path}/bin/tool`,
  ]);
});
