import assert from "node:assert/strict";
import { parseConfig } from "../../src/core/config.ts";
import { parseBuildArgs } from "../../src/cli/build.ts";
import { slurmOptions } from "../../src/cli/build_executor.ts";

const CONFIG = "build_stores: [{dir: b}]\nsource_caches: [{dir: s}]\nbuild_temp: t\ncache: c\n" +
  "gc_roots: g\nexecutor:\n  slurm:\n    partition: compute\n    time: '2:00:00'\n" +
  "    extra_args: [--exclusive]\n    group: 2\n";

Deno.test("parseBuildArgs() reads --executor and the --slurm-* options", () => {
  const args = parseBuildArgs([
    "s.yaml",
    "--executor",
    "slurm",
    "--slurm-partition",
    "big",
    "--slurm-arg=--mem=4G",
    "--slurm-arg=--constraint=avx2",
    "--slurm-group",
    "3",
  ], 4);
  assert.deepEqual(args.executor, {
    executor: "slurm",
    partition: "big",
    time: undefined,
    account: undefined,
    qos: undefined,
    extraArgs: ["--mem=4G", "--constraint=avx2"],
    group: 3,
  });
  assert.equal(args.jobsGiven, false);
  assert.equal(parseBuildArgs(["s.yaml", "-j", "8"], 4).jobsGiven, true);
  // A value that starts with "-" goes after "=", as for every option of hit.
  assert.throws(() => parseBuildArgs(["s.yaml", "--slurm-arg", "-x"], 4), /needs a value ARG/);
  assert.throws(() => parseBuildArgs(["s.yaml", "--executor", "pbs"], 4), /unknown executor "pbs"/);
  assert.throws(() => parseBuildArgs(["s.yaml", "--slurm-group", "0"], 4), /needs a whole number/);
});

Deno.test("slurmOptions() puts the command line over the configuration's executor key", () => {
  const config = parseConfig(CONFIG, "/c/config.yaml");
  const fromConfig = slurmOptions(parseBuildArgs(["s.yaml"], 1).executor, config);
  assert.deepEqual(fromConfig, {
    partition: "compute",
    time: "2:00:00",
    account: undefined,
    qos: undefined,
    extraArgs: ["--exclusive"],
    group: 2,
  });
  const given = parseBuildArgs(
    ["s.yaml", "--slurm-partition", "big", "--slurm-group", "1", "--slurm-arg=-x"],
    1,
  ).executor;
  const merged = slurmOptions(given, config);
  assert.equal(merged.partition, "big");
  assert.equal(merged.group, 1);
  assert.deepEqual(merged.extraArgs, ["--exclusive", "-x"]);
});
