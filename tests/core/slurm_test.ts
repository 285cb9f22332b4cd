import assert from "node:assert/strict";
import { HitError } from "../../src/errors.ts";
import { parseSqueueJson, partitionCpus, runSlurm } from "../../src/core/slurm.ts";

Deno.test("parseSqueueJson() reads the jobs of Slurm 22.05 and of later versions", () => {
  const old = JSON.stringify({
    jobs: [{
      job_id: 7,
      name: "hit:zlib/abcdefg",
      job_state: "TIMEOUT",
      state_reason: "TimeLimit",
      nodes: "node1",
      exit_code: 15,
      time_limit: 2,
    }, { job_id: 8, job_state: "FAILED", exit_code: 3 << 8, time_limit: null }],
  });
  assert.deepEqual(parseSqueueJson(old).get("7"), {
    id: "7",
    name: "hit:zlib/abcdefg",
    state: "TIMEOUT",
    reason: "TimeLimit",
    nodes: "node1",
    // ExitCode=0:15: killed by signal 15, no exit status.
    exitCode: 0,
    timeLimit: 2,
  });
  assert.equal(parseSqueueJson(old).get("8")?.timeLimit, undefined);
  assert.equal(parseSqueueJson(old).get("8")?.exitCode, 3);
  const later = JSON.stringify({
    jobs: [{
      job_id: 9,
      job_state: ["FAILED"],
      exit_code: { return_code: { set: true, infinite: false, number: 3 } },
      time_limit: { set: true, infinite: false, number: 60 },
    }],
  });
  const job = parseSqueueJson(later).get("9")!;
  assert.equal(job.state, "FAILED");
  assert.equal(job.exitCode, 3);
  assert.equal(job.timeLimit, 60);
});

Deno.test("parseSqueueJson() rejects output that is not squeue's JSON", () => {
  assert.throws(() => parseSqueueJson("JOBID PARTITION"), /not JSON.*\n?/);
  assert.throws(() => parseSqueueJson("{}"), /no "jobs" list/);
});

Deno.test("runSlurm() says when a Slurm command is not installed", async () => {
  await assert.rejects(
    runSlurm("sbatch", ["--version"], { PATH: "/nonexistent" }),
    (error: unknown) =>
      error instanceof HitError &&
      error.message === `run "sbatch": it is not installed or not on PATH` &&
      /slurm-client/.test(error.hint ?? ""),
  );
});

Deno.test({
  name: "partitionCpus() fails with a hint when no controller answers",
  ignore: (() => {
    try {
      Deno.statSync("/usr/bin/sinfo");
      return false;
    } catch {
      console.log("skipping: sinfo is not installed");
      return true;
    }
  })(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      // A cluster whose controller port nothing listens on.
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = listener.addr.port;
      listener.close();
      await Deno.writeTextFile(
        `${dir}/slurm.conf`,
        `ClusterName=down\nSlurmctldHost=localhost\nSlurmctldPort=${port}\nAuthType=auth/none\n` +
          `CredType=cred/none\nMessageTimeout=1\n` +
          `NodeName=localhost CPUs=1\nPartitionName=debug Nodes=localhost Default=YES\n`,
      );
      const env = { PATH: "/usr/bin:/bin", SLURM_CONF: `${dir}/slurm.conf` };
      await assert.rejects(
        partitionCpus(undefined, env),
        (error: unknown) =>
          error instanceof HitError && /^run "sinfo": exit 1: /.test(error.message) &&
          /the Slurm controller does not answer/.test(error.hint ?? ""),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
