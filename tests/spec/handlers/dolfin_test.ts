import assert from "node:assert/strict";
import { dolfinConfigure } from "../../../src/spec/handlers/dolfin.ts";
import type { Params, ValueMap } from "../../../src/spec/values.ts";
import { assertBlockIn, GOLDEN_LINUX_PARAMS, loadGolden } from "./_golden.ts";

// The configure stage of pkgs/dolfin/dolfin.yaml under golden-linux (`build_type` unset).
const GOLDEN_ARGS: ValueMap = {
  name: "configure",
  mode: "replace",
  after: "set_python_version",
  build_type: null,
  handler: "configure",
};

function run(deps: string[], options: { args?: ValueMap; params?: Params } = {}): string[] {
  return dolfinConfigure({
    args: { ...GOLDEN_ARGS, set_env_flags: false, ...options.args },
    params: options.params ?? { platform: "linux" },
    deps,
  });
}

Deno.test("dolfinConfigure() reproduces the dolfin golden build script", async () => {
  const golden = await loadGolden("dolfin");
  const lines = dolfinConfigure({
    args: GOLDEN_ARGS,
    params: GOLDEN_LINUX_PARAMS,
    deps: golden.deps,
  });
  assert.equal(lines[0], "(");
  assert.equal(lines.at(-1), ")");
  assertBlockIn(lines, golden.buildScript);
});

Deno.test("dolfinConfigure() emits CGAL's switch twice, as the original lists it twice", () => {
  const off = run([]).filter((line) => line.includes("DOLFIN_ENABLE_CGAL"));
  assert.deepEqual(off, [
    "  -D DOLFIN_ENABLE_CGAL:BOOL=OFF \\",
    "  -D DOLFIN_ENABLE_CGAL:BOOL=OFF \\",
  ]);
  const on = run(["CGAL"]).filter((line) => line.includes("CGAL"));
  assert.deepEqual(on, [
    '  -D CMAKE_PREFIX_PATH="${CGAL_DIR}" \\',
    "  -D CGAL_DISABLE_ROUNDING_MATH_CHECK:BOOL=ON \\",
    "  -D DOLFIN_ENABLE_CGAL:BOOL=ON \\",
    '  -D CGAL_DIR:PATH="${CGAL_DIR}" \\',
    "  -D DOLFIN_ENABLE_CGAL:BOOL=ON \\",
    '  -D CGAL_DIR:PATH="${CGAL_DIR}" \\',
  ]);
});

Deno.test("dolfinConfigure() enables the SuiteSparse, HDF5 and OpenBLAS paths", () => {
  const lines = run(["HDF5", "OPENBLAS", "SUITESPARSE"]);
  const start = lines.indexOf('  -D CMAKE_BUILD_TYPE:STRING="Release" \\');
  assert.deepEqual(lines.slice(start + 1, start + 16), [
    '  -D HDF5_INCLUDE_DIRS="${HDF5_DIR}/include" \\',
    '  -D HDF5_ROOT:PATH="${HDF5_DIR}" \\',
    '  -D HDF5_C_COMPILER_EXECUTABLE="${HDF5_DIR}/bin/h5pcc" \\',
    "  -D DOLFIN_ENABLE_UMFPACK:BOOL=ON \\",
    "  -D DOLFIN_ENABLE_CHOLMOD:BOOL=ON \\",
    '  -D UMFPACK_DIR:PATH="${SUITESPARSE_DIR}" \\',
    '  -D CHOLMOD_DIR:PATH="${SUITESPARSE_DIR}" \\',
    '  -D AMD_DIR:PATH="${SUITESPARSE_DIR}" \\',
    '  -D CAMD_DIR:PATH="${SUITESPARSE_DIR}" \\',
    '  -D COLAMD_DIR:PATH="${SUITESPARSE_DIR}" \\',
    '  -D CCOLAMD_DIR:PATH="${SUITESPARSE_DIR}" \\',
    '  -D LAPACK_LIBRARIES:FILEPATH="${OPENBLAS_DIR}/lib/libopenblas.so" \\',
    '  -D BLAS_LIBRARIES:FILEPATH="${OPENBLAS_DIR}/lib/libopenblas.so" \\',
    "  -D DOLFIN_ENABLE_CGAL:BOOL=OFF \\",
    "  -D DOLFIN_ENABLE_HDF5:BOOL=ON \\",
  ]);
});

Deno.test("dolfinConfigure() adds the Darwin and Cygwin settings", () => {
  const darwin = run(["OPENBLAS"], { params: { platform: "Darwin" } });
  assert.equal(darwin[11], "  -D CMAKE_MACOSX_RPATH:BOOL=ON \\");
  assert.ok(
    darwin.includes('  -D BLAS_LIBRARIES:FILEPATH="${OPENBLAS_DIR}/lib/libopenblas.dylib" \\'),
  );
  const cygwin = run([], { params: { platform: "Cygwin" } });
  assert.deepEqual(cygwin.slice(11, 14), [
    '  -D LIBXML2_LIBRARIES:FILEPATH="${LIBXML2_DIR}/lib/libxml2.dll.a" \\',
    '  -D LIBXML2_INCLUDE_DIR:PATH="${LIBXML2_DIR}/include/libxml2" \\',
    '  -D CMAKE_BUILD_TYPE:STRING="Release" \\',
  ]);
});

Deno.test("dolfinConfigure() honours build_type and build_in_source but not extra or builddir", () => {
  const lines = run([], {
    args: { build_type: "Debug", build_in_source: true, extra: ["-D X=1"], builddir: "b" },
  });
  assert.equal(lines[11], '  -D CMAKE_BUILD_TYPE:STRING="Debug" \\');
  assert.deepEqual(lines.slice(-2), ["  .", ")"]);
  assert.ok(!lines.some((line) => line.includes("-D X=1")));
  assert.equal(run([]).at(-2), "  ..");
});

Deno.test("dolfinConfigure() keeps the double and trailing space off linux", () => {
  const lines = run(["A", "B"], { args: { set_env_flags: true }, params: { platform: "Darwin" } });
  assert.equal(lines[2], 'export LDFLAGS="-L${A_DIR}/lib  -L${B_DIR}/lib "');
});

Deno.test("dolfinConfigure() fails without platform, even without dependencies", () => {
  assert.throws(() => run([], { params: {} }), {
    name: "HitError",
    message: 'handler "configure" needs parameter "platform"',
  });
});
