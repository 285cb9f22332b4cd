/**
 * `hit show provenance`: what one artifact was built from (sources with keys and sha256,
 * dependencies with artifact ids) and how (sandbox with what it enforced, `hit` version, host,
 * times), as one screen of text or as JSON. Pure rendering of `core/provenance.ts` data.
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
    for (const line of detailLines(pkg.sandboxDetails ?? {})) field("", line);
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

/** `artifact.json`'s `sandbox_details` as lines: Landlock's ABI, the build's uid, what held. */
function detailLines(details: Record<string, unknown>): string[] {
  const lines: string[] = [];
  if (typeof details.landlock_abi === "number") lines.push(`Landlock ABI ${details.landlock_abi}`);
  if (typeof details.build_uid === "number") lines.push(`run as uid ${details.build_uid}`);
  for (const [key, label] of [["enforced", "enforced"], ["not_enforced", "not enforced"]]) {
    const list = details[key];
    if (Array.isArray(list) && list.length > 0) lines.push(`${label}: ${list.join("; ")}`);
  }
  return lines;
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
    sandbox_details: pkg.sandboxDetails ?? null,
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
