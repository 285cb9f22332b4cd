import assert from "node:assert/strict";
import { corpusWorkspace, runCli } from "./_run_cli.ts";

const PROFILE = "test.dolfin.yaml";
const LEGEND = "(-> build dependency, ~> run-only dependency)\n";

Deno.test("hit why prints each listed package that pulls a package in, with its paths", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  const pcre = await runCli(["why", "pcre", "-p", PROFILE], { cwd: dir.path });
  assert.deepEqual(pcre, {
    code: 0,
    stdout: `"pcre" is needed by 2 of the 8 packages listed in profile "${PROFILE}":\n` +
      "  dolfin -> swig -> pcre\n  swig -> pcre\n" + LEGEND,
    stderr: "",
  });
  const flufl = await runCli(["why", "flufl_lock", "--profile", PROFILE], { cwd: dir.path });
  assert.deepEqual(flufl, {
    code: 0,
    stdout: `"flufl_lock" is needed by 1 of the 8 packages listed in profile "${PROFILE}":\n` +
      "  dolfin -> instant ~> flufl_lock\n" + LEGEND,
    stderr: "",
  });
});

Deno.test("hit why --json lists roots with their shortest paths and edge kinds", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  const result = await runCli(["why", "swig", "-p", PROFILE, "--json"], { cwd: dir.path });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.deepEqual(JSON.parse(result.stdout), {
    package: "swig",
    profile: PROFILE,
    pulled_in_by: [
      {
        root: "dolfin",
        total: 1,
        paths: [{ packages: ["dolfin", "swig"], edges: ["build"] }],
      },
      { root: "swig", total: 1, paths: [{ packages: ["swig"], edges: [] }] },
    ],
  });
});

Deno.test("hit why exits 1 for a package the profile does not need, 2 for bad usage", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  assert.deepEqual(await runCli(["why", "pythn", "-p", PROFILE], { cwd: dir.path }), {
    code: 1,
    stdout: "",
    stderr: `error: why "pythn": profile "${PROFILE}" does not need "pythn"\n` +
      `hint: did you mean "python"?\n`,
  });
  assert.deepEqual(await runCli(["why", "-p", PROFILE], { cwd: dir.path }), {
    code: 2,
    stdout: "",
    stderr: `error: why: missing the package name\nhint: run "hit help why" for its usage\n`,
  });
});

Deno.test("hit why --help shows the usage with an example", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  const result = await runCli(["why", "--help"], { cwd: dir.path });
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, /^usage: hit why PACKAGE /m);
  assert.match(result.stdout, /^examples:\n {2}hit why /m);
  assert.match(result.stdout, /^ {2}-p, --profile PROFILE/m);
});
