import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runConformance, summaryLine } from "../../scripts/conformance.ts";

const shared = fileURLToPath(new URL("../../../shared/", import.meta.url));
const published = join(shared, "conformance");
const corpus = join(shared, "corpus", "hashstack");

Deno.test("runConformance() matches every published package at every level", async () => {
  const report = await runConformance(published, corpus);
  const { total } = report;
  assert.ok(total.ok >= 686, `expected all published packages, got ${total.ok}`);
  assert.equal(total.script, total.ok, "scripts");
  assert.equal(total.spec, total.ok, "build specs");
  assert.equal(total.id, total.ok, "artifact ids");
  assert.equal(total.errors, total.failing, "ok: false packages give a HitError");
  const unexplained = report.mismatches.filter((mismatch) => !mismatch.unverifiable);
  assert.deepEqual(unexplained, [], summaryLine(report));
  // A golden computed from files the corpus lacks is reported with its cause, never hidden.
  for (const mismatch of report.mismatches) {
    console.log(`not reproducible from this corpus: ${mismatch.profile}: ${mismatch.unverifiable}`);
  }
  assert.equal(report.goldens.total, 15);
  assert.equal(report.goldens.matched + report.mismatches.length, report.goldens.total);
});

Deno.test("runConformance() counts an ok: false golden as matched only for a HitError", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(root, "profiles"));
    await Deno.mkdir(join(root, "packages", "mini"), { recursive: true });
    await Deno.writeTextFile(
      join(root, "profiles", "golden-mini.yaml"),
      "extends:\n- file: linux.yaml\n",
    );
    await Deno.writeTextFile(
      join(root, "packages", "mini", "no-such-package.json"),
      JSON.stringify({ ok: false, package: "no-such-package", error: "No yaml file" }),
    );
    const zlib = JSON.parse(
      await Deno.readTextFile(join(published, "packages", "linux", "zlib.json")),
    );
    zlib.artifact_id = "zlib/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    zlib.build_script += "tampered\n";
    await Deno.writeTextFile(join(root, "packages", "mini", "zlib.json"), JSON.stringify(zlib));
    const report = await runConformance(root, corpus);
    assert.equal(
      summaryLine(report),
      "conformance: script 0/1 spec 1/1 id 0/1 errors 1/1 profiles 0/0",
    );
    const levels = report.mismatches.map((mismatch) => mismatch.level).sort();
    assert.deepEqual(levels, ["id", "script"]);
    assert.match(report.mismatches.find((m) => m.level === "script")!.detail, /tampered/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
