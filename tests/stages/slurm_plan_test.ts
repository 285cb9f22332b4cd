import assert from "node:assert/strict";
import { HitError } from "../../src/errors.ts";
import { parseConfig } from "../../src/core/config.ts";
import {
  formatBuildRequest,
  jobCommand,
  jobName,
  parseBuildRequest,
  planJobGroups,
  sbatchArgs,
} from "../../src/stages/slurm_plan.ts";

const pkg = (name: string, deps: string[] = []) => ({ name, id: `${name}/hash`, deps });

Deno.test("planJobGroups() gives each package its own job by default, after its dependencies' jobs", () => {
  const groups = planJobGroups(
    [pkg("a"), pkg("b", ["a"]), pkg("c", ["a"]), pkg("d", ["b", "c"])],
    1,
  );
  assert.deepEqual(groups, [
    { members: ["a"], after: [] },
    { members: ["b"], after: [0] },
    { members: ["c"], after: [0] },
    { members: ["d"], after: [1, 2] },
  ]);
});

Deno.test("planJobGroups() puts chains into one job, up to the group size", () => {
  // zlib → png → freetype is a chain; x also needs zlib, so zlib is not only png's.
  const chain = [pkg("a"), pkg("b", ["a"]), pkg("c", ["b"]), pkg("d", ["c"])];
  assert.deepEqual(planJobGroups(chain, 3), [
    { members: ["a", "b", "c"], after: [] },
    { members: ["d"], after: [0] },
  ]);
  const forked = [pkg("a"), pkg("b", ["a"]), pkg("x", ["a"]), pkg("c", ["b"])];
  assert.deepEqual(planJobGroups(forked, 5), [
    { members: ["a"], after: [] },
    { members: ["b", "c"], after: [0] },
    { members: ["x"], after: [0] },
  ]);
});

Deno.test("sbatchArgs() names the job, its afterok dependencies, CPUs, log and site options", () => {
  const args = sbatchArgs(
    {
      name: "hit:zlib/abcdefg",
      after: ["12", "13"],
      cpus: 4,
      dir: "/s",
      output: "/s/z.%j.log",
      command: "true",
    },
    {
      partition: "p",
      time: "1:00:00",
      account: "a",
      qos: "q",
      extraArgs: ["--exclusive"],
      group: 1,
    },
  );
  assert.deepEqual(args, [
    "--job-name=hit:zlib/abcdefg",
    "--dependency=afterok:12:13",
    "--kill-on-invalid-dep=yes",
    "--nodes=1",
    "--ntasks=1",
    "--cpus-per-task=4",
    "--chdir=/s",
    "--output=/s/z.%j.log",
    "--partition=p",
    "--time=1:00:00",
    "--account=a",
    "--qos=q",
    "--exclusive",
    "--wrap=true",
  ]);
  const bare = sbatchArgs(
    { name: "n", after: [], cpus: 1, dir: "/s", output: "o", command: "c" },
    { extraArgs: [], group: 1 },
  );
  assert.ok(!bare.some((arg) => arg.startsWith("--dependency")));
  assert.ok(!bare.some((arg) => /^--(partition|time|account|qos)/.test(arg)));
});

Deno.test("jobName() and jobCommand() name the package and quote every word", () => {
  assert.equal(jobName("zlib/abcdefghijk", 0), "hit:zlib/abcdefg");
  assert.equal(jobName("zlib/abcdefghijk", 2), "hit:zlib/abcdefg+2");
  const command = jobCommand(
    { argv: ["/opt/deno", "run", "/my hit/main.ts"], readOnly: [], env: { DENO_DIR: "/c d" } },
    ["/store/.slurm/r/z.json"],
  );
  assert.equal(
    command,
    "exec env 'DENO_DIR=/c d' /opt/deno run '/my hit/main.ts' build-artifact /store/.slurm/r/z.json",
  );
});

Deno.test("a build request survives its file, and a damaged one names the file", () => {
  const config = parseConfig(
    "build_stores: [{dir: /s/bld}]\nsource_caches: [{dir: /s/src}]\nbuild_temp: /s/tmp\n" +
      "cache: /s/cache\ngc_roots: /s/gcroots\n",
    "/s/config.yaml",
  );
  const request = {
    id: "zlib/abcdefghijk",
    name: "zlib",
    spec: { name: "zlib", build: { import: [] } },
    sandbox: "bwrap" as const,
    limits: { processes: 8192 },
    hostPaths: ["/opt/tools"],
    keepBuild: "error" as const,
    cpus: 2,
    config,
  };
  const back = parseBuildRequest(formatBuildRequest(request), "/r.json");
  assert.deepEqual({ ...back, config: undefined }, { ...request, config: undefined });
  assert.equal(back.config.buildStore, "/s/bld");
  assert.equal(back.config.sourceCache, "/s/src");
  assert.throws(
    () => parseBuildRequest("{}", "/r.json"),
    (error: unknown) =>
      error instanceof HitError &&
      error.message === "read build request: not a hit build request" &&
      error.location.file === "/r.json",
  );
  const damaged = formatBuildRequest(request).replace('"cpus":2', '"cpus":0');
  const noPaths = formatBuildRequest(request).replace(
    '"host_paths":["/opt/tools"]',
    '"host_paths":7',
  );
  assert.throws(() => parseBuildRequest(noPaths, "/r.json"), /"host_paths" must be a list/);
  assert.throws(() => parseBuildRequest(damaged, "/r.json"), /"cpus" must be a whole number/);
  // A root login node's build user goes with the request, so the job drops to it too.
  const asUser = { ...request, buildUser: { uid: 65534, gid: 65534 } };
  const user = parseBuildRequest(formatBuildRequest(asUser), "/r.json");
  assert.deepEqual(user.buildUser, { uid: 65534, gid: 65534 });
  const badUser = formatBuildRequest(asUser).replace('"uid":65534', '"uid":"nobody"');
  assert.throws(() => parseBuildRequest(badUser, "/r.json"), /"build_user" must be a uid/);
});
