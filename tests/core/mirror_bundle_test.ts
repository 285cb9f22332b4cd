import assert from "node:assert/strict";
import { join } from "node:path";
import { recordSpecFiles } from "../../src/core/bundle_profiles.ts";
import { withBundleFolder } from "../../src/core/bundle_tar.ts";
import { verifyBundle } from "../../src/core/bundle_verify.ts";
import { exportBundle, type ExportRequest, importBundle } from "../../src/core/mirror_bundle.ts";
import { hashTree, MANIFEST_FILE } from "../../src/core/mirror_manifest.ts";
import { openSourceCache, type SourceCache } from "../../src/core/source_cache.ts";
import { HitError } from "../../src/errors.ts";
import { resolveProfile } from "../../src/spec/resolve.ts";
import { listNeededSources } from "../../src/stages/missing_sources.ts";
import { LIBYAML, LIBYAML_KEY, listDir, makeTempDir, SOURCES_DIR } from "./_source_fixtures.ts";
import { startSmallStackServer, writeSmallStack } from "../e2e/_small_stack.ts";

const LIBYAML_SHA256 = "fa240dbf262be053f3898006d502d514936c818e422afdcf33921c63bed9bf2e";
const LIBYAML_HASH = LIBYAML_KEY.split(":")[1];

/** The small stack with local sources, fetched into a cache; what `exportBundle` needs. */
async function fetchedStack(dir: string): Promise<{
  cache: SourceCache;
  request: Omit<ExportRequest, "out">;
  commit: string;
  ids: Record<string, string>;
}> {
  // Only the git repository is used, by path: nothing goes over HTTP here.
  await using server = await startSmallStackServer(dir);
  const recording = recordSpecFiles();
  const places = {
    tarballUrl: `file:${join(SOURCES_DIR, LIBYAML)}`,
    gitUrl: join(dir, "tiny.git"),
    commit: server.commit,
  };
  const resolved = resolveProfile(await writeSmallStack(join(dir, "site"), places), {
    files: recording.files,
  });
  const cache = openSourceCache({ sourceCache: join(dir, "cache"), mirrors: [] });
  const needed = listNeededSources([resolved]);
  for (const source of needed) {
    if (source.bundle) await cache.putHitPack(source.bundle);
    else await cache.fetchSource(source, { repoName: source.packages[0] });
  }
  return {
    cache,
    commit: server.commit,
    ids: Object.fromEntries([...resolved.packages].map(([name, pkg]) => [name, pkg.artifactId])),
    request: {
      sources: needed.map((s) => ({ key: s.key, url: s.url, package: s.packages[0] })),
      specFiles: recording.used(),
      profiles: [{
        file: resolved.profile.file,
        parameters: {},
        artifactId: resolved.profileArtifactId,
      }],
      created: new Date("2026-01-02T03:04:05Z"),
    },
  };
}

/** Flips one byte of `path` at `offset` (from the end when negative), mode bits aside. */
async function flipByte(path: string, offset: number): Promise<void> {
  await Deno.chmod(path, 0o644);
  const bytes = await Deno.readFile(path);
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes[at] ^= 0xff;
  await Deno.writeFile(path, bytes);
}

Deno.test("exportBundle() writes a source-cache layout, the spec files and a manifest", async () => {
  await using dir = await makeTempDir();
  const { cache, request, commit } = await fetchedStack(dir.path);
  const out = join(dir.path, "bundle");
  const manifest = await exportBundle(cache, { ...request, out });
  assert.deepEqual(await listDir(out), ["files", "git", MANIFEST_FILE, "packs", "profiles"]);
  assert.deepEqual(await listDir(join(out, "git")), ["tinygit"]);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(join(out, MANIFEST_FILE))), manifest);
  assert.equal(manifest.created, "2026-01-02T03:04:05.000Z");
  const archive = manifest.entries.find((entry) => entry.key === LIBYAML_KEY);
  assert.deepEqual(archive, {
    key: LIBYAML_KEY,
    package: "yamldoc",
    url: `file:${join(SOURCES_DIR, LIBYAML)}`,
    size: 85055,
    sha256: LIBYAML_SHA256,
    path: `packs/tar.gz/${LIBYAML_HASH}`,
  });
  const git = manifest.entries.find((entry) => entry.key === `git:${commit}`)!;
  assert.equal(git.path, "git/tinygit");
  assert.deepEqual({ size: git.size, sha256: git.sha256 }, await hashTree(join(out, git.path)));
  assert.deepEqual(
    manifest.entries.filter((entry) => entry.key.startsWith("files:")).map((e) => e.url),
    [null, null, null],
  );
  assert.deepEqual(manifest.files.map((file) => file.path), [
    "profiles/pkgs/greeting/greeting.txt",
    "profiles/pkgs/greeting/greeting.yaml",
    "profiles/pkgs/tinygit.yaml",
    "profiles/pkgs/yamldoc.yaml",
    "profiles/stack.yaml",
  ]);
  assert.deepEqual(manifest.profiles, [{
    path: "profiles/stack.yaml",
    parameters: {},
    artifact_id: request.profiles[0].artifactId,
  }]);
  const verified = await verifyBundle(out);
  assert.deepEqual([verified.checked, verified.problems], [10, []]);
  assert.ok((await listDir(dir.path)).every((name) => !name.startsWith(".hit-mirror-")));
});

Deno.test("a bundle folder serves as a read-only mirror in place", async () => {
  await using dir = await makeTempDir();
  const { cache, request, commit } = await fetchedStack(dir.path);
  const bundle = join(dir.path, "bundle");
  await exportBundle(cache, { ...request, out: bundle });
  const before = await hashTree(bundle);
  const far = openSourceCache({ sourceCache: join(dir.path, "far"), mirrors: [bundle] });
  for (const source of request.sources) {
    assert.deepEqual((await far.locate(source.key))?.place, { mirror: bundle }, source.key);
    await far.fetchSource(source, { repoName: source.package, offline: true });
    assert.ok(await far.has(source.key), source.key);
  }
  await far.unpackGit(`git:${commit}`, join(dir.path, "work"));
  assert.equal(
    await Deno.readTextFile(join(dir.path, "work", "tiny.sh")),
    "#!/bin/sh\necho tiny 1.0\n",
  );
  assert.deepEqual(await hashTree(bundle), before, "the bundle was not written to");
});

Deno.test("importBundle() copies every source into the cache, checked", async () => {
  await using dir = await makeTempDir();
  const { cache, request } = await fetchedStack(dir.path);
  const bundle = join(dir.path, "bundle");
  await exportBundle(cache, { ...request, out: bundle });
  const result = await importBundle(bundle, join(dir.path, "far"));
  assert.deepEqual([result.imported, result.alreadyCached], [5, 0]);
  const far = openSourceCache({ sourceCache: join(dir.path, "far"), mirrors: [] });
  for (const source of request.sources) assert.ok(await far.has(source.key), source.key);
  const again = await importBundle(bundle, join(dir.path, "far"));
  assert.deepEqual([again.imported, again.alreadyCached], [0, 5]);
});

Deno.test("a corrupted byte fails verifyBundle() and importBundle() by name, and imports nothing", async () => {
  await using dir = await makeTempDir();
  const { cache, request } = await fetchedStack(dir.path);
  const bundle = join(dir.path, "bundle");
  await exportBundle(cache, { ...request, out: bundle });
  await flipByte(join(bundle, "packs", "tar.gz", LIBYAML_HASH), 40_000);
  const { problems } = await verifyBundle(bundle);
  assert.deepEqual(problems, [{
    path: `packs/tar.gz/${LIBYAML_HASH}`,
    key: LIBYAML_KEY,
    package: "yamldoc",
    reason: "sha256 differs from the manifest",
  }]);
  const far = join(dir.path, "far");
  const error = await importBundle(bundle, far, { label: "b" }).catch((e) => e);
  assert.ok(error instanceof HitError);
  assert.equal(error.message, 'import bundle "b": 1 of its entries is damaged or missing');
  assert.deepEqual(error.context, [
    `packs/tar.gz/${LIBYAML_HASH} (${LIBYAML_KEY}, package "yamldoc"): sha256 differs from the manifest`,
  ]);
  for (const sub of ["packs", "files", "git"]) assert.deepEqual(await listDir(join(far, sub)), []);
});

Deno.test("verifyBundle() also finds damaged git repos and spec files, and a missing entry", async () => {
  await using dir = await makeTempDir();
  const { cache, request } = await fetchedStack(dir.path);
  const bundle = join(dir.path, "bundle");
  await exportBundle(cache, { ...request, out: bundle });
  await flipByte(join(bundle, "profiles", "stack.yaml"), -2);
  await Deno.writeTextFile(join(bundle, "git", "tinygit", "description"), "changed\n");
  const [files] = await listDir(join(bundle, "files"));
  await Deno.remove(join(bundle, "files", files));
  const { problems } = await verifyBundle(bundle);
  // Entries in manifest order (git repos last), then the other files.
  assert.deepEqual(problems.map((problem) => problem.path), [
    `files/${files}`,
    "git/tinygit",
    "profiles/stack.yaml",
  ]);
  assert.equal(problems[0].reason, "missing");
  assert.match(problems[1].reason, /^size \d+, the manifest says \d+$/);
  assert.equal(problems[2].reason, "sha256 differs from the manifest");
});

Deno.test("a tar bundle is read by extracting it first; a corrupted byte in it is named", async () => {
  await using dir = await makeTempDir();
  const { cache, request } = await fetchedStack(dir.path);
  const tar = join(dir.path, "bundle.tar");
  await exportBundle(cache, { ...request, out: tar });
  assert.ok((await Deno.stat(tar)).isFile);
  const temp = join(dir.path, "tmp");
  const good = await withBundleFolder(tar, (folder) => verifyBundle(folder), { tempParent: temp });
  assert.deepEqual(good.problems, []);
  assert.deepEqual(await listDir(temp), [], "the extracted folder is removed");

  const bytes = await Deno.readFile(tar);
  const pack = await Deno.readFile(join(SOURCES_DIR, LIBYAML));
  const at = findBytes(bytes, pack.subarray(0, 512));
  assert.ok(at > 0);
  await flipByte(tar, at + 30_000);
  const bad = await withBundleFolder(tar, (folder) => verifyBundle(folder), { tempParent: temp });
  assert.deepEqual(bad.problems.map((problem) => problem.key), [LIBYAML_KEY]);
  const far = join(dir.path, "far");
  await assert.rejects(
    withBundleFolder(tar, (folder) => importBundle(folder, far), { tempParent: temp }),
    (error) => error instanceof HitError && error.context[0].includes(LIBYAML_KEY),
  );
  assert.deepEqual(await listDir(join(far, "packs")), []);
});

Deno.test("exportBundle() refuses an existing output and a missing source, leaving nothing", async () => {
  await using dir = await makeTempDir();
  const { cache, request } = await fetchedStack(dir.path);
  await Deno.mkdir(join(dir.path, "taken"));
  await assert.rejects(
    exportBundle(cache, { ...request, out: join(dir.path, "taken") }),
    (error) => error instanceof HitError && /already exists/.test(error.message),
  );
  const missing = {
    ...request,
    sources: [...request.sources, {
      key: "tar.gz:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      url: "http://127.0.0.1:1/x",
      package: "x",
    }],
  };
  await assert.rejects(
    exportBundle(cache, { ...missing, out: join(dir.path, "out") }),
    (error) =>
      error instanceof HitError &&
      error.context.join() === '"x": tar.gz:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  );
  assert.deepEqual((await listDir(dir.path)).filter((name) => /out|hit-mirror/.test(name)), []);
});

Deno.test("exportBundle() refuses a profile whose copy needs files outside the bundle", async () => {
  await using dir = await makeTempDir();
  const { cache, request } = await fetchedStack(dir.path);
  // A parent profile named by an absolute path: the copy would still read the original.
  const site = join(dir.path, "site");
  await Deno.writeTextFile(join(dir.path, "base.yaml"), "parameters:\n  EXTRA: '1'\n");
  const top = join(site, "top.yaml");
  await Deno.writeTextFile(
    top,
    `extends:\n- file: ${join(dir.path, "base.yaml")}\npackage_dirs: [pkgs]\n` +
      "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackages:\n  greeting:\n",
  );
  const recording = recordSpecFiles();
  const resolved = resolveProfile(top, { files: recording.files });
  const error = await exportBundle(cache, {
    ...request,
    out: join(dir.path, "out"),
    specFiles: recording.used().filter((path) => path.startsWith(site)),
    profiles: [{ file: top, parameters: {}, artifactId: resolved.profileArtifactId }],
  }).catch((e) => e);
  assert.ok(error instanceof HitError);
  assert.equal(
    error.message,
    'export "profiles/top.yaml": the bundle\'s copy of the profile does not stand on its own',
  );
  assert.match(error.context.join("\n"), /base\.yaml", outside the bundle/);
});

function findBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
