import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, runCli } from "./_run_cli.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

Deno.test("hit load, env and shell put a built profile on PATH", async (t) => {
  await using dir = await makeTempDir();
  const built = await runCli(["build", EXAMPLE, "-q"], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);
  const profile = await Deno.realPath(join(dir.path, "stack"));

  await t.step("load prints bash code that eval makes work", async () => {
    const result = await runCli(["load", "./stack"], { cwd: dir.path });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.match(result.stdout, new RegExp(`^export HASHSTACK='${profile}'\n`));
    const shell = await new Deno.Command("bash", {
      args: ["-c", `eval "$1"; greet evaluated; echo "$HASHSTACK"`, "bash", result.stdout],
      env: { PATH: "/usr/bin:/bin" },
      clearEnv: true,
    }).output();
    assert.equal(new TextDecoder().decode(shell.stdout), `Hello, evaluated!\n${profile}\n`);
  });

  await t.step(
    "env finds the profile by the name of its gc root and writes fish code",
    async () => {
      // From another folder "stack" is no path: it is found among the gc roots.
      const elsewhere = join(dir.path, "elsewhere");
      await Deno.mkdir(elsewhere);
      const result = await runCli(["env", "stack", "--shell", "fish"], {
        cwd: elsewhere,
        env: { HIT_HOME: join(dir.path, ".home", ".hit") },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        new RegExp(`^set -gx HASHSTACK '${profile}';\nset -gx PATH '${profile}/bin' \\$PATH;\n`),
      );
    },
  );

  await t.step("shell runs a command in the profile and passes its exit code", async () => {
    const ok = await runCli(["shell", "stack", "--", "greet-all", "a"], { cwd: dir.path });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, "Hello, a!\n");
    const failing = await runCli(["shell", "stack", "--", "sh", "-c", "exit 7"], { cwd: dir.path });
    assert.equal(failing.code, 7);
    const missing = await runCli(["shell", "stack", "--", "nosuchcmd"], { cwd: dir.path });
    assert.deepEqual(missing, {
      code: 127,
      stdout: "",
      stderr: "hit shell: nosuchcmd: command not found\n",
    });
    await Deno.writeTextFile(join(dir.path, "not-executable"), "echo hi\n", { mode: 0o644 });
    const cannot = await runCli(["shell", "stack", "--", "./not-executable"], { cwd: dir.path });
    assert.equal(cannot.code, 126, cannot.stderr);
    assert.match(cannot.stderr, /cannot run it/);
  });

  await t.step("PROFILE means the same to every command: YAML, link or name", async () => {
    // load takes the YAML file; status takes the link (built from a file elsewhere).
    const loaded = await runCli(["load", EXAMPLE], { cwd: dir.path });
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, new RegExp(`^export HASHSTACK='${profile}'\n`));
    const status = await runCli(["status", "stack"], { cwd: dir.path });
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.stderr, `note: profile "stack" is the file "${EXAMPLE}"\n`);
    assert.match(status.stdout, /^greet-tools .* built\n/m);
    const why = await runCli(["why", "libgreet", "-p", "./stack"], { cwd: dir.path });
    assert.equal(why.code, 0, why.stderr);
  });

  await t.step("an unknown profile is a clear error", async () => {
    const result = await runCli(["load", "nope"], { cwd: dir.path });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /error: find profile "nope": no built profile by that name or path/,
    );
    assert.match(result.stderr, /hint: build it first with "hit build nope\.yaml"/);
  });
});
