/**
 * The `configure` handler of `pkgs/petsc/petsc` (HASHDIST.md §3.5.6): PETSc's `./configure`
 * line, with batch flags for known machines and one option per build dependency. No
 * subshell and no exports. Pure.
 */
import { pyStr, pyTruthy } from "../values.ts";
import type { HandlerContext } from "./handler.ts";
import { cont, pyStrip, requireArg, requireParam, wrongType } from "./_flags.ts";

const BATCH_FLAGS = [
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

/** Dependencies with their own options above, skipped by the generic `--with-d-dir`. */
const SPECIAL_DEPENDENCIES = new Set([
  "BLAS",
  "HYPRE",
  "LAPACK",
  "OPENBLAS",
  "PARMETIS",
  "SCOTCH",
  "TRILINOS",
  "SUITESPARSE",
]);

const SUITESPARSE_LIBS = "[${SUITESPARSE_DIR}/lib/libumfpack.a,libklu.a,libcholmod.a," +
  "libbtf.a,libccolamd.a,libcolamd.a,libcamd.a,libamd.a,libsuitesparseconfig.a]";

/**
 * The PETSc configure lines.
 * @throws {HitError} when a stage key (`coptflags`, `link`, `debug`, `download`) or a needed
 * parameter (`platform`, `fortran`, `DYNAMIC_EXE_LINKER_FLAGS`) is missing or malformed
 */
export function petscConfigure(ctx: HandlerContext): string[] {
  const has = (dep: string) => ctx.deps.includes(dep);
  const coptflags = requireArg(ctx, "coptflags");
  const link = requireArg(ctx, "link");
  const debug = debugFlag(ctx);
  const download = requireArg(ctx, "download");
  if (!Array.isArray(download)) throw wrongType(ctx, "download", "a list");
  const darwin = requireParam(ctx, "platform") === "Darwin";

  const lines = ["mkdir ${PWD}/_tmp && TMPDIR=${PWD}/_tmp", './configure --prefix="${ARTIFACT}"'];
  lines.push(...batchFlags(ctx));
  if (pyTruthy(coptflags)) lines.push(`COPTFLAGS=${pyStr(coptflags)}`);
  if (pyTruthy(link)) lines.push(`--with-shared-libraries=${link === "shared" ? 1 : 0}`);
  lines.push(`--with-debugging=${debug}`);
  if (has("OPENSSL")) lines.push("--with-ssl=1", "--with-ssl-dir=${OPENSSL_DIR}");
  else lines.push("--with-ssl=0");
  if (has("OPENBLAS")) {
    lines.push(
      `--with-blas-lapack-lib=\${OPENBLAS_DIR}/lib/libopenblas.${darwin ? "dylib" : "so"}`,
    );
  } else if (!darwin) {
    lines.push("--with-blas-dir=$BLAS_DIR", "--with-lapack-dir=$LAPACK_DIR");
  }
  if (has("PARMETIS")) {
    lines.push("--with-metis-dir=$PARMETIS_DIR", "--with-parmetis-dir=$PARMETIS_DIR");
  }
  if (has("SCOTCH")) {
    lines.push("--with-scotch-dir=${SCOTCH_DIR}", "--with-ptscotch-dir=${SCOTCH_DIR}");
  }
  if (has("TRILINOS")) {
    lines.push(
      "--with-ml=1",
      `--with-ml-lib=\${TRILINOS_DIR}/lib/libml.${darwin ? "dylib" : "so"}`,
      "--with-ml-include=${TRILINOS_DIR}/include/trilinos",
    );
  }
  if (has("SUITESPARSE")) {
    lines.push(
      "--with-suitesparse=1",
      "--with-suitesparse-include=${SUITESPARSE_DIR}/include/suitesparse",
      `--with-suitesparse-lib=${SUITESPARSE_LIBS}`,
    );
  }
  if (has("HYPRE")) {
    lines.push(
      "--with-hypre=1",
      "--with-hypre-include=${HYPRE_DIR}/include",
      `--with-hypre-lib=\${HYPRE_DIR}/lib/libHYPRE.${darwin ? "a" : "so"}`,
    );
  }
  for (const dep of ctx.deps) {
    if (SPECIAL_DEPENDENCIES.has(dep)) continue;
    if (dep === "MPI") lines.push(...mpiFlags(ctx));
    else lines.push(`--with-${dep.toLowerCase()}-dir=$${dep}_DIR`);
  }
  for (const item of download) lines.push(`--download-${pyStrip(pyStr(item))}=1`);
  return cont(lines);
}

/**
 * `%d` of the stage's `debug`: a boolean or a number, as Python formats it.
 * @throws {HitError} when `debug` is missing, null or a string
 */
function debugFlag(ctx: HandlerContext): number {
  const debug = requireArg(ctx, "debug");
  if (typeof debug === "boolean") return debug ? 1 : 0;
  if (typeof debug === "number") return Math.trunc(debug);
  const error = wrongType(ctx, "debug", "true or false");
  if (typeof debug === "string") {
    error.hint = "a parameter given on the command line is a string; set debug in the profile";
  }
  throw error;
}

/**
 * The batch-mode flags of `P.get('machine', '')`: none for an unknown machine.
 * @throws {HitError} when the machine needs `DYNAMIC_EXE_LINKER_FLAGS` and it is not set
 */
function batchFlags(ctx: HandlerContext): string[] {
  const machine = ctx.params.machine;
  if (machine !== "CrayXE6" && machine !== "SGIICEX") return [];
  const ldflags = `LDFLAGS=${pyStr(requireParam(ctx, "DYNAMIC_EXE_LINKER_FLAGS"))}`;
  if (machine === "CrayXE6") {
    return [ldflags, "--known-mpi-shared-libraries=1", ...BATCH_FLAGS];
  }
  return [
    ldflags,
    "--known-mpi-shared-libraries=1",
    "--with-pic",
    ...BATCH_FLAGS,
    "--with-blas-lapack-lib=[mkl_rt]",
  ];
}

/**
 * The MPI compiler wrappers, with the Fortran ones when `fortran` is set.
 * @throws {HitError} when `fortran` is not set
 */
function mpiFlags(ctx: HandlerContext): string[] {
  const flags = ["--with-mpi-compilers", "CC=$MPICC", "CXX=$MPICXX"];
  if (pyTruthy(requireParam(ctx, "fortran"))) {
    flags.push("F77=$MPIF77", "F90=$MPIF90", "FC=$MPIF90");
  } else {
    flags.push("--with-fc=0");
  }
  return flags;
}
