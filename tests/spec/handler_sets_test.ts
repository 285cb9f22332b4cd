import assert from "node:assert/strict";
import { BUILT_IN_HANDLERS, HANDLER_SETS } from "../../src/spec/handler_sets.ts";
import { autotoolsConfigure } from "../../src/spec/handlers/autotools.ts";
import { bash } from "../../src/spec/handlers/bash.ts";
import { cmakeConfigure } from "../../src/spec/handlers/cmake.ts";
import { dolfinConfigure } from "../../src/spec/handlers/dolfin.ts";
import { gccConfigure } from "../../src/spec/handlers/gcc.ts";
import { libflags } from "../../src/spec/handlers/libflags.ts";
import { petscConfigure } from "../../src/spec/handlers/petsc.ts";
import { qtConfigure } from "../../src/spec/handlers/qt.ts";

Deno.test("HANDLER_SETS maps the used names of §1.4 to their handlers", () => {
  assert.deepEqual(HANDLER_SETS, {
    autotools_package: { configure: autotoolsConfigure },
    cmake_package: { configure: cmakeConfigure },
    libflags: { libflags },
    dolfin: { configure: dolfinConfigure },
    gcc: { configure: gccConfigure },
    petsc: { configure: petscConfigure },
    qt: { configure: qtConfigure },
  });
});

Deno.test("BUILT_IN_HANDLERS holds only bash", () => {
  assert.deepEqual(BUILT_IN_HANDLERS, { bash });
});

Deno.test("HANDLER_SETS lets a package's own set override its ancestors'", () => {
  // dolfin extends cmake_package, which extends base_package (no set).
  const handlers = {
    ...BUILT_IN_HANDLERS,
    ...HANDLER_SETS.base_package,
    ...HANDLER_SETS.cmake_package,
    ...HANDLER_SETS.dolfin,
  };
  assert.equal(handlers.configure, dolfinConfigure);
  assert.equal(handlers.bash, bash);
  // gmpy extends distutils_package and libflags; only libflags brings a handler.
  const gmpy = {
    ...BUILT_IN_HANDLERS,
    ...HANDLER_SETS.distutils_package,
    ...HANDLER_SETS.libflags,
  };
  assert.deepEqual(Object.keys(gmpy).sort(), ["bash", "libflags"]);
});
