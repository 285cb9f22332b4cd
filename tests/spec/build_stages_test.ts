import assert from "node:assert/strict";
import { hashDocument } from "../../src/spec/hash_document.ts";
import {
  mergeStages,
  nameStages,
  orderStages,
  type Stage,
  type StageTable,
} from "../../src/spec/build_stages.ts";
import { catchFailure, failAt } from "./_spec_tree.ts";

function table(stages: Stage[]): StageTable {
  return new Map(stages.map((stage) => [stage.name as string, stage]));
}

function names(stages: Stage[]): string[] {
  return stages.map((stage) => stage.name as string);
}

Deno.test("nameStages() gives the generated names of HASHDIST.md §3.1", () => {
  const stages = nameStages("when_build_dependency", [
    { prepend_path: "PATH", value: "${ARTIFACT}/bin" },
    { set: "FOO", value: "${ARTIFACT}/foo" },
    { append_path: "LD", value: "${ARTIFACT}/lib" },
    { set: "ALPHA_HOME", value: "${ARTIFACT}" },
    { bash: "echo anon", handler: "bash" },
  ], failAt);
  assert.deepEqual(names(stages), [
    "__5xx5on7y2agdliskygatl6vu5hjg74p3",
    "__aj6kbitalfn5tjl6suqqvvckb6zy6xnz",
    "__qhtbkmpul26rd4oqzcucxd74zuqkhbmq",
    "__sqmxm53ndtp4wcsu2vqdtyj72xfn3q2w",
    "__j3oslntkywl2h6x3oekry7n4jb3qeyjv",
  ]);
});

Deno.test("nameStages() hashes a stage without before and after (test_name_anonymous_stages)", () => {
  const stages = nameStages("build_stages", [
    { name: "foo" },
    { before: "foo", one: 1 },
    { before: "bar", after: "foo", two: 2 },
    {},
  ], failAt);
  assert.deepEqual(stages, [
    { name: "foo" },
    { before: "foo", one: 1, name: "__vohxh6yicfhfiz6qerugjle42wfmlu2p" },
    { before: "bar", after: "foo", two: 2, name: "__tdurutje3wctzqnu24mzy5gqza5yxt6b" },
    { name: "__qvk3jbqy6b3mvv5opou3ae55met2pt6s" },
  ]);
});

Deno.test("nameStages() gives the names of test_load_and_inherit_package", () => {
  assert.deepEqual(
    names(nameStages("build_stages", [{ random: "anonymous", handler: "foo" }], failAt)),
    ["__3gcv3kvebeam4h3qzok75lxxt5n3rzr7"],
  );
  assert.deepEqual(names(nameStages("profile_links", [{ link: "foo" }], failAt)), [
    "__ypp7s5jlosieet6v4iyhvbg52ymlcwgk",
  ]);
});

Deno.test("nameStages() keeps mode in the hashed stage", () => {
  const [stage] = nameStages("build_stages", [{ mode: "update", extra: ["x"] }], failAt);
  assert.equal(
    stage.name,
    "__" + hashDocument("generated_stage_name", { mode: "update", extra: ["x"] }),
  );
  assert.notEqual(stage.name, "__" + hashDocument("generated_stage_name", { extra: ["x"] }));
});

Deno.test("nameStages() rejects two unnamed stages that differ only in before/after", () => {
  const failure = catchFailure(() =>
    nameStages(
      "build_stages",
      [{ before: "foo", one: 1 }, { before: "bar", after: "foo", one: 1 }],
      failAt,
    )
  );
  assert.match(failure.message, /stages 1 and 2 of "build_stages" are unnamed and identical/);
  assert.deepEqual(failure.path, ["build_stages", 1]);
});

Deno.test("nameStages() reads a missing section as empty and rejects a non-list", () => {
  assert.deepEqual(nameStages("post_process", undefined, failAt), []);
  assert.deepEqual(nameStages("post_process", null, failAt), []);
  const failure = catchFailure(() => nameStages("post_process", { hit: [] }, failAt));
  assert.match(failure.message, /"post_process" must be a list of stages, found a mapping/);
  assert.deepEqual(failure.path, ["post_process"]);
});

Deno.test("nameStages() rejects a stage that is not a mapping, or a name that is not a string", () => {
  const item = catchFailure(() => nameStages("build_stages", [{ name: "a" }, "make"], failAt));
  assert.match(item.message, /stage 2 of "build_stages" must be a mapping/);
  assert.deepEqual(item.path, ["build_stages", 1]);
  const name = catchFailure(() => nameStages("build_stages", [{ name: 3 }], failAt));
  assert.deepEqual(name.path, ["build_stages", 0, "name"]);
});

Deno.test("mergeStages() applies override, replace and remove (test_load_and_inherit_package)", () => {
  const grandparent = mergeStages(
    "build_stages",
    [
      { name: "stage1_override", a: 2, b: 3 },
      { name: "stage_to_remove", after: "stage1_override", a: 2, b: 3 },
    ],
    [],
    failAt,
  );
  const base1 = mergeStages(
    "build_stages",
    nameStages("build_stages", [{ random: "anonymous", handler: "foo" }], failAt),
    [grandparent],
    failAt,
  );
  const base2 = mergeStages(
    "build_stages",
    [
      { name: "stage3_override", after: "stage1_override", a: 2, b: 3 },
      { name: "stage4_replace", after: "stage3_override", a: 2, b: 3 },
    ],
    [],
    failAt,
  );
  const merged = mergeStages(
    "build_stages",
    [
      { name: "stage1_override", a: 1 },
      { name: "stage3_override", mode: "override", a: 1 },
      { name: "stage_to_remove", mode: "remove" },
      { name: "stage4_replace", mode: "replace", a: 1 },
      { name: "stage_2_inserted", after: "stage1_override", before: "stage3_override", a: 1 },
    ],
    [base2, base1],
    failAt,
  );
  const byName = Object.fromEntries([...merged].sort(([a], [b]) => a < b ? -1 : 1));
  assert.deepEqual(byName, {
    __3gcv3kvebeam4h3qzok75lxxt5n3rzr7: {
      handler: "foo",
      name: "__3gcv3kvebeam4h3qzok75lxxt5n3rzr7",
      random: "anonymous",
    },
    stage1_override: { a: 1, b: 3, name: "stage1_override" },
    stage4_replace: { a: 1, name: "stage4_replace" },
    stage3_override: { a: 1, after: "stage1_override", b: 3, name: "stage3_override" },
    stage_2_inserted: {
      a: 1,
      after: "stage1_override",
      before: "stage3_override",
      name: "stage_2_inserted",
    },
  });
});

Deno.test("mergeStages() accumulates with mode update (test_update_mode)", () => {
  const merged = mergeStages(
    "build_stages",
    [
      { name: "configure" },
      {
        name: "configure",
        mode: "update",
        append: { LDFLAGS: "--overridden-flag" },
        extra: ["--without-ensurepip"],
      },
      {
        name: "configure",
        mode: "update",
        append: { LDFLAGS: "-Wl,-rpath,${ARTIFACT}/lib" },
        extra: ["--enable-shared"],
      },
      { name: "configure", mode: "update", extra: ["--enable-framework=${ARTIFACT}"] },
    ],
    [],
    failAt,
  );
  assert.deepEqual([...merged.values()], [{
    name: "configure",
    append: { LDFLAGS: "-Wl,-rpath,${ARTIFACT}/lib" },
    extra: ["--without-ensurepip", "--enable-shared", "--enable-framework=${ARTIFACT}"],
  }]);
});

Deno.test("mergeStages() keeps the parent's scalar and merges mappings in mode update", () => {
  const parent = table([{ name: "b", bash: "echo b", extra: ["x"], opts: { k1: "v1" } }]);
  const merged = mergeStages(
    "build_stages",
    [
      {
        name: "b",
        mode: "update",
        extra: ["y"],
        opts: { k2: "v2" },
        bash: "echo IGNORED",
        debug: true,
      },
    ],
    [parent],
    failAt,
  );
  assert.deepEqual(merged.get("b"), {
    name: "b",
    bash: "echo b",
    extra: ["x", "y"],
    opts: { k1: "v1", k2: "v2" },
    debug: true,
  });
  assert.deepEqual(parent.get("b"), {
    name: "b",
    bash: "echo b",
    extra: ["x"],
    opts: { k1: "v1" },
  });
});

Deno.test("mergeStages() rejects mode update without a parent stage", () => {
  const failure = catchFailure(() =>
    mergeStages("build_stages", [{ name: "a" }, { name: "b", mode: "update", x: 1 }], [], failAt)
  );
  assert.match(failure.message, /stage "b" has mode "update" but no parent defines it/);
  assert.deepEqual(failure.path, ["build_stages", 1]);
});

Deno.test("mergeStages() rejects appending a list to a plain-string after", () => {
  const parent = table([{ name: "b", after: "a" }]);
  const failure = catchFailure(() =>
    mergeStages("build_stages", [{ name: "b", mode: "update", after: ["c"] }], [parent], failAt)
  );
  assert.match(
    failure.message,
    /cannot append a list to "after", which the parent wrote as the string "a"/,
  );
  assert.deepEqual(failure.path, ["build_stages", 0]);
});

Deno.test("mergeStages() rejects merging a mapping into a non-mapping in mode update", () => {
  const parent = table([{ name: "b", opts: "plain" }]);
  const failure = catchFailure(() =>
    mergeStages("build_stages", [{ name: "b", mode: "update", opts: { k: 1 } }], [parent], failAt)
  );
  assert.match(failure.message, /cannot merge a mapping into "opts"/);
});

Deno.test("mergeStages() ignores removing a stage nobody defines", () => {
  const merged = mergeStages("profile_links", [{ name: "gone", mode: "remove" }], [], failAt);
  assert.equal(merged.size, 0);
});

Deno.test("mergeStages() rejects an unknown mode at its key", () => {
  const failure = catchFailure(() =>
    mergeStages("build_stages", [{ name: "a", mode: "append" }], [], failAt)
  );
  assert.match(failure.message, /stage "a" has unknown mode the string "append"/);
  assert.deepEqual(failure.path, ["build_stages", 0, "mode"]);
});

Deno.test("mergeStages() rejects a stage name two direct parents define (test_inheritance_collision)", () => {
  const failure = catchFailure(() =>
    mergeStages(
      "build_stages",
      [],
      [table([{ name: "stage1" }]), table([{ name: "stage1" }])],
      failAt,
    )
  );
  assert.match(failure.message, /stage "stage1" of "build_stages" is defined by two parents/);
});

Deno.test("orderStages() sorts topologically and drops name, before, after (test_topological_stage_sort)", () => {
  const ordered = orderStages(
    "build_stages",
    table([
      { name: "z", value: "z" },
      { name: "a", value: "a", before: ["c", "b"] },
      { name: "c", value: "c" },
      { name: "b", value: "b" },
      { name: "aa", value: "aa", before: "c", after: "b" },
    ]),
    failAt,
  );
  assert.deepEqual(ordered, [
    { name: "a", stage: { value: "a" } },
    { name: "b", stage: { value: "b" } },
    { name: "aa", stage: { value: "aa" } },
    { name: "c", stage: { value: "c" } },
    { name: "z", stage: { value: "z" } },
  ]);
});

Deno.test("orderStages() gives the order of test_order_stages", () => {
  const ordered = orderStages(
    "build_stages",
    table([
      { a: 1, after: "stage1_override", before: "stage3_override", name: "stage_2_inserted" },
      { a: 1, name: "stage4_replace" },
      { a: 1, b: 3, name: "stage1_override" },
      { a: 1, after: "stage1_override", b: 3, name: "stage3_override" },
    ]),
    failAt,
  );
  assert.deepEqual(ordered.map(({ name }) => name), [
    "stage1_override",
    "stage_2_inserted",
    "stage3_override",
    "stage4_replace",
  ]);
});

Deno.test("orderStages() sorts by code point: digits, upper case, generated, lower case", () => {
  const ordered = orderStages(
    "build_stages",
    table([{ name: "b" }, { name: "__x" }, { name: "B" }, { name: "1" }, { name: "__2" }]),
    failAt,
  );
  assert.deepEqual(ordered.map(({ name }) => name), ["1", "B", "__2", "__x", "b"]);
});

Deno.test("orderStages() visits after-lists in sorted order", () => {
  const ordered = orderStages(
    "build_stages",
    table([{ name: "a", after: ["z", "m"] }, { name: "z" }, { name: "m", after: "y" }, {
      name: "y",
    }]),
    failAt,
  );
  assert.deepEqual(ordered.map(({ name }) => name), ["y", "m", "z", "a"]);
});

Deno.test("orderStages() rejects a reference to a stage that does not exist", () => {
  const before = catchFailure(() =>
    orderStages("build_stages", table([{ name: "a", before: "ghost" }]), failAt)
  );
  assert.match(
    before.message,
    /stage "a" in "build_stages" is before "ghost", which does not exist/,
  );
  assert.deepEqual(before.path, ["build_stages"]);
  const after = catchFailure(() =>
    orderStages("profile_links", table([{ name: "a", after: ["ghost"] }]), failAt)
  );
  assert.match(
    after.message,
    /stage "a" in "profile_links" is after "ghost", which does not exist/,
  );
});

Deno.test("orderStages() rejects a cycle and names it", () => {
  const failure = catchFailure(() =>
    orderStages(
      "build_stages",
      table([{ name: "a", after: "c" }, { name: "b", after: "a" }, {
        name: "c",
        before: "a",
        after: "b",
      }]),
      failAt,
    )
  );
  assert.match(failure.message, /stages of "build_stages" form a cycle: a -> c -> b -> a/);
});

Deno.test("orderStages() rejects before or after that is not a name or list of names", () => {
  const failure = catchFailure(() =>
    orderStages("build_stages", table([{ name: "a", after: { b: 1 } }]), failAt)
  );
  assert.match(
    failure.message,
    /"after" of stage "a" in "build_stages" must be a name or a list of names/,
  );
});

Deno.test("orderStages() leaves the merged table unchanged", () => {
  const stages = table([{ name: "a", before: "b" }, { name: "b", after: [] }]);
  orderStages("build_stages", stages, failAt);
  assert.deepEqual([...stages.values()], [{ name: "a", before: "b" }, { name: "b", after: [] }]);
});
