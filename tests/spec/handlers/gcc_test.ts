import assert from "node:assert/strict";
import { gccConfigure } from "../../../src/spec/handlers/gcc.ts";
import type { ValueMap } from "../../../src/spec/values.ts";
import { assertBlockIn, GOLDEN_LINUX_PARAMS, loadGolden } from "./_golden.ts";

// The configure stage of pkgs/gcc/gcc.yaml, inherited unchanged from autotools_package.
const ARGS: ValueMap = { name: "configure", after: "prologue", handler: "configure" };

Deno.test("gccConfigure() reproduces the gcc golden build script", async () => {
  const golden = await loadGolden("gcc");
  const lines = gccConfigure({ args: ARGS, params: GOLDEN_LINUX_PARAMS, deps: golden.deps });
  assert.match(lines[0], /^export CPPFLAGS=/);
  assert.equal(lines[2], "./configure --prefix=${ARTIFACT} \\");
  assertBlockIn(lines, golden.buildScript);
});

Deno.test("gccConfigure() has no exports, linux options or subshell off linux", () => {
  const lines = gccConfigure({ args: ARGS, params: { platform: "Darwin" }, deps: ["GMP", "ZLIB"] });
  assert.deepEqual(lines, [
    "./configure --prefix=${ARTIFACT} \\",
    "  --enable-checking=release \\",
    "  --enable-languages=fortran,c,c++ \\",
    '  --with-local-prefix="${ARTIFACT}" \\',
    '  --with-gmp="${GMP_DIR}"',
  ]);
});

Deno.test("gccConfigure() puts the unquoted extra line right after the prefix", () => {
  const lines = gccConfigure({
    args: { ...ARGS, configure_path: "../src", extra: ["--enable-lto", 1] },
    params: { platform: "Darwin" },
    deps: [],
  });
  assert.deepEqual(lines.slice(0, 3), [
    "../src/configure --prefix=${ARTIFACT} \\",
    "  --enable-lto 1 \\",
    "  --enable-checking=release \\",
  ]);
});

Deno.test("gccConfigure() keeps the linux options but drops the flags without set_env_flags", () => {
  const lines = gccConfigure({
    args: { ...ARGS, set_env_flags: false },
    params: { platform: "linux" },
    deps: ["MPFR"],
  });
  assert.deepEqual(lines.slice(4), [
    '  --with-mpfr="${MPFR_DIR}" \\',
    "  --enable-clocale=gnu \\",
    "  --enable-__cxa_atexit \\",
    "  --enable-shared \\",
    "  --enable-threads=posix \\",
    "  --disable-multilib \\",
    '  --libdir="${ARTIFACT}"/lib',
  ]);
});

Deno.test("gccConfigure() fails without platform, even without dependencies", () => {
  assert.throws(() => gccConfigure({ args: ARGS, params: {}, deps: [] }), {
    name: "HitError",
    message: 'handler "configure" needs parameter "platform"',
  });
});
