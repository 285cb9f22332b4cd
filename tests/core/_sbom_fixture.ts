/**
 * For SBOM tests: Ajv with the official SPDX 2.3 and CycloneDX 1.5 JSON schemas
 * (tests/fixtures/sbom/README.md says where each is from), registered as "spdx-2.3" and
 * "bom-1.5.schema.json", and a sample SBOM input. Test helper; reads the fixtures only.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import type { PackageProvenance } from "../../src/core/provenance.ts";
import type { SbomInput } from "../../src/core/sbom_spdx.ts";

const SCHEMAS = fileURLToPath(new URL("../fixtures/sbom/", import.meta.url));

/** A validator holding both schemas. */
export async function schemaValidator(): Promise<Ajv> {
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
  addFormats.default(ajv);
  // CycloneDX names IRI formats Ajv lacks; the URLs hit writes are ASCII, so URI rules hold.
  ajv.addFormat("iri-reference", ajv.formats["uri-reference"]!);
  ajv.addFormat("idn-email", ajv.formats.email!);
  for (const name of ["spdx.schema.json", "jsf-0.82.schema.json", "bom-1.5.schema.json"]) {
    ajv.addSchema(JSON.parse(await Deno.readTextFile(join(SCHEMAS, name))), name);
  }
  ajv.addSchema(
    JSON.parse(await Deno.readTextFile(join(SCHEMAS, "spdx-2.3.schema.json"))),
    "spdx-2.3",
  );
  return ajv;
}

/** Asserts that `document` is valid against `schema`, listing the errors when not. */
export function assertValid(ajv: Ajv, schema: string, document: unknown): void {
  const valid = ajv.validate(schema, document);
  assert.ok(
    valid,
    `not valid against ${schema}: ${ajv.errorsText(ajv.errors, { separator: "\n" })}`,
  );
}

/** The commit of the sample git source. */
export const COMMIT = "0123456789abcdef0123456789abcdef01234567";
/** The sha256 of the sample archive. */
export const SHA = "a".repeat(64);

// A built package with a git source and an uncached bundle, and an unbuilt one it depends on.
const PACKAGES: PackageProvenance[] = [
  {
    name: "py_yaml",
    version: "6.0",
    artifactId: "py_yaml/aaaa",
    license: "MIT",
    sources: [
      {
        key: `git:${COMMIT}`,
        url: "https://example.invalid/pyyaml.git",
        kind: "git",
        commit: COMMIT,
      },
      { key: "files:bbbb", kind: "files" },
    ],
    buildDependencies: [{ name: "libyaml", artifactId: "libyaml/cccc" }],
    runDependencies: [{ name: "libyaml", artifactId: "libyaml/cccc" }],
    built: true,
    sandbox: "bwrap",
    hitVersion: "0.1.0",
  },
  {
    name: "libyaml",
    artifactId: "libyaml/cccc",
    sources: [{
      key: "tar.gz:dddd",
      url: "https://example.invalid/yaml.tar.gz",
      kind: "archive",
      sha256: SHA,
    }],
    buildDependencies: [],
    runDependencies: [],
    built: false,
  },
];

/** A sample SBOM input. */
export const INPUT: SbomInput = {
  profileName: "stack",
  profileArtifactId: "profile/eeee",
  packages: PACKAGES,
  created: new Date("2026-01-02T03:04:05.678Z"),
  toolVersion: "0.1.0",
};
