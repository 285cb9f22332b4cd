import assert from "node:assert/strict";
import { parseMirrorArgs, renderExported, renderVerified } from "../../src/cli/mirror.ts";
import type { MirrorManifest } from "../../src/core/mirror_manifest.ts";
import { HitError } from "../../src/errors.ts";

Deno.test("parseMirrorArgs() reads export with profiles, overrides, -o and mirrors", () => {
  assert.deepEqual(
    parseMirrorArgs(["export", "a.yaml", "b.yaml", "x=1", "-o", "out.tar", "--mirror", "/m"]),
    {
      action: "export",
      profiles: ["a.yaml", "b.yaml"],
      overrides: { x: "1" },
      output: "out.tar",
      mirrors: ["/m"],
    },
  );
  assert.deepEqual(parseMirrorArgs(["verify", "b"]), { action: "verify", bundle: "b" });
  assert.deepEqual(parseMirrorArgs(["import", "b.tar"]), { action: "import", bundle: "b.tar" });
});

Deno.test("parseMirrorArgs() rejects a missing action, profile, output or bundle", () => {
  for (
    const args of [
      [],
      ["copy", "x"],
      ["export", "-o", "out"],
      ["export", "a.yaml"],
      ["verify"],
      ["import", "a", "b"],
      ["verify", "b", "-o", "x"],
    ]
  ) {
    assert.throws(
      () => parseMirrorArgs(args),
      (error) => error instanceof HitError && error.exitCode === 2,
      args.join(" "),
    );
  }
});

const MANIFEST: MirrorManifest = {
  version: 1,
  created: "2026-01-01T00:00:00.000Z",
  hit: "0.1.0",
  profiles: [{
    path: "profiles/site/stack.yaml",
    parameters: { x: "1" },
    artifact_id: "profile/a",
  }],
  entries: [
    { key: "tar.gz:a", package: "p", url: "u", size: 1024, sha256: "0", path: "packs/tar.gz/a" },
    { key: "git:b", package: "q", url: "v", size: 2048, sha256: "1", path: "git/q" },
  ],
  files: [{ path: "profiles/site/stack.yaml", size: 1, sha256: "2" }],
};

Deno.test("renderExported() gives the counts and the commands for the far side", () => {
  assert.equal(
    renderExported(MANIFEST, "b.tar"),
    "exported 2 sources (3.0 KiB) and 1 files to b.tar\n" +
      "on the machine without network:\n" +
      "  hit mirror import b.tar\n" +
      "  tar -xf b.tar profiles\n" +
      "  hit build --offline profiles/site/stack.yaml x=1\n",
  );
  assert.equal(
    renderExported(MANIFEST, "bundle/"),
    "exported 2 sources (3.0 KiB) and 1 files to bundle/\n" +
      "on the machine without network:\n" +
      "  hit mirror import bundle\n" +
      "  hit build --offline bundle/profiles/site/stack.yaml x=1\n",
  );
});

Deno.test("renderVerified() counts what was checked", () => {
  assert.equal(
    renderVerified("b.tar", MANIFEST),
    "b.tar: 2 sources and 1 files checked, all good\n",
  );
});
