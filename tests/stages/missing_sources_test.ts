import assert from "node:assert/strict";
import { join } from "node:path";
import { artifactDir } from "../../src/core/build_store.ts";
import type { Config } from "../../src/core/config.ts";
import { openSourceCache } from "../../src/core/source_cache.ts";
import { resolveProfile } from "../../src/spec/resolve.ts";
import {
  checkOfflineSources,
  findMissingSources,
  listNeededSources,
  MissingSourcesError,
  prefetchCommand,
} from "../../src/stages/missing_sources.ts";
import { LIBYAML, LIBYAML_KEY, makeTempDir, SOURCES_DIR } from "../core/_source_fixtures.ts";
import { writeSmallStack } from "../e2e/_small_stack.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const PLACES = { tarballUrl: "http://127.0.0.1:1/y.tar.gz", gitUrl: "http://127.0.0.1:1/t.git" };

async function smallStack(dir: string) {
  return resolveProfile(await writeSmallStack(dir, { ...PLACES, commit: COMMIT }));
}

function testConfig(dir: string, mirrors: string[] = []): Config {
  return {
    file: join(dir, "config.yaml"),
    buildStore: join(dir, "bld"),
    sourceCache: join(dir, "src"),
    mirrors,
    buildTemp: join(dir, "tmp"),
    cache: join(dir, "cache"),
    gcRoots: join(dir, "gcroots"),
  };
}

Deno.test("listNeededSources() lists each package's bundle then its sources, once per key", async () => {
  await using dir = await makeTempDir();
  const resolved = await smallStack(dir.path);
  const needed = listNeededSources([resolved, resolved]);
  assert.deepEqual(
    needed.map((source) => [source.packages, source.key.split(":")[0], source.url]),
    [
      [["greeting"], "files", undefined],
      [["tinygit"], "files", undefined],
      [["tinygit"], "git", PLACES.gitUrl],
      [["yamldoc"], "files", undefined],
      [["yamldoc"], "tar.gz", PLACES.tarballUrl],
    ],
  );
  assert.equal(needed[0].key, resolved.packages.get("greeting")!.bundle.key);
  assert.deepEqual(
    listNeededSources([resolved], (name) => name === "yamldoc").map((s) => s.packages[0]),
    ["yamldoc", "yamldoc"],
  );
});

Deno.test("findMissingSources() counts the cache and folder mirrors, never bundles", async () => {
  await using dir = await makeTempDir();
  const needed = listNeededSources([await smallStack(dir.path)]);
  const mirror = join(dir.path, "mirror");
  await Deno.mkdir(join(mirror, "packs", "tar.gz"), { recursive: true });
  await Deno.copyFile(
    join(SOURCES_DIR, LIBYAML),
    join(mirror, "packs", "tar.gz", LIBYAML_KEY.split(":")[1]),
  );
  const bare = openSourceCache({ sourceCache: join(dir.path, "src"), mirrors: [] });
  assert.deepEqual((await findMissingSources(needed, bare)).map((s) => s.packages[0]), [
    "tinygit",
    "yamldoc",
  ]);
  const mirrored = openSourceCache({
    sourceCache: join(dir.path, "src"),
    mirrors: [`file://${mirror}`],
  });
  assert.deepEqual((await findMissingSources(needed, mirrored)).map((s) => s.packages[0]), [
    "tinygit",
  ]);
});

Deno.test("checkOfflineSources() lists every missing source of what would build, and how to get it", async () => {
  await using dir = await makeTempDir();
  const resolved = await smallStack(dir.path);
  const config = testConfig(dir.path);
  const error = await checkOfflineSources(resolved, config, {
    fetchCommand: prefetchCommand("my stack.yaml", { x: "1" }),
  }).then(() => assert.fail("no error"), (e) => e);
  assert.ok(error instanceof MissingSourcesError);
  assert.equal(
    error.message,
    "build offline: 2 sources are missing from the source cache and its mirrors",
  );
  assert.deepEqual(error.context, [
    `"tinygit": git:${COMMIT} from "${PLACES.gitUrl}"`,
    `"yamldoc": ${LIBYAML_KEY} from "${PLACES.tarballUrl}"`,
  ]);
  assert.match(error.hint!, /run "hit fetch 'my stack\.yaml' x=1"/);
  assert.deepEqual(error.missing.map((source) => source.packages[0]), ["tinygit", "yamldoc"]);

  // Packages already in the build store need no sources.
  for (const name of ["tinygit", "yamldoc"]) {
    const id = resolved.packages.get(name)!.artifactId;
    await Deno.mkdir(artifactDir(config.buildStore, id), { recursive: true });
    await Deno.writeTextFile(join(artifactDir(config.buildStore, id), "id"), id);
  }
  await checkOfflineSources(resolved, config, { fetchCommand: "hit fetch stack.yaml" });
  // Nor do packages a `--package` build leaves out.
  await checkOfflineSources(resolved, testConfig(join(dir.path, "other")), {
    only: ["greeting"],
    fetchCommand: "hit fetch stack.yaml",
  });
});
