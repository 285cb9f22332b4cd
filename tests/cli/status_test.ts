import assert from "node:assert/strict";
import { parseStatusArgs, renderStatus, shortId, type StatusRow } from "../../src/cli/status.ts";
import { HitError, USAGE_EXIT } from "../../src/errors.ts";

function assertUsageError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof HitError);
    assert.equal(error.exitCode, USAGE_EXIT);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("parseStatusArgs() defaults the profile to default.yaml and the format to text", () => {
  assert.deepEqual(parseStatusArgs([]), {
    profile: "default.yaml",
    overrides: {},
    format: "text",
  });
});

Deno.test("parseStatusArgs() takes the profile as the original's positional or as -p", () => {
  assert.equal(parseStatusArgs(["stack.yaml"]).profile, "stack.yaml");
  assert.equal(parseStatusArgs(["-p", "stack.yaml"]).profile, "stack.yaml");
  assert.equal(parseStatusArgs(["--profile=stack.yaml"]).profile, "stack.yaml");
});

Deno.test("parseStatusArgs() collects NAME=VALUE overrides as strings after the profile", () => {
  assert.deepEqual(parseStatusArgs(["stack.yaml", "debug=true", "x=a=b", "debug=false"]), {
    profile: "stack.yaml",
    overrides: { debug: "false", x: "a=b" },
    format: "text",
  });
});

Deno.test("parseStatusArgs() maps --json and --format to a format", () => {
  assert.equal(parseStatusArgs(["--json"]).format, "json");
  assert.equal(parseStatusArgs(["--format", "hashdist"]).format, "hashdist");
  assert.equal(parseStatusArgs(["--format=json", "--json"]).format, "json");
});

Deno.test("parseStatusArgs() rejects bad usage with exit 2", () => {
  assertUsageError(() => parseStatusArgs(["--foo"]), /unknown option "--foo" for command "status"/);
  assertUsageError(() => parseStatusArgs(["-p"]), /option "-p" needs a value/);
  assertUsageError(() => parseStatusArgs(["-p", "--json"]), /option "-p" needs a value/);
  assertUsageError(() => parseStatusArgs(["--json=yes"]), /"--json" takes no value/);
  assertUsageError(() => parseStatusArgs(["a.yaml", "b.yaml"]), /unexpected argument "b.yaml"/);
  assertUsageError(() => parseStatusArgs(["a.yaml", "-p", "b.yaml"]), /profile given twice/);
  assertUsageError(() => parseStatusArgs(["--format", "xml"]), /unknown format "xml"/);
  assertUsageError(() => parseStatusArgs(["--json", "--format", "hashdist"]), /conflict/);
  assertUsageError(() => parseStatusArgs(["=x"]), /bad parameter override "=x"/);
});

const ROWS: StatusRow[] = [
  { name: "zlib", artifactId: "zlib/v6anirfvk2opabcdefghijklmnopqrst", built: false },
  { name: "Abc", artifactId: "Abc/zzzzzzzzzzzzabcdefghijklmnopqrst", built: true },
  { name: "patchelf", artifactId: "patchelf/ubfhdyx6mshu3icyvdgwnljyfzy6xr5n", built: false },
];

Deno.test("renderStatus() text lists rows in the given order in aligned columns", () => {
  assert.equal(
    renderStatus(ROWS, "text"),
    "zlib      zlib/v6anirfvk2opabcdefghijklmnopqrst      not built\n" +
      "Abc       Abc/zzzzzzzzzzzzabcdefghijklmnopqrst       built\n" +
      "patchelf  patchelf/ubfhdyx6mshu3icyvdgwnljyfzy6xr5n  not built\n",
  );
  assert.equal(renderStatus([], "text"), "");
});

Deno.test("renderStatus() json prints name, artifact_id and built, pretty", () => {
  const text = renderStatus(ROWS.slice(0, 1), "json");
  assert.equal(
    text,
    `[\n  {\n    "name": "zlib",\n    "artifact_id": "zlib/v6anirfvk2opabcdefghijklmnopqrst",\n` +
      `    "built": false\n  }\n]\n`,
  );
});

Deno.test("renderStatus() hashdist sorts by lower-cased short id and pads to 50 columns", () => {
  assert.equal(
    renderStatus(ROWS, "hashdist"),
    `${"Abc/zzzzzzzzzzzz".padEnd(50)} [OK]\n` +
      `${"patchelf/ubfhdyx6mshu".padEnd(50)} [needs build]\n` +
      `${"zlib/v6anirfvk2op".padEnd(50)} [needs build]\n`,
  );
});

Deno.test("shortId() keeps the name and 12 hash characters", () => {
  assert.equal(shortId("zlib/v6anirfvk2opabcdef"), "zlib/v6anirfvk2op");
  assert.equal(shortId("noslash"), "noslash");
});
