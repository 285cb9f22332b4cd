import assert from "node:assert/strict";
import { resolveProfile } from "../../src/spec/resolve.ts";
import { PROFILE_KEYS, unknownKeyWarnings } from "../../src/spec/unknown_keys.ts";
import { writeSpecTree } from "./_spec_tree.ts";

Deno.test("unknownKeyWarnings() names each unknown key with the closest known one", () => {
  assert.deepEqual(
    unknownKeyWarnings(
      { pakages: {}, parameters: {}, description: "x", "when a": {}, zzz: 1 },
      PROFILE_KEYS,
      "/p.yaml",
    ),
    [
      'unknown top-level key "pakages" in /p.yaml is ignored; did you mean "packages"?',
      'unknown top-level key "zzz" in /p.yaml is ignored',
    ],
  );
});

Deno.test("resolveProfile() warns about unknown top-level keys and keeps artifact ids as they were", async () => {
  const base = "parameters: {BASH: /bin/bash, PATH: /bin}\npackage_dirs: [pkgs]\n";
  const spec = "build_stages:\n- {name: x, handler: bash, bash: 'true'}\n";
  await using plain = await writeSpecTree({
    "p.yaml": base + "packages: {a: }\n",
    "pkgs/a.yaml": spec,
  });
  await using typos = await writeSpecTree({
    "p.yaml": base + "packages: {a: }\npackage_dir: [other]\n",
    "pkgs/a.yaml": spec + "dependecies: {build: [b]}\n",
  });
  const before = resolveProfile(plain.path("p.yaml"));
  const after = resolveProfile(typos.path("p.yaml"));
  assert.deepEqual(before.profile.warnings, []);
  assert.deepEqual(after.profile.warnings, [
    `unknown top-level key "package_dir" in ${
      typos.path("p.yaml")
    } is ignored; did you mean "package_dirs"?`,
  ]);
  assert.deepEqual(after.packages.get("a")!.warnings, [
    `unknown top-level key "dependecies" in ${
      typos.path("pkgs/a.yaml")
    } is ignored; did you mean "dependencies"?`,
  ]);
  assert.equal(after.packages.get("a")!.artifactId, before.packages.get("a")!.artifactId);
  assert.equal(after.profileArtifactId, before.profileArtifactId);
});
