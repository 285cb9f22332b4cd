import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config.ts";
import { recordProfileFile } from "../../src/core/profile_file_record.ts";
import { linkProfile } from "../../src/core/gc_roots.ts";
import { findProfileFile } from "../../src/cli/profile_arg.ts";
import { makeTempDir } from "../e2e/_run_cli.ts";

Deno.test("findProfileFile() takes a file as it is, NAME as NAME.yaml, and a link as its recorded file", async () => {
  await using dir = await makeTempDir();
  const config = await loadConfig(join(dir.path, "home", "config.yaml"));
  const options = { cwd: dir.path, config: () => Promise.resolve(config) };
  await Deno.writeTextFile(join(dir.path, "stack.yaml"), "packages: {}\n");
  assert.deepEqual(await findProfileFile("stack.yaml", options), { file: "stack.yaml" });
  const named = await findProfileFile("stack", options);
  assert.equal(named.file, join(dir.path, "stack.yaml"));
  assert.match(named.note!, /profile "stack" is the file ".*stack\.yaml"/);
  // A missing file stays itself: loading it says "no such file".
  assert.deepEqual(await findProfileFile("nope", options), { file: "nope" });

  // A link built from a file elsewhere: found by its path and by its gc-root name.
  const specs = join(dir.path, "specs");
  await Deno.mkdir(specs);
  await Deno.writeTextFile(join(specs, "other.yaml"), "packages: {}\n");
  const artifact = join(dir.path, "artifact");
  await Deno.mkdir(artifact);
  await Deno.writeTextFile(
    join(artifact, "artifact.json"),
    JSON.stringify({ name: "profile", id: "profile/x", dependencies: [] }),
  );
  const link = await linkProfile(artifact, join(dir.path, "mine"), config.gcRoots);
  const unrecorded = findProfileFile("mine", options);
  await assert.rejects(unrecorded, /"mine": it is a built profile, but no YAML file is beside it/);
  await recordProfileFile(config.cache, link, join(specs, "other.yaml"));
  assert.equal((await findProfileFile("./mine", options)).file, join(specs, "other.yaml"));
  const elsewhere = { ...options, cwd: specs };
  assert.equal((await findProfileFile("mine", elsewhere)).file, join(specs, "other.yaml"));
});
