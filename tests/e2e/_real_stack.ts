/**
 * The real stack of the end-to-end build tests: corpus specs (debian.yaml) over the shared
 * tarballs of `../shared/sources/`, each package's `sources:` overridden to a test server, and
 * helpers to run host programs and read `hit status --json`. Used by `build_stack_test.ts` and
 * `airgap_test.ts`. Test helper; touches only the folders it is given.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type CliResult, CORPUS_DIR, runCli, runProgram } from "./_run_cli.ts";
import type { SourceEntry } from "./_source_server.ts";

/**
 * The tarball of each package whose corpus source entry names another version; the test profile
 * overrides only their `sources:`.
 */
export const TARBALLS: Record<string, string> = {
  patchelf: "patchelf-0.14.3.tar.gz",
  zlib: "zlib_1.2.13.dfsg.orig.tar.bz2",
  png: "libpng1.6_1.6.39.orig.tar.gz",
  bzip2: "bzip2_1.0.8.orig.tar.gz",
  xz: "xz-utils_5.4.1.orig.tar.xz",
  libogg: "libogg_1.3.5.orig.tar.xz",
  libvorbis: "libvorbis_1.3.7.orig.tar.gz",
  libyaml: "libyaml_0.2.5.orig.tar.gz",
};

/** fftw2 keeps the corpus's source entry; its tarball comes from the mirror only. */
export const FFTW = "fftw_2.1.5.orig.tar.gz";
export const FFTW_CORPUS_KEY = "tar.gz:7acx7lq4px4lteiwpa7ph2kknjcfddkj";

/** debian.yaml's `HOST_MPICC`, which fftw2's configure uses through host-mpi. */
export const HOST_MPICC = "/usr/bin/mpicc";

// Debian's libyaml 0.2.5 tarball is a git export without a configure script, so the corpus's
// autotools spec cannot build it; this spec builds it with the CMake handler instead.
export const LIBYAML_SPEC = `extends: [cmake_package]

build_stages:
- name: configure
  extra: ['-DBUILD_SHARED_LIBS=ON']

when_build_dependency:
- prepend_path: PKG_CONFIG_PATH
  value: '\${ARTIFACT}/lib/pkgconfig'
`;

/** The packages the build test lists besides its source overrides: host MPI and CMake, fftw2. */
const HOST_PACKAGES = "  mpi:\n    use: host-mpi\n  cmake:\n    use: host-cmake\n  fftw2:\n";

/**
 * The test profile: debian.yaml (or `extendsFile`, which may be relative to the profile), the
 * test spec folder `specs` first, the `packages` entries (default: host MPI, CMake and fftw2),
 * and the source overrides.
 */
export function stackProfile(
  sources: Record<string, SourceEntry>,
  options: { extendsFile?: string; packages?: string } = {},
): string {
  const overrides = Object.entries(sources).map(([name, entry]) =>
    `  ${name}:\n    sources:\n    - key: ${entry.key}\n      url: ${entry.url}\n`
  );
  return `extends:
- file: ${options.extendsFile ?? join(CORPUS_DIR, "debian.yaml")}
package_dirs:
- specs
packages:
${options.packages ?? HOST_PACKAGES}${overrides.join("")}`;
}

/** A configuration whose source caches are the local one and the server's mirror. */
export function mirrorConfig(mirror: string): string {
  return `build_stores:
- dir: ./bld
build_temp: ./tmp
source_caches:
- dir: ./src
- url: ${mirror}
cache: ./cache
gc_roots: ./gcroots
`;
}

/** Runs a host program with only PATH set, so libraries resolve by their RUNPATH alone. */
export async function run(command: string, args: string[], cwd: string): Promise<CliResult> {
  return await runProgram(command, args, { cwd, env: { PATH: "/usr/bin:/bin", LC_ALL: "C" } });
}

/** `hit status PROFILE --json` as `name → artifact id`, asserting every package is built. */
export async function statusIds(
  cwd: string,
  profile = "stack.yaml",
): Promise<Record<string, string>> {
  const result = await runCli(["status", profile, "--json"], { cwd });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  const rows = JSON.parse(result.stdout) as { name: string; artifact_id: string; built: boolean }[];
  assert.deepEqual(rows.filter((row) => !row.built), []);
  return Object.fromEntries(rows.map((row) => [row.name, row.artifact_id]));
}

/** Fails with what to install when the host MPI that debian.yaml names is missing. */
export async function requireHostMpi(): Promise<void> {
  try {
    await Deno.stat(HOST_MPICC);
  } catch {
    throw new Error(
      `build a real stack: "${HOST_MPICC}" is missing (debian.yaml's HOST_MPICC, used by fftw2): ` +
        "install Debian's MPICH with `apt-get install mpich libmpich-dev`",
    );
  }
}
