import assert from "node:assert/strict";
import { autotoolsConfigure } from "../../../src/spec/handlers/autotools.ts";
import type { ValueMap } from "../../../src/spec/values.ts";
import { assertBlockIn, GOLDEN_LINUX_PARAMS, loadGolden } from "./_golden.ts";

function stage(args: ValueMap): ValueMap {
  return { name: "configure", after: "prologue", handler: "configure", ...args };
}

Deno.test("autotoolsConfigure() renders the mpfr example of §3.5.2", async () => {
  const golden = await loadGolden("mpfr");
  assert.deepEqual(golden.deps, ["GMP", "PATCHELF"]);
  const lines = autotoolsConfigure({
    args: stage({ mode: "override", extra: ["--with-gmp=${GMP_DIR}"] }),
    params: GOLDEN_LINUX_PARAMS,
    deps: golden.deps,
  });
  assert.deepEqual(lines, [
    "(",
    'export CPPFLAGS="-I${GMP_DIR}/include -I${PATCHELF_DIR}/include"',
    'export LDFLAGS="-L${GMP_DIR}/lib -Wl,-rpath=${GMP_DIR}/lib -L${PATCHELF_DIR}/lib -Wl,-rpath=${PATCHELF_DIR}/lib"',
    './configure --prefix="${ARTIFACT}" \\',
    '  "--with-gmp=${GMP_DIR}"',
    ")",
  ]);
  assertBlockIn(lines, golden.buildScript);
});

Deno.test("autotoolsConfigure() appends the stage's LDFLAGS (test_autotools)", async () => {
  const golden = await loadGolden("test_autotools");
  const lines = autotoolsConfigure({
    args: stage({ extra: ["--enable-shared"], append: { LDFLAGS: "-Wl,-rpath=${ARTIFACT}/lib" } }),
    params: GOLDEN_LINUX_PARAMS,
    deps: golden.deps,
  });
  assert.ok(lines[2].endsWith('-Wl,-rpath=${TEST_EMPTY_DIR}/lib -Wl,-rpath=${ARTIFACT}/lib"'));
  assertBlockIn(lines, golden.buildScript);
});

Deno.test("autotoolsConfigure() wraps in a subshell unless global_flags (gdb)", async () => {
  const golden = await loadGolden("gdb");
  const lines = autotoolsConfigure({
    args: stage({ global_flags: true, extra: ["--with-system-readline"] }),
    params: GOLDEN_LINUX_PARAMS,
    deps: golden.deps,
  });
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^export CPPFLAGS=/);
  assert.equal(lines[3], '  "--with-system-readline"');
  assertBlockIn(lines, golden.buildScript);
  const wrapped = autotoolsConfigure({
    args: stage({ global_flags: false, extra: ["--with-system-readline"] }),
    params: GOLDEN_LINUX_PARAMS,
    deps: golden.deps,
  });
  assert.deepEqual(wrapped, ["(", ...lines, ")"]);
});

Deno.test("autotoolsConfigure() ignores append variables other than CPPFLAGS and LDFLAGS (Q9)", () => {
  const lines = autotoolsConfigure({
    args: stage({ append: { CFLAGS: "-O3", CPPFLAGS: "-DX", LIBS: "-lm", LDFLAGS: "-lz" } }),
    params: { platform: "linux" },
    deps: ["A"],
  });
  assert.deepEqual(lines, [
    "(",
    'export CPPFLAGS="-I${A_DIR}/include -DX"',
    'export LDFLAGS="-L${A_DIR}/lib -Wl,-rpath=${A_DIR}/lib -lz"',
    './configure --prefix="${ARTIFACT}"',
    ")",
  ]);
});

Deno.test("autotoolsConfigure() keeps a double and a trailing space off linux", () => {
  const lines = autotoolsConfigure({
    args: stage({}),
    params: { platform: "Darwin" },
    deps: ["A", "B"],
  });
  assert.equal(lines[2], 'export LDFLAGS="-L${A_DIR}/lib  -L${B_DIR}/lib "');
});

Deno.test("autotoolsConfigure() leaves out the exports when set_env_flags is false", () => {
  const lines = autotoolsConfigure({
    args: stage({ set_env_flags: false, append: { LDFLAGS: "-lz" } }),
    params: {},
    deps: ["A"],
  });
  assert.deepEqual(lines, ["(", './configure --prefix="${ARTIFACT}"', ")"]);
});

Deno.test("autotoolsConfigure() exports empty flags without dependencies", () => {
  const lines = autotoolsConfigure({ args: stage({}), params: {}, deps: [] });
  assert.deepEqual(lines.slice(1, 3), ['export CPPFLAGS=""', 'export LDFLAGS=""']);
});

Deno.test("autotoolsConfigure() quotes extra items after str() and honours configure_path", () => {
  const lines = autotoolsConfigure({
    args: stage({
      configure_path: "src",
      extra: ["--with-x=${X_DIR}", 1, true, null],
      set_env_flags: false,
    }),
    params: {},
    deps: [],
  });
  assert.deepEqual(lines, [
    "(",
    'src/configure --prefix="${ARTIFACT}" \\',
    '  "--with-x=${X_DIR}" "1" "True" "null"',
    ")",
  ]);
  const empty = autotoolsConfigure({
    args: stage({ configure_path: "", set_env_flags: false }),
    params: {},
    deps: [],
  });
  assert.equal(empty[1], 'configure --prefix="${ARTIFACT}"');
});

Deno.test("autotoolsConfigure() writes an empty extra line for an empty extra list", () => {
  const lines = autotoolsConfigure({
    args: stage({ extra: [], set_env_flags: false }),
    params: {},
    deps: [],
  });
  assert.deepEqual(lines, ["(", './configure --prefix="${ARTIFACT}" \\', "  ", ")"]);
});

Deno.test("autotoolsConfigure() fails without platform when dependencies need it", () => {
  assert.throws(() => autotoolsConfigure({ args: stage({}), params: {}, deps: ["A"] }), {
    name: "HitError",
    message: 'handler "configure" needs parameter "platform"',
  });
});

Deno.test("autotoolsConfigure() rejects a malformed append, extra or configure_path", () => {
  const params = { platform: "linux" };
  assert.throws(() => autotoolsConfigure({ args: stage({ append: null }), params, deps: [] }), {
    name: "HitError",
    message: 'handler "configure" needs stage key "append" to be a mapping: got null',
  });
  assert.throws(() => autotoolsConfigure({ args: stage({ extra: "--x" }), params, deps: [] }), {
    name: "HitError",
    message: 'handler "configure" needs stage key "extra" to be a list: got "--x"',
  });
  assert.throws(
    () => autotoolsConfigure({ args: stage({ configure_path: 3 }), params, deps: [] }),
    {
      name: "HitError",
      message: 'handler "configure" needs stage key "configure_path" to be a string: got 3',
    },
  );
});
