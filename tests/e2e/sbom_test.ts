import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";
import { assertValid, schemaValidator } from "../core/_sbom_fixture.ts";
import { SOURCES_DIR } from "../core/_source_fixtures.ts";
import { type SourceEntry, startSourceServer } from "./_source_server.ts";
import { LIBYAML_SPEC, mirrorConfig, stackProfile, TARBALLS } from "./_real_stack.ts";

// The example stack of the issue: zlib, png, bzip2 and patchelf from the corpus specs.
const STACK = ["bzip2", "patchelf", "png", "zlib"];

Deno.test("hit sbom describes the example stack in SPDX 2.3 and CycloneDX 1.5, valid against both schemas", async () => {
  const ajv = await schemaValidator();
  await using dir = await makeTempDir("hit-e2e-sbom-");
  await using server = await startSourceServer([]);
  const cwd = await Deno.realPath(dir.path);
  const home = join(cwd, ".home", ".hit");
  await Deno.mkdir(home, { recursive: true });
  await Deno.writeTextFile(join(home, "config.yaml"), mirrorConfig(server.mirror));
  await Deno.mkdir(join(cwd, "specs"));
  await Deno.writeTextFile(join(cwd, "specs", "libyaml.yaml"), LIBYAML_SPEC);
  const sources: Record<string, SourceEntry> = {};
  const sha256: Record<string, string> = {};
  for (const name of STACK) {
    const bytes = await Deno.readFile(join(SOURCES_DIR, TARBALLS[name]));
    sources[name] = server.publish(TARBALLS[name], bytes);
    sha256[name] = createHash("sha256").update(bytes).digest("hex");
  }
  await Deno.writeTextFile(
    join(cwd, "stack.yaml"),
    stackProfile(sources, { packages: "" }),
  );

  // Before the sources are cached, the SBOM says which have no sha256.
  const early = await runCli(["sbom", "stack.yaml"], { cwd });
  assert.equal(early.code, 0, early.stderr);
  assert.match(early.stderr, /^warning: zlib: source "tar\.bz2:\S+" is not in the source cache/m);
  const fetched = await runCli(["fetch", "stack.yaml"], { cwd });
  assert.equal(fetched.code, 0, fetched.stderr);

  const spdxRun = await runCli(["sbom", "stack.yaml"], {
    cwd,
    env: { SOURCE_DATE_EPOCH: "1700000000" },
  });
  assert.deepEqual({ code: spdxRun.code, stderr: spdxRun.stderr }, { code: 0, stderr: "" });
  const spdx = JSON.parse(spdxRun.stdout);
  assertValid(ajv, "spdx-2.3", spdx);
  assert.equal(spdx.creationInfo.created, "2023-11-14T22:13:20Z");
  assert.deepEqual(spdx.creationInfo.creators, ["Tool: hit-0.1.0"]);
  const status = await runCli(["status", "stack.yaml", "--json"], { cwd });
  const ids = Object.fromEntries(
    (JSON.parse(status.stdout) as { name: string; artifact_id: string }[])
      .map((row) => [row.name, row.artifact_id]),
  );
  const byId = new Map<string, Record<string, unknown>>(
    spdx.packages.map((pkg: Record<string, unknown>) => [pkg.SPDXID, pkg]),
  );
  const packageOf = (name: string) =>
    spdx.packages.find((pkg: { name: string }) => pkg.name === name);
  for (const name of STACK) {
    const pkg = packageOf(name);
    assert.equal(pkg.licenseDeclared, "NOASSERTION");
    assert.deepEqual(pkg.externalRefs, [{
      referenceCategory: "OTHER",
      referenceType: "hit-artifact-id",
      referenceLocator: ids[name],
    }]);
    const generated = spdx.relationships.filter((r: Record<string, string>) =>
      r.spdxElementId === pkg.SPDXID && r.relationshipType === "GENERATED_FROM"
    ).map((r: Record<string, string>) => byId.get(r.relatedSpdxElement));
    const archive = generated.find((source: Record<string, unknown> | undefined) =>
      source?.downloadLocation === sources[name].url
    );
    assert.ok(archive, `${name}: no source package with its URL`);
    assert.deepEqual(archive.checksums, [{ algorithm: "SHA256", checksumValue: sha256[name] }]);
    assert.equal(archive.sourceInfo, `hit source key ${sources[name].key}`);
  }
  assert.deepEqual(
    STACK.map((name) => packageOf(name).versionInfo),
    ["1.0.8", "0.14.3", "1.6.39", "1.2.13.dfsg"],
  );
  assert.ok(
    spdx.relationships.some((r: Record<string, string>) =>
      r.spdxElementId === packageOf("zlib").SPDXID &&
      r.relationshipType === "BUILD_DEPENDENCY_OF" &&
      r.relatedSpdxElement === packageOf("png").SPDXID
    ),
    "zlib is not a build dependency of png",
  );

  const cdxRun = await runCli(["sbom", "stack.yaml", "--format", "cyclonedx", "-o", "bom.json"], {
    cwd,
  });
  assert.equal(cdxRun.code, 0, cdxRun.stderr);
  assert.match(cdxRun.stderr, /^wrote cyclonedx SBOM of \d+ packages to bom\.json$/m);
  const cdx = JSON.parse(await Deno.readTextFile(join(cwd, "bom.json")));
  assertValid(ajv, "bom-1.5.schema.json", cdx);
  for (const name of STACK) {
    const component = cdx.components.find((c: { name: string }) => c.name === name);
    assert.equal(component["bom-ref"], ids[name]);
    assert.deepEqual(component.externalReferences, [{
      type: "distribution",
      url: sources[name].url,
      comment: `hit source key ${sources[name].key}`,
      hashes: [{ alg: "SHA-256", content: sha256[name] }],
    }]);
  }
  const png = cdx.dependencies.find((d: { ref: string }) => d.ref === ids.png);
  assert.ok(png.dependsOn.includes(ids.zlib), JSON.stringify(png));
  assert.deepEqual(cdx.metadata.tools.components, [
    { type: "application", name: "hit", version: "0.1.0" },
  ]);

  // The schemas catch what a broken writer would produce.
  delete cdx.components[0].name;
  assert.equal(ajv.validate("bom-1.5.schema.json", cdx), false);
  delete spdx.packages[0].downloadLocation;
  assert.equal(ajv.validate("spdx-2.3", spdx), false);
});
