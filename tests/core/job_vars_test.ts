import assert from "node:assert/strict";
import { HitError } from "../../src/errors.ts";
import { substituteJobVars, substituteTemplate } from "../../src/core/job_vars.ts";

const env = { A: "x", B_DIR: "/p", a: "a", b: "b" };

Deno.test("substituteJobVars() follows the HASHDIST.md §5.5 examples", () => {
  assert.equal(substituteJobVars("$A/${B_DIR}", env), "x//p");
  assert.equal(substituteJobVars("\\$A", env), "$A");
  assert.equal(substituteJobVars("a\\\\b", env), "a\\\\b");
  assert.equal(substituteJobVars("a\\\\\\\\b", env), "a\\\\b");
  assert.throws(() => substituteJobVars("a$", env), HitError);
  assert.throws(() => substituteJobVars("${A}b$Ac", env), /no such environment variable "Ac"/);
});

Deno.test("substituteJobVars() follows the original's test_substitute vectors", () => {
  const ab = { A: "a", B: "b" };
  assert.equal(substituteJobVars("$A$B", ab), "ab");
  assert.equal(substituteJobVars("${A}x", ab), "ax");
  assert.equal(substituteJobVars("\\${A}x", ab), "${A}x");
  assert.equal(substituteJobVars("\\\\${A}x", ab), "\\${A}x");
  assert.equal(substituteJobVars("\\", ab), "\\");
  assert.equal(substituteJobVars("\\\\", ab), "\\\\");
  assert.equal(substituteJobVars("${A}\\$\\${x}", ab), "a$${x}");
  assert.throws(() => substituteJobVars("$Ax", ab), /no such environment variable "Ax"/);
  assert.throws(() => substituteJobVars("$$", ab), /"\$\$" is not allowed/);
});

Deno.test("substituteTemplate() takes $$ as a dollar sign and leaves backslashes alone", () => {
  assert.equal(substituteTemplate("${A}/bin/$$x\\y", env), "x/bin/$x\\y");
  assert.equal(substituteTemplate("${B_DIR}/*/**/*", env), "/p/*/**/*");
  assert.throws(() => substituteTemplate("$NOPE", env), /no such environment variable "NOPE"/);
  assert.throws(() => substituteTemplate("${A", env), /invalid placeholder/);
});
