import assert from "node:assert/strict";
import { petscConfigure } from "../../../src/spec/handlers/petsc.ts";
import type { Params, ValueMap } from "../../../src/spec/values.ts";
import { GOLDEN_LINUX_PARAMS } from "./_golden.ts";

// The configure stage of pkgs/petsc/petsc.yaml under golden-linux: `coptflags`, `link` and
// `download` unset, `debug` from petsc's defaults.
const GOLDEN_ARGS: ValueMap = {
  name: "configure",
  mode: "replace",
  after: "prologue",
  coptflags: null,
  link: null,
  debug: false,
  download: [],
  handler: "configure",
};

function run(deps: string[], options: { args?: ValueMap; params?: Params } = {}): string[] {
  return petscConfigure({
    args: { ...GOLDEN_ARGS, ...options.args },
    params: options.params ?? { platform: "linux", fortran: true },
    deps,
  });
}

/** The lines between the fixed head and the dependency options, without continuations. */
function options(lines: string[]): string[] {
  return lines.slice(2).map((line) => line.replace(/^ {2}/, "").replace(/ \\$/, ""));
}

Deno.test("petscConfigure() renders the golden-linux example of §3.5.6", () => {
  const lines = petscConfigure({
    args: GOLDEN_ARGS,
    params: GOLDEN_LINUX_PARAMS,
    deps: ["BLAS", "MPI", "PATCHELF", "PYTHON"],
  });
  assert.deepEqual(lines, [
    "mkdir ${PWD}/_tmp && TMPDIR=${PWD}/_tmp \\",
    '  ./configure --prefix="${ARTIFACT}" \\',
    "  --with-debugging=0 \\",
    "  --with-ssl=0 \\",
    "  --with-blas-dir=$BLAS_DIR \\",
    "  --with-lapack-dir=$LAPACK_DIR \\",
    "  --with-mpi-compilers \\",
    "  CC=$MPICC \\",
    "  CXX=$MPICXX \\",
    "  F77=$MPIF77 \\",
    "  F90=$MPIF90 \\",
    "  FC=$MPIF90 \\",
    "  --with-patchelf-dir=$PATCHELF_DIR \\",
    "  --with-python-dir=$PYTHON_DIR",
  ]);
});

Deno.test("petscConfigure() turns off Fortran for MPI when fortran is false", () => {
  assert.deepEqual(options(run(["MPI"], { params: { platform: "linux", fortran: false } })), [
    "--with-debugging=0",
    "--with-ssl=0",
    "--with-blas-dir=$BLAS_DIR",
    "--with-lapack-dir=$LAPACK_DIR",
    "--with-mpi-compilers",
    "CC=$MPICC",
    "CXX=$MPICXX",
    "--with-fc=0",
  ]);
});

Deno.test("petscConfigure() writes coptflags, link, debug and stripped download items", () => {
  const lines = run([], {
    args: { coptflags: "-O2", link: "shared", debug: true, download: [" ml", "hypre "] },
  });
  assert.deepEqual(options(lines), [
    "COPTFLAGS=-O2",
    "--with-shared-libraries=1",
    "--with-debugging=1",
    "--with-ssl=0",
    "--with-blas-dir=$BLAS_DIR",
    "--with-lapack-dir=$LAPACK_DIR",
    "--download-ml=1",
    "--download-hypre=1",
  ]);
  const staticLink = options(run([], { args: { link: "static", debug: 0 } }));
  assert.deepEqual(staticLink.slice(0, 2), ["--with-shared-libraries=0", "--with-debugging=0"]);
});

Deno.test("petscConfigure() gives the special dependencies their own options", () => {
  const deps = ["HYPRE", "OPENBLAS", "OPENSSL", "PARMETIS", "SCOTCH", "SUITESPARSE", "TRILINOS"];
  assert.deepEqual(options(run(deps)), [
    "--with-debugging=0",
    "--with-ssl=1",
    "--with-ssl-dir=${OPENSSL_DIR}",
    "--with-blas-lapack-lib=${OPENBLAS_DIR}/lib/libopenblas.so",
    "--with-metis-dir=$PARMETIS_DIR",
    "--with-parmetis-dir=$PARMETIS_DIR",
    "--with-scotch-dir=${SCOTCH_DIR}",
    "--with-ptscotch-dir=${SCOTCH_DIR}",
    "--with-ml=1",
    "--with-ml-lib=${TRILINOS_DIR}/lib/libml.so",
    "--with-ml-include=${TRILINOS_DIR}/include/trilinos",
    "--with-suitesparse=1",
    "--with-suitesparse-include=${SUITESPARSE_DIR}/include/suitesparse",
    "--with-suitesparse-lib=[${SUITESPARSE_DIR}/lib/libumfpack.a,libklu.a,libcholmod.a,libbtf.a,libccolamd.a,libcolamd.a,libcamd.a,libamd.a,libsuitesparseconfig.a]",
    "--with-hypre=1",
    "--with-hypre-include=${HYPRE_DIR}/include",
    "--with-hypre-lib=${HYPRE_DIR}/lib/libHYPRE.so",
    "--with-openssl-dir=$OPENSSL_DIR",
  ]);
});

Deno.test("petscConfigure() picks Darwin libraries and drops BLAS directories on Darwin", () => {
  const params = { platform: "Darwin", fortran: false };
  const darwin = options(run(["HYPRE", "OPENBLAS", "TRILINOS"], { params }));
  assert.ok(darwin.includes("--with-blas-lapack-lib=${OPENBLAS_DIR}/lib/libopenblas.dylib"));
  assert.ok(darwin.includes("--with-ml-lib=${TRILINOS_DIR}/lib/libml.dylib"));
  assert.ok(darwin.includes("--with-hypre-lib=${HYPRE_DIR}/lib/libHYPRE.a"));
  assert.deepEqual(options(run(["BLAS", "LAPACK", "GNU_SED"], { params })), [
    "--with-debugging=0",
    "--with-ssl=0",
    "--with-gnu_sed-dir=$GNU_SED_DIR",
  ]);
});

Deno.test("petscConfigure() adds the batch flags of CrayXE6 and SGIICEX", () => {
  const params = { platform: "linux", fortran: true, DYNAMIC_EXE_LINKER_FLAGS: "-dynamic" };
  const known = [
    "--with-batch",
    "--known-level1-dcache-size=16384",
    "--known-level1-dcache-linesize=64",
    "--known-level1-dcache-assoc=4",
    "--known-memcmp-ok=1",
    "--known-sizeof-char=1",
    "--known-sizeof-void-p=8",
    "--known-sizeof-short=2",
    "--known-sizeof-int=4",
    "--known-sizeof-long=8",
    "--known-sizeof-long-long=8",
    "--known-sizeof-float=4",
    "--known-sizeof-double=8",
    "--known-sizeof-size_t=8",
    "--known-bits-per-byte=8",
    "--known-sizeof-MPI_Comm=4",
    "--known-sizeof-MPI_Fint=4",
    "--known-mpi-long-double=1",
    "--known-mpi-c-double-complex=1",
    "--known-mpi-int64_t=1",
    "--with-pthread=1",
  ];
  const tail = [
    "--with-debugging=0",
    "--with-ssl=0",
    "--with-blas-dir=$BLAS_DIR",
    "--with-lapack-dir=$LAPACK_DIR",
  ];
  assert.deepEqual(options(run([], { params: { ...params, machine: "CrayXE6" } })), [
    "LDFLAGS=-dynamic",
    "--known-mpi-shared-libraries=1",
    ...known,
    ...tail,
  ]);
  assert.deepEqual(options(run([], { params: { ...params, machine: "SGIICEX" } })), [
    "LDFLAGS=-dynamic",
    "--known-mpi-shared-libraries=1",
    "--with-pic",
    ...known,
    "--with-blas-lapack-lib=[mkl_rt]",
    ...tail,
  ]);
  assert.deepEqual(options(run([], { params: { ...params, machine: "other" } })), tail);
});

Deno.test("petscConfigure() fails on a stage without coptflags, link, debug or download", () => {
  for (const key of ["coptflags", "link", "debug", "download"]) {
    const args = { ...GOLDEN_ARGS };
    delete args[key];
    assert.throws(
      () => petscConfigure({ args, params: GOLDEN_LINUX_PARAMS, deps: [] }),
      { name: "HitError", message: `handler "configure" needs stage key "${key}"` },
    );
  }
});

Deno.test("petscConfigure() fails on a null or string debug", () => {
  assert.throws(() => run([], { args: { debug: "false" } }), {
    name: "HitError",
    message: 'handler "configure" needs stage key "debug" to be true or false: got "false"',
    hint: "a parameter given on the command line is a string; set debug in the profile",
  });
  assert.throws(() => run([], { args: { debug: null } }), {
    name: "HitError",
    message: 'handler "configure" needs stage key "debug" to be true or false: got null',
  });
});

Deno.test("petscConfigure() fails on a download that is not a list", () => {
  assert.throws(() => run([], { args: { download: null } }), {
    name: "HitError",
    message: 'handler "configure" needs stage key "download" to be a list: got null',
  });
});

Deno.test("petscConfigure() fails without the parameters it reads", () => {
  assert.throws(() => run([], { params: {} }), {
    name: "HitError",
    message: 'handler "configure" needs parameter "platform"',
  });
  assert.throws(() => run(["MPI"], { params: { platform: "linux" } }), {
    name: "HitError",
    message: 'handler "configure" needs parameter "fortran"',
  });
  assert.throws(() => run([], { params: { platform: "linux", machine: "CrayXE6" } }), {
    name: "HitError",
    message: 'handler "configure" needs parameter "DYNAMIC_EXE_LINKER_FLAGS"',
  });
});
