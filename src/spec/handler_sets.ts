/**
 * The built-in handler sets that replace HashDist's Python hook files (HASHDIST.md §1.4,
 * decision D-1), keyed by the used name of the spec file that had the hook. Data only.
 */
import type { Handler } from "./handlers/handler.ts";
import { autotoolsConfigure } from "./handlers/autotools.ts";
import { bash } from "./handlers/bash.ts";
import { cmakeConfigure } from "./handlers/cmake.ts";
import { dolfinConfigure } from "./handlers/dolfin.ts";
import { gccConfigure } from "./handlers/gcc.ts";
import { libflags } from "./handlers/libflags.ts";
import { petscConfigure } from "./handlers/petsc.ts";
import { qtConfigure } from "./handlers/qt.ts";

/**
 * The handlers each spec file brings, by used name. A package sees the built-in ones, then
 * its ancestors' sets in `all_parents` order, then its own; a later set wins.
 */
export const HANDLER_SETS: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  autotools_package: { configure: autotoolsConfigure },
  cmake_package: { configure: cmakeConfigure },
  libflags: { libflags },
  dolfin: { configure: dolfinConfigure },
  gcc: { configure: gccConfigure },
  petsc: { configure: petscConfigure },
  qt: { configure: qtConfigure },
};

/** The handlers every package has, whatever it extends. */
export const BUILT_IN_HANDLERS: Readonly<Record<string, Handler>> = { bash };
