import assert from "node:assert/strict";
import { parseSbomArgs, sbomTime } from "../../src/cli/sbom.ts";
import { HitError } from "../../src/errors.ts";

Deno.test("parseSbomArgs() takes the profile, --format and -o, SPDX by default", () => {
  assert.deepEqual(parseSbomArgs(["stack.yaml"]), {
    profile: "stack.yaml",
    overrides: {},
    format: "spdx",
    output: undefined,
  });
  assert.deepEqual(
    parseSbomArgs(["-p", "s.yaml", "--format", "cyclonedx", "-o", "b.json", "x=1"]),
    {
      profile: "s.yaml",
      overrides: { x: "1" },
      format: "cyclonedx",
      output: "b.json",
    },
  );
  assert.throws(
    () => parseSbomArgs(["stack.yaml", "--format", "swid"]),
    (error) => error instanceof HitError && error.exitCode === 2 && /"swid"/.test(error.message),
  );
});

Deno.test("sbomTime() is SOURCE_DATE_EPOCH when set, else now, and rejects a non-number", () => {
  const now = new Date("2026-01-02T03:04:05Z");
  assert.equal(sbomTime({}, now), now);
  assert.equal(
    sbomTime({ SOURCE_DATE_EPOCH: "315532800" }, now).toISOString(),
    "1980-01-01T00:00:00.000Z",
  );
  assert.throws(() => sbomTime({ SOURCE_DATE_EPOCH: "yesterday" }, now), HitError);
});
