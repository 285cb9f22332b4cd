import assert from "node:assert/strict";
import { libflags } from "../../../src/spec/handlers/libflags.ts";
import { assertBlockIn, GOLDEN_LINUX_PARAMS, loadGolden } from "./_golden.ts";

const ARGS = { name: "libflags", before: "prologue", handler: "libflags" };

Deno.test("libflags() exports the flags of every build dependency without a subshell", () => {
  const lines = libflags({ args: ARGS, params: { platform: "linux" }, deps: ["GMP", "MPC"] });
  assert.deepEqual(lines, [
    'export CPPFLAGS="-I${GMP_DIR}/include -I${MPC_DIR}/include"',
    'export LDFLAGS="-L${GMP_DIR}/lib -Wl,-rpath=${GMP_DIR}/lib -L${MPC_DIR}/lib -Wl,-rpath=${MPC_DIR}/lib"',
  ]);
});

Deno.test("libflags() reproduces the first stage of the gmpy golden build script", async () => {
  const golden = await loadGolden("gmpy");
  const lines = libflags({ args: ARGS, params: GOLDEN_LINUX_PARAMS, deps: golden.deps });
  assert.deepEqual(lines, [
    'export CPPFLAGS="-I${GMP_DIR}/include -I${MPC_DIR}/include -I${MPFR_DIR}/include -I${PATCHELF_DIR}/include -I${PYTHON_DIR}/include"',
    'export LDFLAGS="-L${GMP_DIR}/lib -Wl,-rpath=${GMP_DIR}/lib -L${MPC_DIR}/lib -Wl,-rpath=${MPC_DIR}/lib -L${MPFR_DIR}/lib -Wl,-rpath=${MPFR_DIR}/lib -L${PATCHELF_DIR}/lib -Wl,-rpath=${PATCHELF_DIR}/lib -L${PYTHON_DIR}/lib -Wl,-rpath=${PYTHON_DIR}/lib"',
  ]);
  // The stage runs before the prologue: right after the two fixed lines, then an empty line.
  assertBlockIn(["set -e", "export HDIST_IN_BUILD=yes", ...lines, ""], golden.buildScript);
});

Deno.test("libflags() leaves out rpath flags but keeps their separators off linux", () => {
  const lines = libflags({ args: ARGS, params: { platform: "Cygwin" }, deps: ["GMP", "MPC"] });
  assert.equal(lines[1], 'export LDFLAGS="-L${GMP_DIR}/lib  -L${MPC_DIR}/lib "');
});

Deno.test("libflags() exports empty flags without dependencies, even without platform", () => {
  assert.deepEqual(libflags({ args: ARGS, params: {}, deps: [] }), [
    'export CPPFLAGS=""',
    'export LDFLAGS=""',
  ]);
});

Deno.test("libflags() fails when dependencies need platform and it is not set", () => {
  assert.throws(() => libflags({ args: ARGS, params: {}, deps: ["GMP"] }), {
    name: "HitError",
    message: 'handler "libflags" needs parameter "platform"',
  });
});
