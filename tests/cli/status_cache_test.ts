import assert from "node:assert/strict";
import { join } from "node:path";
import { cachedStatusProfile } from "../../src/cli/status_cache.ts";
import { resolveProfile } from "../../src/spec/resolve.ts";
import { writeSpecTree } from "../spec/_spec_tree.ts";

const PROFILE = "package_dirs: [pkgs]\nparameters: {BASH: /bin/bash}\npackages:\n  zlib:\n  png:\n";
const spec = (command: string, deps = "") =>
  `${deps}build_stages:\n- name: make\n  handler: bash\n  bash: ${command}\n`;

// A tree whose files and folders were last changed a minute ago: settled, so cacheable.
async function settledTree() {
  const tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/zlib.yaml": spec("make zlib"),
    "pkgs/png/png.yaml": spec("make png", "dependencies: {build: [zlib]}\n"),
  });
  await settle(tree.root);
  return tree;
}

async function settle(root: string): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  for (const path of [root, ...await walk(root)]) await Deno.utime(path, past, past);
}

async function walk(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    found.push(path);
    if (entry.isDirectory) found.push(...await walk(path));
  }
  return found;
}

async function cacheFiles(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(join(dir, "status")))).map((e) => e.name);
  } catch {
    return [];
  }
}

Deno.test("cachedStatusProfile() gives resolveProfile's ids, and reuses them while no input changes", async () => {
  await using tree = await settledTree();
  const cacheDir = join(tree.root, "cache");
  const options = { overrides: {}, cwd: tree.root, cacheDir };
  const first = await cachedStatusProfile("profile.yaml", options);
  const resolved = resolveProfile(tree.path("profile.yaml"));
  assert.deepEqual(first.buildOrder, ["zlib", "png"]);
  assert.equal(first.artifactIds.png, resolved.packages.get("png")!.artifactId);
  const [name] = await cacheFiles(cacheDir);
  assert.match(name, /^[a-z2-7]{32}\.json$/);
  // Proof the second run reads the cache: a value only the cache file holds comes back.
  const file = join(cacheDir, "status", name);
  const cache = JSON.parse(await Deno.readTextFile(file));
  cache.profile.artifactIds.png = "png/from-the-cache";
  await Deno.writeTextFile(file, JSON.stringify(cache));
  assert.equal(
    (await cachedStatusProfile("profile.yaml", options)).artifactIds.png,
    "png/from-the-cache",
  );
  // Other overrides are another key: resolved, not taken from that file.
  const debug = await cachedStatusProfile("profile.yaml", { ...options, overrides: { d: "1" } });
  assert.equal(debug.artifactIds.png, resolved.packages.get("png")!.artifactId);
});

Deno.test("cachedStatusProfile() resolves again when a spec changes or a new candidate appears", async () => {
  await using tree = await settledTree();
  const options = { overrides: {}, cwd: tree.root, cacheDir: join(tree.root, "cache") };
  const before = await cachedStatusProfile("profile.yaml", options);
  await Deno.writeTextFile(tree.path("pkgs/zlib.yaml"), spec("make zlib2"));
  const edited = await cachedStatusProfile("profile.yaml", options);
  assert.notEqual(edited.artifactIds.zlib, before.artifactIds.zlib);
  assert.equal(
    edited.artifactIds.zlib,
    resolveProfile(tree.path("profile.yaml")).packages.get("zlib")!.artifactId,
  );
  // A new U/U.yaml beside U.yaml wins the lookup (HASHDIST.md §1.4): the cache must see it.
  await settle(tree.root);
  const settled = await cachedStatusProfile("profile.yaml", options);
  await Deno.mkdir(tree.path("pkgs/zlib"));
  await Deno.writeTextFile(tree.path("pkgs/zlib/zlib.yaml"), spec("make zlib3"));
  const moved = await cachedStatusProfile("profile.yaml", options);
  assert.notEqual(moved.artifactIds.zlib, settled.artifactIds.zlib);
  assert.equal(
    moved.artifactIds.zlib,
    resolveProfile(tree.path("profile.yaml")).packages.get("zlib")!.artifactId,
  );
});

Deno.test("cachedStatusProfile() caches nothing from inputs changed just now, or where it cannot write", async () => {
  await using tree = await writeSpecTree({
    "profile.yaml": PROFILE,
    "pkgs/zlib.yaml": spec("make zlib"),
    "pkgs/png.yaml": spec("make png"),
  });
  const cacheDir = join(tree.root, "cache");
  await cachedStatusProfile("profile.yaml", { overrides: {}, cwd: tree.root, cacheDir });
  assert.deepEqual(await cacheFiles(cacheDir), []);
  await settle(tree.root);
  // The "cache folder" is a file: nothing can be written, and status still answers.
  await Deno.writeTextFile(cacheDir, "");
  const result = await cachedStatusProfile("profile.yaml", {
    overrides: {},
    cwd: tree.root,
    cacheDir,
  });
  assert.deepEqual(result.buildOrder.sort(), ["png", "zlib"]);
});
