import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareArtifacts } from "../../src/core/artifact_compare.ts";
import { BUILD_INFO, BUILD_LOG } from "../../src/core/build_info.ts";
import { makeTempDir, runCli } from "./_run_cli.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

/** `name/hash` of every artifact folder in `store`. */
async function artifactFolders(store: string): Promise<string[]> {
  const found: string[] = [];
  for await (const name of Deno.readDir(store)) {
    if (name.name.startsWith(".") || !name.isDirectory) continue;
    for await (const hash of Deno.readDir(join(store, name.name))) {
      found.push(`${name.name}/${hash.name}`);
    }
  }
  return found.sort();
}

// Two stores at the same path one after the other (as two machines with the same
// configuration): the artifacts may embed the store's path, never the time or the host.
Deno.test("two builds of the example stack in two stores give identical artifacts, hit's files included", async () => {
  await using dir = await makeTempDir();
  const home = join(dir.path, ".home", ".hit");
  const first = await runCli(["build", EXAMPLE], { cwd: dir.path });
  assert.equal(first.code, 0, first.stderr);
  const firstStore = join(dir.path, "first-store");
  await Deno.rename(join(home, "bld"), firstStore);

  const second = await runCli(["build", EXAMPLE], { cwd: dir.path });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^Profile build successful/);
  const store = join(home, "bld");
  const folders = await artifactFolders(store);
  assert.deepEqual(await artifactFolders(firstStore), folders);
  assert.equal(folders.length, 4, folders.join(", "));
  for (const folder of folders) {
    const differences = await compareArtifacts(join(firstStore, folder), join(store, folder), {
      exclude: [BUILD_LOG, BUILD_INFO],
    });
    assert.deepEqual(differences, [], folder);
    for (const own of ["artifact.json", "build.json", "id"]) {
      assert.ok((await Deno.lstat(join(store, folder, own))).isFile, `${folder}/${own}`);
    }
    const info = JSON.parse(await Deno.readTextFile(join(store, folder, BUILD_INFO)));
    assert.deepEqual(Object.keys(info).sort(), ["finished", "hit_version", "host", "started"]);
  }

  const checked = await runCli(["build", "--check", EXAMPLE], { cwd: dir.path });
  assert.equal(checked.code, 0, checked.stderr);
  assert.equal(
    checked.stdout,
    "greet-tools: reproducible\nlibgreet: reproducible\ngreet: reproducible\n" +
      "3 checked, all reproducible\n",
  );
});
