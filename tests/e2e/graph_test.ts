import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { corpusWorkspace, makeTempDir, runCli } from "./_run_cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples", import.meta.url));

Deno.test("hit graph prints the example stack as DOT", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["graph", `${EXAMPLES}/stack.yaml`], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 0,
    stdout: [
      'digraph "stack" {',
      "  // solid: build dependency; dashed: run-only dependency; bold: listed in the profile",
      "  node [shape=box];",
      '  "greet" [style=bold];',
      '  "greet-tools" [style=bold];',
      '  "libgreet" [style=bold];',
      '  "greet" -> "libgreet";',
      '  "greet-tools" -> "greet" [style=dashed];',
      "}",
      "",
    ].join("\n"),
    stderr: "",
  });
});

Deno.test("hit graph --json lists the packages with their artifact ids and dependencies", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["graph", `${EXAMPLES}/stack.yaml`, "--json"], { cwd: dir.path });
  assert.equal(result.code, 0, result.stderr);
  const status = await runCli(["status", `${EXAMPLES}/stack.yaml`, "--json"], { cwd: dir.path });
  const ids = Object.fromEntries(
    JSON.parse(status.stdout).map((row: { name: string; artifact_id: string }) => [
      row.name,
      row.artifact_id,
    ]),
  );
  assert.deepEqual(JSON.parse(result.stdout), {
    roots: ["greet", "greet-tools", "libgreet"],
    packages: [
      {
        name: "greet",
        artifact_id: ids.greet,
        dependencies: [{ name: "libgreet", kind: "build" }],
      },
      {
        name: "greet-tools",
        artifact_id: ids["greet-tools"],
        dependencies: [{ name: "greet", kind: "run" }],
      },
      { name: "libgreet", artifact_id: ids.libgreet, dependencies: [] },
    ],
  });
  assert.match(ids.greet, /^greet\/[a-z2-7]+$/);
  const both = await runCli(["graph", `${EXAMPLES}/stack.yaml`, "--json", "--format", "dot"], {
    cwd: dir.path,
  });
  assert.equal(both.code, 2);
});

Deno.test("hit graph --format mermaid prints a graph TD flowchart", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(
    ["graph", "-p", `${EXAMPLES}/stack.yaml`, "--format", "mermaid"],
    { cwd: dir.path },
  );
  assert.deepEqual(result, {
    code: 0,
    stdout: [
      "graph TD",
      "  %% solid: build dependency; dotted: run-only dependency; thick: listed in the profile",
      '  n0["greet"]',
      '  n1["greet-tools"]',
      '  n2["libgreet"]',
      "  n0 --> n2",
      "  n1 -.-> n0",
      "  classDef root stroke-width:3px",
      "  class n0,n1,n2 root",
      "",
    ].join("\n"),
    stderr: "",
  });
});

Deno.test("hit graph covers a corpus profile's whole closure", async () => {
  const profile = "test.dolfin.yaml";
  await using dir = await corpusWorkspace(profile);
  const result = await runCli(["graph", profile], { cwd: dir.path });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const lines = result.stdout.split("\n");
  assert.equal(lines[0], 'digraph "test.dolfin" {');
  assert.equal(lines.filter((line) => /^ {2}"[^"]+"( \[style=bold\])?;$/.test(line)).length, 28);
  assert.ok(lines.includes('  "dolfin" [style=bold];'));
  assert.ok(lines.includes('  "dolfin" -> "sympy";'));
  assert.ok(lines.includes('  "instant" -> "flufl_lock" [style=dashed];'));
  assert.ok(lines.includes('  "pkg-config" -> "python" [style=dashed];'));
});

Deno.test("hit graph exits 2 for an unknown format and 1 for a missing profile", async () => {
  await using dir = await makeTempDir();
  assert.deepEqual(await runCli(["graph", "x.yaml", "--format", "svg"], { cwd: dir.path }), {
    code: 2,
    stdout: "",
    stderr: `error: graph: unknown format "svg"\nhint: use one of "dot", "mermaid"\n`,
  });
  const missing = await runCli(["graph", "nope.yaml"], { cwd: dir.path });
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, "");
  assert.match(missing.stderr, /^error: load profile "nope.yaml": no such file\n/);
});

Deno.test("hit graph --help shows the usage with an example", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["graph", "--help"], { cwd: dir.path });
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, /^usage: hit graph \[PROFILE\]/m);
  assert.match(result.stdout, /^examples:\n {2}hit graph /m);
  assert.match(result.stdout, /^ {6}--format FORMAT +"dot"/m);
});
