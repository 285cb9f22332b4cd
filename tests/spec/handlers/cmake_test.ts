import assert from "node:assert/strict";
import { cmakeConfigure } from "../../../src/spec/handlers/cmake.ts";
import type { ValueMap } from "../../../src/spec/values.ts";
import { assertBlockIn, GOLDEN_LINUX_PARAMS, loadGolden } from "./_golden.ts";

function stage(args: ValueMap): ValueMap {
  return { name: "configure", after: "setup_builddir", handler: "configure", debug: null, ...args };
}

const FIXED_LINES = [
  '${CMAKE} -DCMAKE_INSTALL_PREFIX:PATH="${ARTIFACT}" \\',
  "  -DCMAKE_POSITION_INDEPENDENT_CODE:BOOL=ON \\",
  '  -DCMAKE_INSTALL_RPATH:STRING="${ARTIFACT}/lib" \\',
  "  -DCMAKE_INSTALL_RPATH_USE_LINK_PATH:BOOL=ON \\",
];

Deno.test("cmakeConfigure() builds in the source directory with build_in_source (dftatom)", async () => {
  const golden = await loadGolden("dftatom");
  const lines = cmakeConfigure({
    args: stage({
      extra: [
        "-D WITH_PYTHON:BOOL=ON",
        "-D PYTHON_INSTALL_PATH:PATH=$ARTIFACT/lib/python2.7/site-packages",
      ],
      build_in_source: true,
    }),
    params: GOLDEN_LINUX_PARAMS,
    deps: golden.deps,
  });
  assert.deepEqual(lines.slice(-3), [
    "  -D WITH_PYTHON:BOOL=ON -D PYTHON_INSTALL_PATH:PATH=$ARTIFACT/lib/python2.7/site-packages \\",
    "  .",
    ")",
  ]);
  assertBlockIn(lines, golden.buildScript);
});

Deno.test("cmakeConfigure() always uses a subshell and defaults to Release in ..", () => {
  const lines = cmakeConfigure({
    args: stage({ global_flags: true }),
    params: { platform: "linux" },
    deps: ["A", "B"],
  });
  assert.deepEqual(lines, [
    "(",
    'export CPPFLAGS="-I${A_DIR}/include -I${B_DIR}/include"',
    'export LDFLAGS="-L${A_DIR}/lib -Wl,-rpath=${A_DIR}/lib -L${B_DIR}/lib -Wl,-rpath=${B_DIR}/lib"',
    ...FIXED_LINES,
    "  -DCMAKE_BUILD_TYPE:STRING=Release \\",
    '  -DCMAKE_PREFIX_PATH="${A_DIR};${B_DIR}" \\',
    "  ..",
    ")",
  ]);
});

Deno.test("cmakeConfigure() chooses Debug for a truthy debug", () => {
  for (const debug of [true, "false", 1]) {
    const lines = cmakeConfigure({ args: stage({ debug }), params: {}, deps: [] });
    assert.equal(lines[7], "  -DCMAKE_BUILD_TYPE:STRING=Debug \\");
  }
  const lines = cmakeConfigure({ args: stage({ debug: false }), params: {}, deps: [] });
  assert.equal(lines[7], "  -DCMAKE_BUILD_TYPE:STRING=Release \\");
});

Deno.test("cmakeConfigure() adds the OSX target, unquoted extra and builddir", () => {
  const lines = cmakeConfigure({
    args: stage({
      empty_osx_deployment_target: true,
      extra: ["-D A:BOOL=ON", 2, false],
      builddir: "../build",
      set_env_flags: false,
    }),
    params: { platform: "Darwin" },
    deps: [],
  });
  assert.deepEqual(lines, [
    "(",
    ...FIXED_LINES,
    "  -DCMAKE_BUILD_TYPE:STRING=Release \\",
    '  -DCMAKE_OSX_DEPLOYMENT_TARGET:STRING="" \\',
    '  -DCMAKE_PREFIX_PATH="" \\',
    "  -D A:BOOL=ON 2 False \\",
    "  ../build",
    ")",
  ]);
});

Deno.test("cmakeConfigure() keeps the double and trailing space off linux", () => {
  const lines = cmakeConfigure({
    args: stage({}),
    params: { platform: "Cygwin" },
    deps: ["A", "B"],
  });
  assert.equal(lines[2], 'export LDFLAGS="-L${A_DIR}/lib  -L${B_DIR}/lib "');
});

Deno.test("cmakeConfigure() fails on a stage without debug, naming the key", () => {
  const args = { name: "configure", handler: "configure" };
  assert.throws(() => cmakeConfigure({ args, params: { platform: "linux" }, deps: [] }), {
    name: "HitError",
    message: 'handler "configure" needs stage key "debug"',
    hint: 'give the stage the key "debug" (an empty value is fine)',
  });
});

Deno.test("cmakeConfigure() fails without platform when dependencies need it", () => {
  assert.throws(() => cmakeConfigure({ args: stage({}), params: {}, deps: ["A"] }), {
    name: "HitError",
    message: 'handler "configure" needs parameter "platform"',
  });
});
