import assert from "node:assert/strict";
import { HitError } from "../../src/errors.ts";
import { describeValue, specError } from "../../src/spec/spec_error.ts";

Deno.test("specError() locates the path in the text and keeps package and hint", () => {
  const text = "build_stages:\n- name: a\n  mode: merge\n";
  const error = specError("load spec: bad mode", {
    file: "/pkgs/foo.yaml",
    text,
    path: ["build_stages", 0, "mode"],
    package: "foo",
    hint: "use update",
  });
  assert.ok(error instanceof HitError);
  assert.equal(error.message, "load spec: bad mode");
  assert.deepEqual(error.location, { file: "/pkgs/foo.yaml", line: 3, column: 3, package: "foo" });
  assert.equal(error.hint, "use update");
});

Deno.test("specError() names only the file when it has no text or path", () => {
  const error = specError("load profile: bad", { file: "/p.yaml" });
  assert.equal(error.location.file, "/p.yaml");
  assert.equal(error.location.line, undefined);
});

Deno.test("describeValue() names each kind of value for messages", () => {
  assert.deepEqual(
    [undefined, null, [1], { a: 1 }, "x", true, 42].map(describeValue),
    [
      "nothing",
      "null",
      "a list",
      "a mapping",
      'the string "x"',
      "the boolean true",
      "the number 42",
    ],
  );
});
