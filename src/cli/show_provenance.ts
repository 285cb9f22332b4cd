/**
 * `hit show provenance`: what one artifact was built from (sources with keys and sha256,
 * dependencies with artifact ids) and how (sandbox, `hit` version, host, times), as one screen
 * of text or as JSON. Pure rendering of `core/provenance.ts` data.
 */
import type { PackageProvenance } from "../core/provenance.ts";

/** The provenance of one package as text, or as JSON with snake_case keys. */
export function renderProvenance(pkg: PackageProvenance, json: boolean): string {
  if (json) return JSON.stringify(provenanceJson(pkg), null, 2) + "\n";
  const lines = [`${pkg.name} ${pkg.artifactId}`];
  const field = (label: string, value: string) => lines.push(`  ${label.padEnd(10)}${value}`);
  field("version", pkg.version ?? "unknown");
  field("licence", pkg.license ?? "NOASSERTION");
  if (pkg.built) {
    field("built", `by hit ${pkg.hitVersion ?? "(unknown)"} on ${pkg.host ?? "(unknown)"}`);
    if (pkg.started !== undefined) field("", `from ${pkg.started} to ${pkg.finished}`);
    field("sandbox", pkg.sandbox ?? "(not recorded)");
  } else {
    field("built", "no: not in the store");
  }
  lines.push("  sources");
  for (const source of pkg.sources) {
    const where = source.url ?? (source.kind === "files" ? "(files bundled with the spec)" : "");
    lines.push(`    ${source.key}  ${where}`.trimEnd());
    if (source.sha256 !== undefined) lines.push(`      sha256 ${source.sha256}`);
    else if (source.kind === "git") lines.push(`      commit ${source.commit}`);
    else lines.push("      sha256 unknown: not in the source cache");
  }
  for (
    const [label, deps] of [
      ["build dependencies", pkg.buildDependencies],
      ["run dependencies", pkg.runDependencies],
    ] as const
  ) {
    lines.push(`  ${label}${deps.length === 0 ? ": none" : ""}`);
    for (const dep of deps) lines.push(`    ${dep.artifactId}`);
  }
  return lines.join("\n") + "\n";
}

function provenanceJson(pkg: PackageProvenance): Record<string, unknown> {
  const deps = (list: PackageProvenance["buildDependencies"]) =>
    list.map((dep) => ({ name: dep.name, artifact_id: dep.artifactId }));
  return {
    name: pkg.name,
    artifact_id: pkg.artifactId,
    version: pkg.version ?? null,
    license: pkg.license ?? "NOASSERTION",
    built: pkg.built,
    hit_version: pkg.hitVersion ?? null,
    host: pkg.host ?? null,
    started: pkg.started ?? null,
    finished: pkg.finished ?? null,
    sandbox: pkg.sandbox ?? null,
    sources: pkg.sources.map((source) => ({
      key: source.key,
      kind: source.kind,
      url: source.url ?? null,
      sha256: source.sha256 ?? null,
      commit: source.commit ?? null,
    })),
    build_dependencies: deps(pkg.buildDependencies),
    run_dependencies: deps(pkg.runDependencies),
  };
}
