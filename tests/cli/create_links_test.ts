import assert from "node:assert/strict";
import { parseCreateLinksArgs, selectKey } from "../../src/cli/create_links.ts";
import { HitError } from "../../src/errors.ts";

Deno.test("parseCreateLinksArgs() reads FILE and --key, with the root as default", () => {
  assert.deepEqual(parseCreateLinksArgs(["rules.json"]), { file: "rules.json", key: "/" });
  assert.deepEqual(parseCreateLinksArgs(["--key=a/b", "rules.json"]), {
    file: "rules.json",
    key: "a/b",
  });
  assert.deepEqual(parseCreateLinksArgs(["--key", "a", "rules.json"]), {
    file: "rules.json",
    key: "a",
  });
});

Deno.test("parseCreateLinksArgs() rejects a missing or second FILE with exit 2", () => {
  for (const args of [[], ["a.json", "b.json"], ["--key"], ["--nope", "a.json"]]) {
    assert.throws(() => parseCreateLinksArgs(args), (error) => {
      assert.ok(error instanceof HitError);
      assert.equal(error.exitCode, 2);
      return true;
    }, args.join(" "));
  }
});

Deno.test("selectKey() walks mapping keys and list indexes; / and empty mean the root", () => {
  const document = { a: { b: [{ c: 1 }, { c: 2 }] } };
  assert.equal(selectKey(document, "/"), document);
  assert.equal(selectKey(document, ""), document);
  assert.deepEqual(selectKey(document, "a/b"), [{ c: 1 }, { c: 2 }]);
  assert.equal(selectKey(document, "/a/b/1/c"), 2);
  assert.throws(() => selectKey(document, "a/x"), /select key "a\/x": "a" has no "x"/);
  assert.throws(() => selectKey(document, "z"), /the document has no "z"/);
  assert.throws(() => selectKey(document, "a/b/c"), /"a\/b" has no "c"/);
});
