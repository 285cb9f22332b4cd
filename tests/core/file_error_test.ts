import assert from "node:assert/strict";
import { HitError } from "../../src/errors.ts";
import { fileError } from "../../src/core/file_error.ts";

Deno.test("fileError() turns Deno's refusal of a special path into a HitError naming it", () => {
  const refused = new Deno.errors.NotCapable(
    'Requires all access to "/proc/sys/vm/x", run again with the --allow-all flag',
  );
  const error = fileError("status", refused);
  assert.ok(error instanceof HitError);
  assert.match(error.message, /^status: "\/proc\/sys\/vm\/x" is a special system path$/);
});

Deno.test("fileError() leaves a refused network or environment access as it is (a bug in hit)", () => {
  for (const kind of ["net", "env"]) {
    const refused = new Deno.errors.NotCapable(`Requires ${kind} access to "x", run again`);
    assert.equal(fileError("fetch", refused), refused);
  }
});
