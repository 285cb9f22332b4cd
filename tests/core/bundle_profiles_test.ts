import assert from "node:assert/strict";
import { join } from "node:path";
import { commonFolder, recordSpecFiles } from "../../src/core/bundle_profiles.ts";
import { resolveProfile } from "../../src/spec/resolve.ts";
import { makeTempDir } from "./_source_fixtures.ts";
import { writeSmallStack } from "../e2e/_small_stack.ts";

Deno.test("commonFolder() is the longest folder holding every path", () => {
  assert.equal(commonFolder(["/a/b/c.yaml", "/a/b/d/e.yaml"]), "/a/b");
  assert.equal(commonFolder(["/a/b/c.yaml", "/a/x/e.yaml"]), "/a");
  assert.equal(commonFolder(["/tmp/s.yaml", "/work/c/d.yaml"]), "/");
  assert.equal(commonFolder(["/a/b/c.yaml"]), "/a/b");
});

Deno.test("recordSpecFiles() records every file a resolve read or found", async () => {
  await using dir = await makeTempDir();
  const profile = await writeSmallStack(dir.path, {
    tarballUrl: "http://127.0.0.1:1/y.tar.gz",
    gitUrl: "http://127.0.0.1:1/t.git",
    commit: "0".repeat(40),
  });
  const recording = recordSpecFiles();
  resolveProfile(profile, { files: recording.files });
  assert.deepEqual(recording.used(), [
    join(dir.path, "pkgs", "greeting", "greeting.txt"),
    join(dir.path, "pkgs", "greeting", "greeting.yaml"),
    join(dir.path, "pkgs", "tinygit.yaml"),
    join(dir.path, "pkgs", "yamldoc.yaml"),
    profile,
  ]);
});
