/**
 * The CycloneDX 1.5 JSON BOM of a profile (cyclonedx.org/docs/1.5/json): a component per
 * artifact with its artifact id as `bom-ref`, each source as an external reference with its
 * sha256, build and run dependencies in `dependencies` (build ones also as a property), and the
 * `hit` and sandbox a stored artifact was built with as properties. Pure.
 */
import type { SbomInput } from "./sbom_spdx.ts";

/** The CycloneDX 1.5 BOM of `input` with serial number `serial` (a UUID). */
export function cycloneDxDocument(input: SbomInput, serial: string): Record<string, unknown> {
  const components = input.packages.map((pkg) => {
    const component: Record<string, unknown> = {
      type: "library",
      "bom-ref": pkg.artifactId,
      name: pkg.name,
      licenses: [
        pkg.license !== undefined ? { expression: pkg.license } : {
          license: { name: "NOASSERTION" },
        },
      ],
      externalReferences: pkg.sources.filter((source) => source.url !== undefined).map(
        (source) => {
          const reference: Record<string, unknown> = {
            type: source.kind === "git" ? "vcs" : "distribution",
            url: source.url,
            comment: source.kind === "git"
              ? `hit source key ${source.key}, commit ${source.commit}`
              : `hit source key ${source.key}`,
          };
          if (source.sha256 !== undefined) {
            reference.hashes = [{ alg: "SHA-256", content: source.sha256 }];
          }
          return reference;
        },
      ),
      properties: [
        { name: "hit:artifact-id", value: pkg.artifactId },
        ...pkg.sources.map((source) => ({
          name: "hit:source",
          value: [source.key, source.sha256 && `sha256:${source.sha256}`].filter(Boolean)
            .join(" "),
        })),
        ...pkg.buildDependencies.map((dep) => ({
          name: "hit:build-dependency",
          value: dep.artifactId,
        })),
        ...pkg.runDependencies.map((dep) => ({
          name: "hit:run-dependency",
          value: dep.artifactId,
        })),
        // How the stored artifact was built, when it is in the store.
        ...(pkg.hitVersion !== undefined
          ? [{ name: "hit:built-by", value: `hit ${pkg.hitVersion}` }]
          : []),
        ...(pkg.sandbox !== undefined ? [{ name: "hit:sandbox", value: pkg.sandbox }] : []),
      ],
    };
    if (pkg.version !== undefined) component.version = pkg.version;
    if ((component.externalReferences as unknown[]).length === 0) {
      delete component.externalReferences;
    }
    return component;
  });
  const dependencies = input.packages.map((pkg) => ({
    ref: pkg.artifactId,
    dependsOn: [
      ...new Set([...pkg.buildDependencies, ...pkg.runDependencies]
        .map((dep) => dep.artifactId)),
    ].sort(),
  }));
  dependencies.push({
    ref: input.profileArtifactId,
    dependsOn: input.packages.map((pkg) => pkg.artifactId),
  });
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: `urn:uuid:${serial}`,
    version: 1,
    metadata: {
      timestamp: input.created.toISOString(),
      tools: {
        components: [{ type: "application", name: "hit", version: input.toolVersion }],
      },
      component: {
        type: "application",
        "bom-ref": input.profileArtifactId,
        name: input.profileName,
      },
    },
    components,
    dependencies,
  };
}
