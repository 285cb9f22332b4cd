import assert from "node:assert/strict";
import { join } from "node:path";
import { artifactDir } from "../../src/core/build_store.ts";
import { makeTempDir, runCli } from "./_run_cli.ts";
import { SOURCE_KEYS, SOURCES_DIR } from "../core/_source_fixtures.ts";
import { mirrorPackPath, type SourceEntry, startSourceServer } from "./_source_server.ts";
import {
  FFTW,
  FFTW_CORPUS_KEY,
  HOST_MPICC,
  LIBYAML_SPEC,
  mirrorConfig,
  requireHostMpi,
  run,
  stackProfile,
  statusIds,
  TARBALLS,
} from "./_real_stack.ts";

/** The profile's closure: the packages above, fftw2, and the host packages `mpi` and `cmake`. */
const PACKAGES = [...Object.keys(TARBALLS), "fftw2", "mpi", "cmake"].sort();

/** Sonames of the stack's libraries; the host has `-dev` copies of several in `/usr/lib`. */
const STACK_LIBRARY = /^lib(z|png16|bz2|lzma|ogg|vorbis|vorbisenc|vorbisfile|yaml)\.so\b/;

const PROGRAM = `#include <stdio.h>
#include <ogg/ogg.h>
#include <png.h>
#include <vorbis/codec.h>
#include <yaml.h>
#include <zlib.h>

int main(void) {
  ogg_sync_state sync;
  if (ogg_sync_init(&sync) != 0) return 1;
  printf("png %s\\n", png_get_libpng_ver(NULL));
  printf("zlib %s\\n", zlibVersion());
  printf("vorbis %s\\n", vorbis_version_string());
  printf("yaml %s\\n", yaml_get_version_string());
  printf("ogg %d\\n", ogg_sync_check(&sync));
  ogg_sync_clear(&sync);
  return 0;
}
`;

const PROGRAM_OUTPUT = "png 1.6.39\nzlib 1.2.13\nvorbis Xiph.Org libVorbis 1.3.7\n" +
  "yaml 0.2.5\nogg 0\n";

const MPI_PROGRAM = `#include <mpi.h>
#include <fftw_mpi.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  fftw_mpi_plan plan = fftw_mpi_create_plan(MPI_COMM_WORLD, 16, FFTW_FORWARD, FFTW_ESTIMATE);
  fftw_mpi_destroy_plan(plan);
  MPI_Finalize();
  return 0;
}
`;

/** `name → artifact id` of each `[name] building ID` progress line. */
function buildingIds(stderr: string): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const [, name, id] of stderr.matchAll(/^\d\d:\d\d:\d\d \[(\S+)\] building (\S+)$/gm)) {
    ids[name] = id;
  }
  return ids;
}

/** Asserts that `stderr` holds only the plan line and progress lines (no warnings). */
function assertOnlyProgress(stderr: string, plan: string): void {
  const lines = stderr.trimEnd().split("\n");
  assert.match(lines[0], /^\d\d:\d\d:\d\d /);
  assert.equal(lines[0].slice(9), plan);
  // The end-of-build summary closes the progress lines.
  assert.match(lines.at(-1)!, /^\d+ built, \d+ already present, in \d+\.\d s$/, stderr);
  const other = lines.slice(1, -1).filter((line) =>
    !/^\d\d:\d\d:\d\d \[\S+\] (building \S+|built in \d+\.\d s)$/.test(line) &&
    // A download's size and time, as `hit fetch PROFILE` says them.
    !/^\d\d:\d\d:\d\d fetched "\S+": \S+ from "\S+" \(\d+(\.\d)? (B|KiB|MiB) in \d+\.\d s\)$/
      .test(line)
  );
  assert.deepEqual(other, [], stderr);
}

/** What `ldd FILE` resolves, as `soname → real path`; asserts nothing is "not found". */
async function lddResolved(file: string, cwd: string): Promise<Record<string, string>> {
  const result = await run("ldd", [file], cwd);
  assert.equal(result.code, 0, `ldd ${file}: ${result.stderr}`);
  assert.doesNotMatch(result.stdout, /not found/, `ldd ${file}:\n${result.stdout}`);
  const found: Record<string, string> = {};
  for (const [, name, path] of result.stdout.matchAll(/^\s*(\S+) => (\/\S+) \(0x/gm)) {
    found[name] = await Deno.realPath(path);
  }
  return found;
}

/** Asserts every stack library `file` loads comes from the store; returns them all. */
async function assertStackLibrariesInStore(
  file: string,
  store: string,
  cwd: string,
): Promise<Record<string, string>> {
  const resolved = await lddResolved(file, cwd);
  for (const [name, path] of Object.entries(resolved)) {
    if (!STACK_LIBRARY.test(name)) continue;
    assert.ok(path.startsWith(store + "/"), `${file}: ${name} resolves to ${path}, not the store`);
  }
  return resolved;
}

/** The RUNPATH and RPATH entries of an ELF file, from `readelf -d`. */
async function runPaths(file: string, cwd: string): Promise<string[]> {
  const result = await run("readelf", ["-d", file], cwd);
  assert.equal(result.code, 0, `readelf -d ${file}: ${result.stderr}`);
  return [...result.stdout.matchAll(/\((?:RUNPATH|RPATH)\)\s+Library r\w*path: \[(.*)\]/g)]
    .flatMap(([, list]) => list.split(":"));
}

/** Shared libraries (real files, not links) in an artifact's `lib/`. */
async function sharedLibraries(artifact: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(artifact, "lib"))) {
    if (entry.isFile && /\.so(\.|$)/.test(entry.name)) {
      found.push(join(artifact, "lib", entry.name));
    }
  }
  return found.sort();
}

Deno.test("hit build builds a real stack from corpus specs, then rebuilds only what a new source changes", async (t) => {
  await requireHostMpi();
  await using dir = await makeTempDir("hit-e2e-stack-");
  await using server = await startSourceServer([FFTW]);
  const cwd = await Deno.realPath(dir.path);
  const home = join(cwd, ".home", ".hit");
  await Deno.mkdir(home, { recursive: true });
  await Deno.writeTextFile(join(home, "config.yaml"), mirrorConfig(server.mirror));
  await Deno.mkdir(join(cwd, "specs"));
  await Deno.writeTextFile(join(cwd, "specs", "libyaml.yaml"), LIBYAML_SPEC);
  const sources: Record<string, SourceEntry> = {};
  for (const [name, file] of Object.entries(TARBALLS)) {
    sources[name] = server.publish(file, await Deno.readFile(join(SOURCES_DIR, file)));
    assert.equal(sources[name].key, SOURCE_KEYS[file], file);
  }
  await Deno.writeTextFile(join(cwd, "stack.yaml"), stackProfile(sources));
  const store = join(home, "bld");
  const profile = join(cwd, "stack");

  const first = await runCli(["build", "stack.yaml", "-j", "2"], { cwd });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, "Profile build successful, link at: stack\n");
  assertOnlyProgress(first.stderr, `${PACKAGES.length} to build, 0 already built`);
  const ids = await statusIds(cwd);
  assert.deepEqual(Object.keys(ids).sort(), PACKAGES);
  const { profile: profileId, ...packageIds } = buildingIds(first.stderr);
  assert.deepEqual(packageIds, ids);
  assert.equal(await Deno.realPath(profile), artifactDir(store, profileId));

  await t.step("hit build fetches fftw2 from the mirror and the others from their URLs", () => {
    const fftwPack = `/mirror/${mirrorPackPath(FFTW_CORPUS_KEY)}`;
    assert.equal(server.count(fftwPack), 1);
    const expected = new Set([fftwPack]);
    for (const entry of Object.values(sources)) {
      const path = new URL(entry.url).pathname;
      assert.equal(server.count(path), 1, path);
      expected.add(path);
      // The mirror is asked first and answers 404 (HASHDIST.md §8.1).
      expected.add(`/mirror/${mirrorPackPath(entry.key)}`);
    }
    assert.deepEqual(server.requests.filter((path) => !expected.has(path)), []);
  });

  await t.step("hit build links programs that run from the profile", async () => {
    const xz = await run(join(profile, "bin", "xz"), ["--version"], cwd);
    assert.equal(xz.code, 0, xz.stderr);
    assert.match(xz.stdout, /^xz \(XZ Utils\) 5\.4\.1\n/);
    const bzip2 = await run(join(profile, "bin", "bzip2"), ["--help"], cwd);
    assert.equal(bzip2.code, 0, bzip2.stderr);
    assert.match(bzip2.stderr, /Version 1\.0\.8/);
    const patchelf = await run(join(profile, "bin", "patchelf"), ["--version"], cwd);
    assert.deepEqual(patchelf, { code: 0, stdout: "patchelf 0.14.3\n", stderr: "" });
    const roundTrip = await run("bash", [
      "-c",
      'for z in xz bzip2; do "$1/bin/$z" -c < "$2" | "$1/bin/$z" -dc | cmp - "$2" || exit 1; done',
      "round-trip",
      profile,
      join(SOURCES_DIR, TARBALLS.libyaml),
    ], cwd);
    assert.deepEqual(roundTrip, { code: 0, stdout: "", stderr: "" });
  });

  await t.step(
    "a C program built against the profile uses its png, zlib, vorbis, ogg, yaml",
    async () => {
      await Deno.writeTextFile(join(cwd, "prog.c"), PROGRAM);
      const gcc = await run("gcc", [
        `-I${profile}/include`,
        `-L${profile}/lib`,
        `-Wl,-rpath,${profile}/lib`,
        "-o",
        "prog",
        "prog.c",
        "-lpng16",
        "-lz",
        "-lvorbis",
        "-logg",
        "-lyaml",
      ], cwd);
      assert.equal(gcc.code, 0, gcc.stderr);
      assert.deepEqual(await run(join(cwd, "prog"), [], cwd), {
        code: 0,
        stdout: PROGRAM_OUTPUT,
        stderr: "",
      });
      const resolved = await assertStackLibrariesInStore(join(cwd, "prog"), store, cwd);
      for (
        const [name, pkg] of Object.entries({
          "libpng16.so.16": "png",
          "libz.so.1": "zlib",
          "libvorbis.so.0": "libvorbis",
          "libogg.so.0": "libogg",
          "libyaml.so": "libyaml",
        })
      ) {
        assert.ok(resolved[name]?.startsWith(artifactDir(store, ids[pkg]) + "/"), name);
      }
    },
  );

  await t.step("every library and program of the stack resolves into the store", async () => {
    const needs: Record<string, [string, string]> = {
      png: ["libz.so.1", "zlib"],
      libvorbis: ["libogg.so.0", "libogg"],
    };
    for (const pkg of ["zlib", "png", "bzip2", "xz", "libogg", "libvorbis", "libyaml"]) {
      const libraries = await sharedLibraries(artifactDir(store, ids[pkg]));
      assert.notDeepEqual(libraries, [], `${pkg} has no shared library`);
      for (const library of libraries) {
        for (const entry of await runPaths(library, cwd)) {
          assert.ok(entry.startsWith(store + "/"), `${library}: RUNPATH entry ${entry}`);
        }
        const resolved = await assertStackLibrariesInStore(library, store, cwd);
        if (pkg in needs && /lib(png16|vorbis)\.so/.test(library)) {
          const [name, from] = needs[pkg];
          assert.ok(resolved[name]?.startsWith(artifactDir(store, ids[from]) + "/"), library);
        }
      }
    }
    for (const [pkg, program] of [["xz", "xz"], ["bzip2", "bzip2"]]) {
      const file = join(artifactDir(store, ids[pkg]), "bin", program);
      for (const entry of await runPaths(file, cwd)) {
        assert.ok(entry.startsWith(store + "/"), `${file}: RUNPATH entry ${entry}`);
      }
      await assertStackLibrariesInStore(file, store, cwd);
    }
  });

  await t.step("fftw2 builds its MPI library against the host MPICH", async () => {
    const lib = join(artifactDir(store, ids.fftw2), "lib");
    const nm = await run("nm", [join(lib, "libfftw_mpi.a")], cwd);
    assert.equal(nm.code, 0, nm.stderr);
    assert.match(nm.stdout, / T fftw_mpi_create_plan$/m);
    assert.match(nm.stdout, / U MPI_Alltoall$/m);
    await Deno.writeTextFile(join(cwd, "fftw_mpi.c"), MPI_PROGRAM);
    // Linked, not run: MPI_Init looks up the host name, and tests resolve no host names.
    const mpicc = await run(HOST_MPICC, [
      `-I${profile}/include`,
      `-L${profile}/lib`,
      "-o",
      "fftw_mpi",
      "fftw_mpi.c",
      "-lfftw_mpi",
      "-lfftw",
      "-lm",
    ], cwd);
    assert.equal(mpicc.code, 0, mpicc.stderr);
  });

  await t.step("a second hit build builds nothing", async () => {
    const requests = server.requests.length;
    const second = await runCli(["build", "stack.yaml", "-j", "2"], { cwd });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, "Up to date, link at: stack\n");
    // Only the end-of-build summary: nothing fetched, nothing built.
    assert.match(second.stderr, /^0 built, \d+ already present, in \d+\.\d s\n$/);
    assert.equal(server.requests.length, requests);
  });

  await t.step("a new libogg source rebuilds libogg and libvorbis only, with new ids", async () => {
    const name = "libogg_1.3.5.repacked.tar.gz";
    const repack = await run("bash", [
      "-c",
      'xz -dc "$1" | gzip -n > "$2"',
      "repack",
      join(SOURCES_DIR, TARBALLS.libogg),
      name,
    ], cwd);
    assert.deepEqual(repack, { code: 0, stdout: "", stderr: "" });
    const libogg = server.publish(name, await Deno.readFile(join(cwd, name)));
    assert.notEqual(libogg.key, sources.libogg.key);
    await Deno.writeTextFile(join(cwd, "stack.yaml"), stackProfile({ ...sources, libogg }));

    const third = await runCli(["build", "stack.yaml", "-j", "2"], { cwd });
    assert.equal(third.code, 0, third.stderr);
    assert.equal(third.stdout, "Profile build successful, link at: stack\n");
    assertOnlyProgress(third.stderr, `2 to build, ${PACKAGES.length - 2} already built`);
    const newIds = await statusIds(cwd);
    const { profile: newProfileId, ...rebuilt } = buildingIds(third.stderr);
    assert.deepEqual(rebuilt, { libogg: newIds.libogg, libvorbis: newIds.libvorbis });
    assert.notEqual(newProfileId, profileId);
    for (const pkg of PACKAGES) {
      if (pkg === "libogg" || pkg === "libvorbis") assert.notEqual(newIds[pkg], ids[pkg], pkg);
      else assert.equal(newIds[pkg], ids[pkg], pkg);
    }
    assert.equal(server.count(`/${name}`), 1);
    assert.equal(
      await Deno.realPath(join(profile, "lib", "libogg.so.0")),
      await Deno.realPath(join(artifactDir(store, newIds.libogg), "lib", "libogg.so.0")),
    );
    assert.deepEqual(await run(join(cwd, "prog"), [], cwd), {
      code: 0,
      stdout: PROGRAM_OUTPUT,
      stderr: "",
    });
    const resolved = await assertStackLibrariesInStore(join(cwd, "prog"), store, cwd);
    assert.ok(resolved["libogg.so.0"].startsWith(artifactDir(store, newIds.libogg) + "/"));
    assert.ok(resolved["libvorbis.so.0"].startsWith(artifactDir(store, newIds.libvorbis) + "/"));
  });
});
