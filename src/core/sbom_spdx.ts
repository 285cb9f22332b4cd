/**
 * The SPDX 2.3 JSON document of a profile (spdx.github.io/spdx-spec/v2.3): a package per
 * artifact and per source, the artifact id as an external reference, build and run dependencies
 * and the sources each artifact is generated from as relationships. Pure.
 */
import type { PackageProvenance, SourceProvenance } from "./provenance.ts";

/** What an SBOM describes, for either format. */
export interface SbomInput {
  /** The profile's name (its file name without `.yaml`) and its artifact id. */
  profileName: string;
  profileArtifactId: string;
  packages: readonly PackageProvenance[];
  /** The document's creation time. */
  created: Date;
  /** The version of `hit` that wrote it. */
  toolVersion: string;
}

const NOASSERTION = "NOASSERTION";

/** The SPDX 2.3 document of `input`, ready for `JSON.stringify`. */
export function spdxDocument(input: SbomInput): Record<string, unknown> {
  const profileRef = "SPDXRef-Profile";
  const packageRef = (name: string) => `SPDXRef-Package-${spdxIdPart(name)}`;
  const packages: Record<string, unknown>[] = [{
    SPDXID: profileRef,
    name: input.profileName,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: "INSTALL",
    externalRefs: [artifactRef(input.profileArtifactId)],
  }];
  const relationships: Record<string, unknown>[] = [
    relationship("SPDXRef-DOCUMENT", "DESCRIBES", profileRef),
  ];
  for (const pkg of input.packages) {
    const id = packageRef(pkg.name);
    const license = pkg.license ?? NOASSERTION;
    const entry: Record<string, unknown> = {
      SPDXID: id,
      name: pkg.name,
      downloadLocation: pkg.sources.find((source) => source.url)?.url ?? NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: license,
      licenseDeclared: license,
      copyrightText: NOASSERTION,
      primaryPackagePurpose: "LIBRARY",
      externalRefs: [artifactRef(pkg.artifactId)],
    };
    if (pkg.version !== undefined) entry.versionInfo = pkg.version;
    packages.push(entry);
    relationships.push(relationship(profileRef, "CONTAINS", id));
    pkg.sources.forEach((source, index) => {
      const sourceId = `${id}-source-${index + 1}`;
      packages.push(sourcePackage(pkg.name, source, sourceId));
      relationships.push(relationship(id, "GENERATED_FROM", sourceId));
    });
    for (const dep of pkg.buildDependencies) {
      relationships.push(relationship(packageRef(dep.name), "BUILD_DEPENDENCY_OF", id));
    }
    for (const dep of pkg.runDependencies) {
      relationships.push(relationship(id, "DEPENDS_ON", packageRef(dep.name)));
    }
  }
  return {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: `hit profile ${input.profileName}`,
    documentNamespace: `urn:hit:sbom:${input.profileArtifactId}:${input.created.toISOString()}`,
    creationInfo: {
      created: input.created.toISOString().replace(/\.\d{3}Z$/, "Z"),
      creators: [`Tool: hit-${input.toolVersion}`],
    },
    packages,
    relationships,
  };
}

function sourcePackage(
  name: string,
  source: SourceProvenance,
  id: string,
): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    SPDXID: id,
    name: source.kind === "files" ? `${name} build files` : `${name} source`,
    downloadLocation: source.kind === "git" && source.url !== undefined
      ? `git+${source.url}@${source.commit}`
      : source.url ?? NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: "SOURCE",
    sourceInfo: `hit source key ${source.key}`,
  };
  if (source.sha256 !== undefined) {
    entry.checksums = [{ algorithm: "SHA256", checksumValue: source.sha256 }];
  } else if (source.commit !== undefined) {
    entry.checksums = [{ algorithm: "SHA1", checksumValue: source.commit }];
  }
  return entry;
}

function artifactRef(id: string): Record<string, string> {
  return {
    referenceCategory: "OTHER",
    referenceType: "hit-artifact-id",
    referenceLocator: id,
  };
}

function relationship(from: string, type: string, to: string): Record<string, string> {
  return { spdxElementId: from, relationshipType: type, relatedSpdxElement: to };
}

// SPDX ids allow letters, digits, "." and "-" only.
function spdxIdPart(name: string): string {
  return name.replace(/[^A-Za-z0-9.-]/g, (c) => `.${c.charCodeAt(0).toString(16)}.`);
}
