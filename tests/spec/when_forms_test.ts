import assert from "node:assert/strict";
import { processWhen } from "../../src/spec/when_forms.ts";
import { parseYaml } from "../../src/spec/yaml_load.ts";
import type { ValueMap } from "../../src/spec/values.ts";
import { catchFailure, failAt, yaml } from "./_spec_tree.ts";

function doc(text: string): ValueMap {
  return parseYaml(text, "/spec.yaml") as ValueMap;
}

Deno.test("processWhen() merges true `when EXPR` keys into the mapping (test_when_dictionary)", () => {
  const input = doc(yaml`
    dictionary:
        when platform == 'linux':
            when host:
                one: 1
            two: 2
  `);
  assert.deepEqual(processWhen(input, { platform: "linux", host: true }, failAt), {
    dictionary: { one: 1, two: 2 },
  });
  assert.deepEqual(processWhen(input, { platform: "linux", host: false }, failAt), {
    dictionary: { two: 2 },
  });
  assert.deepEqual(processWhen(input, { platform: "windows", host: false }, failAt), {
    dictionary: {},
  });
});

Deno.test("processWhen() splices and filters list items (test_when_list)", () => {
  const input = doc(yaml`
    dictionary:
    - when platform == 'linux':
      - when host:
        - 1
      - 2
    - 3
    - {nested: dict} # dict of length 1
    - am-on: host
      when: host
  `);
  assert.deepEqual(processWhen(input, { platform: "linux", host: true }, failAt), {
    dictionary: [1, 2, 3, { nested: "dict" }, { "am-on": "host" }],
  });
  assert.deepEqual(processWhen(input, { platform: "linux", host: false }, failAt), {
    dictionary: [2, 3, { nested: "dict" }],
  });
  assert.deepEqual(processWhen(input, { platform: "windows", host: false }, failAt), {
    dictionary: [3, { nested: "dict" }],
  });
});

Deno.test("processWhen() keeps a list item that is only {when: X} unchanged (Q7)", () => {
  const input = doc("stages:\n- {when: never}\n- {when: never, name: dropped}\n");
  assert.deepEqual(processWhen(input, {}, failAt), { stages: [{ when: "never" }] });
});

Deno.test("processWhen() processes the kept part of a `when:` item recursively", () => {
  const input = doc(yaml`
    build_stages:
    - name: configure
      when: host
      extra:
      - --always
      - when platform == 'linux':
        - --linux
      opts:
        when not host:
          a: 1
        b: 2
  `);
  assert.deepEqual(processWhen(input, { host: true, platform: "linux" }, failAt), {
    build_stages: [{ name: "configure", extra: ["--always", "--linux"], opts: { b: 2 } }],
  });
});

Deno.test("processWhen() takes EXPR as everything after the first space", () => {
  const input = doc("when  platform   ==   'linux' :\n  a: 1\n");
  assert.deepEqual(processWhen(input, { platform: "linux" }, failAt), { a: 1 });
});

Deno.test("processWhen() treats an unset name as false and never adds it", () => {
  const params = { platform: "linux" };
  const input = doc("when airgap:\n  a: 1\nb:\n- when relocatable == True:\n  - 2\n");
  assert.deepEqual(processWhen(input, params, failAt), { b: [] });
  assert.deepEqual(params, { platform: "linux" });
});

Deno.test("processWhen() rejects a when-merged key that a later plain key repeats (D-3)", () => {
  const input = doc("when host:\n  a: 1\na: 2\n");
  const failure = catchFailure(() => processWhen(input, { host: true }, failAt));
  assert.match(failure.message, /key "a" is set twice: by a "when" block and by another key/);
  assert.deepEqual(failure.path, ["a"]);
});

Deno.test("processWhen() rejects a plain key that a later when block repeats (D-3)", () => {
  const input = doc("a: 2\nwhen host:\n  a: 1\n");
  const failure = catchFailure(() => processWhen(input, { host: true }, failAt));
  assert.match(failure.message, /key "a" is set twice/);
  assert.deepEqual(failure.path, ["when host", "a"]);
});

Deno.test("processWhen() rejects a key set by two true when blocks", () => {
  const input = doc("outer:\n  when a:\n    k: 1\n  when b:\n    k: 2\n");
  const failure = catchFailure(() => processWhen(input, { a: true, b: 1 }, failAt));
  assert.match(failure.message, /key "k" is set twice/);
  assert.deepEqual(failure.path, ["outer", "when b", "k"]);
  assert.deepEqual(processWhen(input, { a: true, b: 0 }, failAt), { outer: { k: 1 } });
});

Deno.test("processWhen() allows the same key under mutually exclusive conditions", () => {
  const input = doc("when host:\n  a: 1\nwhen not host:\n  a: 2\n");
  assert.deepEqual(processWhen(input, { host: true }, failAt), { a: 1 });
  assert.deepEqual(processWhen(input, { host: false }, failAt), { a: 2 });
});

Deno.test("processWhen() rejects a true when key whose value is not a mapping", () => {
  const input = doc("deps:\n  when host: [a, b]\n");
  const failure = catchFailure(() => processWhen(input, { host: true }, failAt));
  assert.match(failure.message, /the block "when host" must be a mapping, found a list/);
  assert.deepEqual(failure.path, ["deps", "when host"]);
  assert.deepEqual(processWhen(input, { host: false }, failAt), { deps: {} });
});

Deno.test("processWhen() rejects a true splice item whose value is not a list", () => {
  const input = doc("build:\n- when host: {a: 1}\n");
  const failure = catchFailure(() => processWhen(input, { host: true }, failAt));
  assert.match(failure.message, /the list item "when host" must hold a list, found a mapping/);
  assert.deepEqual(failure.path, ["build", 0]);
});

Deno.test("processWhen() rejects a `when:` item whose condition is not a string", () => {
  const input = doc("stages:\n- {name: a, when: [x]}\n");
  const failure = catchFailure(() => processWhen(input, {}, failAt));
  assert.match(failure.message, /"when" must be an expression string, found a list/);
  assert.deepEqual(failure.path, ["stages", 0, "when"]);
});

Deno.test("processWhen() reports a bad expression at its key", () => {
  const failure = catchFailure(() =>
    processWhen(doc("a:\n  when len(x):\n    b: 1\n"), {}, failAt)
  );
  assert.deepEqual(failure.path, ["a", "when len(x)"]);
  const item = catchFailure(() => processWhen(doc("a:\n- {when: 'x ==', b: 1}\n"), {}, failAt));
  assert.deepEqual(item.path, ["a", 0, "when"]);
});

Deno.test("processWhen() leaves its input unchanged", () => {
  const input = doc("a:\n  when x:\n    b: 1\nl:\n- {when: x, c: 2}\n");
  const copy = structuredClone(input);
  processWhen(input, { x: true }, failAt);
  assert.deepEqual(input, copy);
});
