/**
 * `hit build-artifact`, the command Slurm jobs run: it refuses to build on a node that does not
 * see the store, or before every dependency is in the store.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../../src/core/config.ts";
import { formatBuildRequest } from "../../src/stages/slurm_plan.ts";
import { makeTempDir, runCli } from "./_run_cli.ts";

/** A request to build `zlib/…` importing `deps`, against the store folders under `root`. */
function request(root: string, deps: string[]): string {
  const config = parseConfig(
    `build_stores: [{dir: ${root}/bld}]\nsource_caches: [{dir: ${root}/src}]\n` +
      `build_temp: ${root}/tmp\ncache: ${root}/cache\ngc_roots: ${root}/gcroots\n`,
    join(root, "config.yaml"),
  );
  return formatBuildRequest({
    id: "zlib/7p3vhyv5hy7a4o2zbmosz7ioxx3quxwe",
    name: "zlib",
    spec: {
      name: "zlib",
      build: {
        import: deps.map((id) => ({ id, ref: null })),
        commands: [{ cmd: ["/bin/true"] }],
      },
    },
    sandbox: "none",
    limits: {},
    hostPaths: [],
    keepBuild: "error",
    cpus: 1,
    config,
  });
}

Deno.test("hit build-artifact refuses a node that does not see the store", async () => {
  await using dir = await makeTempDir();
  const file = join(dir.path, "zlib.json");
  await Deno.writeTextFile(file, request(join(dir.path, "not-mounted"), []));
  const result = await runCli(["build-artifact", file], {
    cwd: dir.path,
    env: { SLURMD_NODENAME: "node7" },
  });
  assert.equal(result.code, 66, result.stderr);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /^error: build "zlib\/7p3vhyv5hy7a4o2zbmosz7ioxx3quxwe": node "node7" does not see the build store \S+\/not-mounted\/bld$/m,
  );
  assert.match(result.stderr, /^hint: the store and the source cache must be on a file system/m);
});

Deno.test("hit build-artifact refuses to build before its dependencies are in the store", async () => {
  await using dir = await makeTempDir();
  for (const sub of ["bld", "src", "tmp", "cache", "gcroots"]) {
    await Deno.mkdir(join(dir.path, sub));
  }
  const file = join(dir.path, "zlib.json");
  await Deno.writeTextFile(file, request(dir.path, ["libz/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]));
  const result = await runCli(["build-artifact", file], { cwd: dir.path });
  assert.equal(result.code, 66, result.stderr);
  assert.match(
    result.stderr,
    /its dependencies are not in the store: libz\/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa$/m,
  );
  assert.match(result.stderr, /^hint: Slurm counts a dependency on a job it no longer knows/m);
  assert.deepEqual([...Deno.readDirSync(join(dir.path, "bld"))].map((e) => e.name), [".locks"]);
});

Deno.test("hit build-artifact names a file that is not a build request", async () => {
  await using dir = await makeTempDir();
  const file = join(dir.path, "junk.json");
  await Deno.writeTextFile(file, "[1, 2]");
  const result = await runCli(["build-artifact", file], { cwd: dir.path });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: read build request: not a hit build request$/m);
  assert.match(result.stderr, /junk\.json/);
});
