import assert from "node:assert/strict";
import { qtConfigure } from "../../../src/spec/handlers/qt.ts";
import type { ValueMap } from "../../../src/spec/values.ts";
import { GOLDEN_LINUX_PARAMS } from "./_golden.ts";

// The configure stage of pkgs/qt/qt.yaml under golden-linux: `toolset` and `arch` unset.
const GOLDEN_ARGS: ValueMap = {
  name: "configure",
  after: "prologue",
  platform: null,
  arch: null,
  extra: [
    "-release",
    "-fast",
    "-nomake demos",
    "-nomake examples",
    "-no-audio-backend",
    "-no-dbus",
    "-no-multimedia",
    "-no-openssl",
    "-no-phonon",
    "-no-xinerama",
    "-no-scripttools",
    "-no-svg",
    "-no-declarative-debug",
    "-no-xvideo",
    "-qt-libjpeg",
    "-qt-libtiff",
    "-system-zlib",
    "-system-libpng",
    "-xmlpatterns",
    "-webkit",
    "-L${PNG_DIR}/lib",
    "-L${ZLIB_DIR}/lib",
    "-I${PNG_DIR}/include",
    "-I${ZLIB_DIR}/include",
  ],
  handler: "configure",
};

Deno.test("qtConfigure() renders the golden-linux example of §3.5.7", () => {
  const lines = qtConfigure({
    args: GOLDEN_ARGS,
    params: GOLDEN_LINUX_PARAMS,
    deps: ["PATCHELF", "PNG", "ZLIB"],
  });
  assert.deepEqual(lines, [
    "(",
    'export CPPFLAGS="-I${PATCHELF_DIR}/include -I${PNG_DIR}/include -I${ZLIB_DIR}/include"',
    'export LDFLAGS="-L${PATCHELF_DIR}/lib -Wl,-rpath=${PATCHELF_DIR}/lib -L${PNG_DIR}/lib -Wl,-rpath=${PNG_DIR}/lib -L${ZLIB_DIR}/lib -Wl,-rpath=${ZLIB_DIR}/lib"',
    "./configure --prefix=${ARTIFACT} -confirm-license -opensource \\",
    "  -release -fast -nomake demos -nomake examples -no-audio-backend -no-dbus -no-multimedia -no-openssl -no-phonon -no-xinerama -no-scripttools -no-svg -no-declarative-debug -no-xvideo -qt-libjpeg -qt-libtiff -system-zlib -system-libpng -xmlpatterns -webkit -L${PNG_DIR}/lib -L${ZLIB_DIR}/lib -I${PNG_DIR}/include -I${ZLIB_DIR}/include",
    ")",
  ]);
});

Deno.test("qtConfigure() adds platform and arch lines with their leading space", () => {
  const lines = qtConfigure({
    args: { ...GOLDEN_ARGS, extra: ["-release", 5], platform: "macx-g++", arch: "x86_64" },
    params: { platform: "Darwin" },
    deps: ["PNG"],
  });
  assert.deepEqual(lines, [
    "(",
    'export CPPFLAGS="-I${PNG_DIR}/include"',
    'export LDFLAGS="-L${PNG_DIR}/lib "',
    "./configure --prefix=${ARTIFACT} -confirm-license -opensource \\",
    "  -release 5 \\",
    "   -platform macx-g++ \\",
    "   -arch x86_64",
    ")",
  ]);
});

Deno.test("qtConfigure() skips falsy platform and arch and honours set_env_flags", () => {
  const lines = qtConfigure({
    args: {
      handler: "configure",
      platform: "",
      arch: "i386",
      configure_path: "src",
      set_env_flags: false,
    },
    params: {},
    deps: ["PNG"],
  });
  assert.deepEqual(lines, [
    "(",
    "src/configure --prefix=${ARTIFACT} -confirm-license -opensource \\",
    "   -arch i386",
    ")",
  ]);
});

Deno.test("qtConfigure() fails on a stage without platform or arch, naming the key", () => {
  for (const key of ["platform", "arch"]) {
    const args = { ...GOLDEN_ARGS };
    delete args[key];
    assert.throws(() => qtConfigure({ args, params: GOLDEN_LINUX_PARAMS, deps: [] }), {
      name: "HitError",
      message: `handler "configure" needs stage key "${key}"`,
    });
  }
});

Deno.test("qtConfigure() fails without platform when dependencies need it", () => {
  assert.throws(() => qtConfigure({ args: GOLDEN_ARGS, params: {}, deps: ["PNG"] }), {
    name: "HitError",
    message: 'handler "configure" needs parameter "platform"',
  });
});
