import assert from "node:assert/strict";
import * as node from "node:path";
import { dirname, join, normalize, resolve } from "../src/posix_path.ts";

const PATHS = [
  "",
  ".",
  "..",
  "/",
  "//",
  "///a",
  "a",
  "a/",
  "a//b",
  "/a/b/",
  "/a/b//",
  "a/./b/../c",
  "../a/../../b",
  "/../a",
  "./",
  "a/..",
  "a/../",
  "/a/b/c/../../..",
  "//a//b",
  "a/b/c.yaml",
  "/home/u/.hashdist/config.yaml",
];

Deno.test("normalize() and dirname() agree with node:path on every shape of path", () => {
  for (const path of PATHS) {
    assert.equal(normalize(path), node.posix.normalize(path), `normalize ${JSON.stringify(path)}`);
    assert.equal(dirname(path), node.posix.dirname(path), `dirname ${JSON.stringify(path)}`);
  }
});

Deno.test("join() and resolve() agree with node:path", () => {
  const pairs = PATHS.flatMap((a) => PATHS.map((b) => [a, b]));
  for (const [a, b] of pairs) {
    assert.equal(join(a, b), node.posix.join(a, b), `join ${JSON.stringify([a, b])}`);
    assert.equal(resolve(a, b), node.posix.resolve(a, b), `resolve ${JSON.stringify([a, b])}`);
  }
  assert.equal(join(), node.posix.join());
  assert.equal(resolve(), node.posix.resolve());
  assert.equal(join("a", "", "b", "c/"), node.posix.join("a", "", "b", "c/"));
});
