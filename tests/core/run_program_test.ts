import assert from "node:assert/strict";
import { programFailed, runProgram, spawnProgram } from "../../src/core/run_program.ts";
import { HitError } from "../../src/errors.ts";

const PATH = "/usr/bin:/bin";

Deno.test("runProgram() gives the program exactly the environment it is handed", async () => {
  const result = await runProgram("env", { args: [], env: { PATH, ONLY: "this" } });
  assert.deepEqual(result.stdout.trim().split("\n").sort(), ["ONLY=this", `PATH=${PATH}`]);
  assert.equal(result.code, 0);
});

Deno.test("runProgram() fails with the program's name, exit code and stderr's last lines", async () => {
  const script = 'for i in $(seq 1 30); do echo "line $i" >&2; done; exit 3';
  const error = await runProgram("sh", { args: ["-c", script], env: { PATH } }).catch((e) => e);
  assert.ok(error instanceof HitError);
  assert.equal(error.message, `run "sh -c ${script}": exit code 3`);
  assert.equal(error.context.length, 20);
  assert.deepEqual([error.context[0], error.context.at(-1)], ["sh: line 11", "sh: line 30"]);
  const allowed = await runProgram("sh", {
    args: ["-c", "exit 1"],
    env: { PATH },
    allowedCodes: [1],
  });
  assert.equal(allowed.code, 1);
});

Deno.test("runProgram() and spawnProgram() name a missing program with a hint, no stack", async () => {
  for (
    const start of [
      runProgram,
      (...args: Parameters<typeof spawnProgram>) =>
        Promise.resolve().then(() => spawnProgram(...args)),
    ]
  ) {
    const error = await start("git", {
      args: ["ls-remote", "x"],
      env: { PATH: "/nonexistent" },
      action: 'fetch "x"',
    }).then(() => assert.fail("it started"), (e) => e);
    assert.ok(error instanceof HitError, String(error));
    assert.equal(error.message, 'fetch "x": the git program is not installed');
    assert.deepEqual(error.context, ['searched PATH "/nonexistent"']);
    assert.equal(error.hint, "install git, or put it on PATH");
  }
});

Deno.test("programFailed() drops a program's own name prefix from its lines", () => {
  const error = programFailed("/usr/bin/tar", { args: ["-xf", "a"] }, 2, "tar: a: Cannot open\n");
  assert.equal(error.message, 'run "tar -xf a": exit code 2');
  assert.deepEqual(error.context, ["tar: a: Cannot open"]);
});
