/**
 * Synthetic build stores for gc, purge and profile-link tests: artifact folders with `id`,
 * `artifact.json`, `build.json` and chosen files, profile links and gc roots, all in a temp
 * folder removed on dispose. Test helper; touches only the folders it creates.
 */
import { dirname, join } from "node:path";
import { artifactDir, removeTree } from "../../src/core/build_store.ts";
import { linkProfile } from "../../src/core/gc_roots.ts";

/** A temp folder holding `store/` and `gcroots/`. */
export interface StoreFixture extends AsyncDisposable {
  root: string;
  store: string;
  gcRoots: string;
}

/** Creates an empty store and gc-roots folder in a fresh temp folder. */
export async function makeStoreFixture(): Promise<StoreFixture> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "hit-store-" }));
  const store = join(root, "store");
  const gcRoots = join(root, "gcroots");
  await Deno.mkdir(store);
  await Deno.mkdir(gcRoots);
  return {
    root,
    store,
    gcRoots,
    async [Symbol.asyncDispose]() {
      await removeTree(root);
    },
  };
}

/** What to put into a synthetic artifact. */
export interface ArtifactContent {
  /** `artifact.json` `dependencies` (default none); `build.json` imports them all. */
  dependencies?: string[];
  /** Files by path relative to the artifact. */
  files?: Record<string, string>;
  /** Symlinks by path relative to the artifact, with their targets. */
  symlinks?: Record<string, string>;
  /** Make the tree read-only, as `build-postprocess --write-protect` does. */
  writeProtect?: boolean;
}

/** Writes a committed artifact `id` into `store`; returns its folder. */
export async function writeArtifact(
  store: string,
  id: string,
  content: ArtifactContent = {},
): Promise<string> {
  const dir = artifactDir(store, id);
  await Deno.mkdir(dir, { recursive: true });
  const dependencies = content.dependencies ?? [];
  await Deno.writeTextFile(
    join(dir, "artifact.json"),
    JSON.stringify({ name: id.split("/")[0], id, dependencies }),
  );
  await Deno.writeTextFile(
    join(dir, "build.json"),
    JSON.stringify({ build: { import: dependencies.map((dep) => ({ id: dep })) } }) + "\n",
  );
  for (const [path, text] of Object.entries(content.files ?? {})) {
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
  for (const [path, target] of Object.entries(content.symlinks ?? {})) {
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.symlink(target, join(dir, path));
  }
  await Deno.writeTextFile(join(dir, "id"), id + "\n");
  if (content.writeProtect) {
    const chmod = await new Deno.Command("chmod", { args: ["-R", "a-w", dir] }).output();
    if (!chmod.success) throw new Error(`chmod -R a-w ${dir} failed`);
  }
  return dir;
}

/** Makes the profile link `<root>/<name>` → artifact `id` and its gc root; returns the link. */
export async function linkFixtureProfile(
  fixture: StoreFixture,
  id: string,
  name: string,
): Promise<string> {
  return await linkProfile(
    artifactDir(fixture.store, id),
    join(fixture.root, name),
    fixture.gcRoots,
  );
}

/** The `name/short` folders of a store, sorted. */
export async function storeFolders(store: string): Promise<string[]> {
  const found: string[] = [];
  for await (const name of Deno.readDir(store)) {
    if (name.name.startsWith(".") || !name.isDirectory) continue;
    for await (const short of Deno.readDir(join(store, name.name))) {
      found.push(`${name.name}/${short.name}`);
    }
  }
  return found.sort();
}
