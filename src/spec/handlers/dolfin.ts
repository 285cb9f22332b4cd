/**
 * The `configure` handler of `pkgs/dolfin/dolfin` (HASHDIST.md §3.5.4): a `${CMAKE}` line
 * that switches DOLFIN's optional components on or off by which build dependencies are
 * present, in a subshell. Pure.
 */
import { pyStr, pyTruthy } from "../values.ts";
import type { HandlerContext } from "./handler.ts";
import { argOr, cont, envFlagLines, requireParam } from "./_flags.ts";

// CGAL is listed twice in the original, so its switch is emitted twice.
const OPTIONAL_COMPONENTS = [
  "CGAL",
  "HDF5",
  "PETSC",
  "PETSC4PY",
  "SLEPC",
  "TRILINOS",
  "PASTIX",
  "SCOTCH",
  "PARMETIS",
  "CGAL",
  "ZLIB",
  "PYTHON",
  "SPHINX",
  "VTK",
  "QT",
];

const SUITESPARSE_COMPONENTS = ["UMFPACK", "CHOLMOD", "AMD", "CAMD", "COLAMD", "CCOLAMD"];

/**
 * The DOLFIN cmake lines. `extra` and `builddir` are not honoured.
 * @throws {HitError} when `platform` is not set
 */
export function dolfinConfigure(ctx: HandlerContext): string[] {
  const platform = requireParam(ctx, "platform");
  const has = (dep: string) => ctx.deps.includes(dep);
  const lines = [
    '${CMAKE} -D CMAKE_INSTALL_PREFIX:PATH="${ARTIFACT}"',
    '-D CMAKE_INSTALL_RPATH:STRING="${ARTIFACT}/lib"',
    "-D CMAKE_INSTALL_RPATH_USE_LINK_PATH:BOOL=ON",
    "-D DOLFIN_ENABLE_DOCS:BOOL=OFF",
    '-D PKG_CONFIG_EXECUTABLE:FILEPATH="${PKG_CONFIG_EXECUTABLE}"',
    '-D EIGEN3_INCLUDE_DIR:PATH="${EIGEN_DIR}/include/eigen3"',
    '-D BOOST_ROOT:PATH="${BOOST_DIR}"',
    "-D Boost_USE_MULTITHREADED:BOOL=${BOOST_USE_MULTITHREADED}",
    "-D DOLFIN_ENABLE_UNIT_TESTS:BOOL=OFF",
    `-D CMAKE_PREFIX_PATH="${ctx.deps.map((dep) => `\${${dep}_DIR}`).join(";")}"`,
  ];
  if (platform === "Darwin") lines.push("-D CMAKE_MACOSX_RPATH:BOOL=ON");
  if (platform === "Cygwin") {
    lines.push(
      '-D LIBXML2_LIBRARIES:FILEPATH="${LIBXML2_DIR}/lib/libxml2.dll.a"',
      '-D LIBXML2_INCLUDE_DIR:PATH="${LIBXML2_DIR}/include/libxml2"',
    );
  }
  const buildType = argOr(ctx.args, "build_type", null);
  lines.push(`-D CMAKE_BUILD_TYPE:STRING="${buildType === null ? "Release" : pyStr(buildType)}"`);
  if (has("CGAL")) lines.push("-D CGAL_DISABLE_ROUNDING_MATH_CHECK:BOOL=ON");
  if (has("SWIG")) lines.push('-D SWIG_EXECUTABLE:FILEPATH="${SWIG_EXECUTABLE}"');
  if (has("PYTHON")) {
    lines.push(
      '-D PYTHON_EXECUTABLE:FILEPATH="${PYTHON}"',
      '-D PYTHON_INCLUDE_DIR:PATH="${PYTHON_DIR}/include/python${PYVER}"',
    );
  }
  if (has("HDF5")) {
    lines.push(
      '-D HDF5_INCLUDE_DIRS="${HDF5_DIR}/include"',
      '-D HDF5_ROOT:PATH="${HDF5_DIR}"',
      '-D HDF5_C_COMPILER_EXECUTABLE="${HDF5_DIR}/bin/h5pcc"',
    );
  }
  if (has("SUITESPARSE")) {
    lines.push("-D DOLFIN_ENABLE_UMFPACK:BOOL=ON", "-D DOLFIN_ENABLE_CHOLMOD:BOOL=ON");
    for (const name of SUITESPARSE_COMPONENTS) {
      lines.push(`-D ${name}_DIR:PATH="\${SUITESPARSE_DIR}"`);
    }
  } else {
    lines.push("-D DOLFIN_ENABLE_UMFPACK:BOOL=OFF", "-D DOLFIN_ENABLE_CHOLMOD:BOOL=OFF");
  }
  if (has("OPENBLAS")) {
    const lib = `\${OPENBLAS_DIR}/lib/libopenblas.${platform === "Darwin" ? "dylib" : "so"}`;
    lines.push(`-D LAPACK_LIBRARIES:FILEPATH="${lib}"`, `-D BLAS_LIBRARIES:FILEPATH="${lib}"`);
  }
  if (has("ZLIB")) lines.push('-D ZLIB_ROOT="${ZLIB_DIR}"');
  for (const name of OPTIONAL_COMPONENTS) {
    if (has(name)) {
      lines.push(`-D DOLFIN_ENABLE_${name}:BOOL=ON`, `-D ${name}_DIR:PATH="\${${name}_DIR}"`);
    } else {
      lines.push(`-D DOLFIN_ENABLE_${name}:BOOL=OFF`);
    }
  }
  lines.push(pyTruthy(argOr(ctx.args, "build_in_source", false)) ? "." : "..");
  return ["(", ...envFlagLines(ctx), ...cont(lines), ")"];
}
