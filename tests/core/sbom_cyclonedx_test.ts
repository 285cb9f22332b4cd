import assert from "node:assert/strict";
import { cycloneDxDocument } from "../../src/core/sbom_cyclonedx.ts";
import { assertValid, COMMIT, INPUT, schemaValidator, SHA } from "./_sbom_fixture.ts";

Deno.test("cycloneDxDocument() is valid CycloneDX 1.5 and records how a stored artifact was built", async () => {
  const ajv = await schemaValidator();
  const doc = cycloneDxDocument(INPUT, "8f0e5a2e-3a5b-4c7d-9e1f-0a1b2c3d4e5f") as {
    serialNumber: string;
    components: { name: string; properties: { name: string; value: string }[] }[];
    dependencies: { ref: string; dependsOn: string[] }[];
  };
  assertValid(ajv, "bom-1.5.schema.json", doc);
  assert.equal(doc.serialNumber, "urn:uuid:8f0e5a2e-3a5b-4c7d-9e1f-0a1b2c3d4e5f");
  const props = (name: string) =>
    doc.components.find((c) => c.name === name)!.properties.map((p) => `${p.name}=${p.value}`);
  assert.deepEqual(props("py_yaml"), [
    "hit:artifact-id=py_yaml/aaaa",
    `hit:source=git:${COMMIT}`,
    "hit:source=files:bbbb",
    "hit:build-dependency=libyaml/cccc",
    "hit:run-dependency=libyaml/cccc",
    "hit:built-by=hit 0.1.0",
    "hit:sandbox=bwrap",
  ]);
  assert.deepEqual(props("libyaml"), [
    "hit:artifact-id=libyaml/cccc",
    `hit:source=tar.gz:dddd sha256:${SHA}`,
  ]);
  assert.deepEqual(doc.dependencies, [
    { ref: "py_yaml/aaaa", dependsOn: ["libyaml/cccc"] },
    { ref: "libyaml/cccc", dependsOn: [] },
    { ref: "profile/eeee", dependsOn: ["py_yaml/aaaa", "libyaml/cccc"] },
  ]);
});
