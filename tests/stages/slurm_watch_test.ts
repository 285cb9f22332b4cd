import assert from "node:assert/strict";
import { describeJobEnd } from "../../src/stages/slurm_watch.ts";

const job = (state: string, more: { reason?: string; exitCode?: number; timeLimit?: number }) => ({
  id: "7",
  name: "hit:zlib/abcdefg",
  state,
  reason: more.reason ?? "None",
  nodes: "node1",
  exitCode: more.exitCode ?? 0,
  timeLimit: more.timeLimit,
});

Deno.test("describeJobEnd() says what ended a job that left no artifact", () => {
  assert.equal(
    describeJobEnd(job("TIMEOUT", { reason: "TimeLimit", timeLimit: 30 })),
    `was killed by its time limit of 30 minutes (raise it with "--slurm-time")`,
  );
  assert.equal(
    describeJobEnd(job("FAILED", { reason: "NonZeroExitCode", exitCode: 66 })),
    "ended FAILED with exit code 66 (NonZeroExitCode)",
  );
  assert.match(
    describeJobEnd(job("COMPLETED", {})),
    /COMPLETED but its artifact is not in the store/,
  );
  assert.equal(
    describeJobEnd(job("NODE_FAIL", { reason: "NodeDown" })),
    "ended NODE_FAIL (NodeDown)",
  );
  assert.equal(
    describeJobEnd(undefined),
    "is gone from the queue and its artifact is not in the store",
  );
});
