import assert from "node:assert/strict";
import { spdxDocument } from "../../src/core/sbom_spdx.ts";
import { assertValid, COMMIT, INPUT, schemaValidator } from "./_sbom_fixture.ts";

Deno.test("spdxDocument() is valid SPDX 2.3 with git commits, licences, ids and relationships", async () => {
  const ajv = await schemaValidator();
  const doc = spdxDocument(INPUT) as {
    creationInfo: { created: string };
    packages: Record<string, unknown>[];
    relationships: Record<string, string>[];
  };
  assertValid(ajv, "spdx-2.3", doc);
  assert.equal(doc.creationInfo.created, "2026-01-02T03:04:05Z");
  const py = doc.packages.find((pkg) => pkg.name === "py_yaml")!;
  assert.equal(py.SPDXID, "SPDXRef-Package-py.5f.yaml");
  assert.deepEqual([py.licenseDeclared, py.versionInfo], ["MIT", "6.0"]);
  const lib = doc.packages.find((pkg) => pkg.name === "libyaml")!;
  assert.equal(lib.licenseDeclared, "NOASSERTION");
  assert.equal(lib.versionInfo, undefined);
  const git = doc.packages.find((pkg) => pkg.SPDXID === "SPDXRef-Package-py.5f.yaml-source-1")!;
  assert.equal(git.downloadLocation, `git+https://example.invalid/pyyaml.git@${COMMIT}`);
  assert.deepEqual(git.checksums, [{ algorithm: "SHA1", checksumValue: COMMIT }]);
  const bundle = doc.packages.find((pkg) => pkg.SPDXID === "SPDXRef-Package-py.5f.yaml-source-2")!;
  assert.deepEqual([bundle.downloadLocation, bundle.checksums], ["NOASSERTION", undefined]);
  const links = doc.relationships.map((r) =>
    `${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`
  );
  assert.ok(
    links.includes("SPDXRef-Package-libyaml BUILD_DEPENDENCY_OF SPDXRef-Package-py.5f.yaml"),
  );
  assert.ok(links.includes("SPDXRef-Package-py.5f.yaml DEPENDS_ON SPDXRef-Package-libyaml"));
  assert.ok(links.includes("SPDXRef-DOCUMENT DESCRIBES SPDXRef-Profile"));
});
