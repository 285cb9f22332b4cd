import assert from "node:assert/strict";
import { bufferWriter, OutputClosedError } from "../../src/cli/output.ts";
import { main } from "../../src/main.ts";
import { HIT, makeTempDir, runCli } from "./_run_cli.ts";

Deno.test("hit --help prints the command list with an example on stdout", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["--help"], { cwd: dir.path });
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^usage: hit \[--config PATH\] COMMAND/m);
  assert.match(result.stdout, /^ {2}status +\S/m);
  assert.match(result.stdout, /^ {2}show +\S/m);
  assert.match(result.stdout, /^example:\n {2}hit /m);
});

Deno.test("hit with no arguments prints the help on stderr and exits 2", async () => {
  await using dir = await makeTempDir();
  const result = await runCli([], { cwd: dir.path });
  assert.equal(result.stdout, "");
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^usage: hit /m);
});

Deno.test("hit help status and hit status --help print the same command help", async () => {
  await using dir = await makeTempDir();
  const viaHelp = await runCli(["help", "status"], { cwd: dir.path });
  const viaOption = await runCli(["status", "--help"], { cwd: dir.path });
  assert.equal(viaHelp.stderr, "");
  assert.equal(viaHelp.code, 0);
  assert.match(viaHelp.stdout, /^usage: hit status /m);
  assert.match(viaHelp.stdout, /^examples:\n {2}hit status /m);
  assert.match(viaHelp.stdout, /^ {2}-p, --profile PROFILE/m);
  assert.deepEqual(viaOption, viaHelp);
});

Deno.test("hit --version prints the version, the Deno version and how hit runs", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["--version"], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 0,
    stdout: `hit 0.1.0 (deno ${Deno.version.deno}, from source)\n`,
    stderr: "",
  });
});

Deno.test("hit with an unknown command exits 2 and suggests a close name", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["stats"], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 2,
    stdout: "",
    stderr: `error: unknown command "stats"\nhint: did you mean "status"?\n`,
  });
});

Deno.test("hit with an unknown option exits 2 naming the option and the command", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["status", "--frobnicate"], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 2,
    stdout: "",
    stderr: `error: unknown option "--frobnicate" for command "status"\n` +
      `hint: run "hit help status" to see its options\n`,
  });
  const global = await runCli(["--frobnicate", "status"], { cwd: dir.path });
  assert.equal(global.code, 2);
  assert.equal(global.stdout, "");
  assert.match(global.stderr, /^error: unknown option "--frobnicate"\n/);
});

Deno.test("hit writing into a closed pipe exits 0 without a trace", async () => {
  await using dir = await makeTempDir();
  // The reader (`true`) is gone long before hit starts writing, so the write gets EPIPE.
  const script = `{ sleep 0.3; "$HIT" --help; echo "exit=$?" >&2; } | true`;
  const output = await new Deno.Command("bash", {
    args: ["-c", script],
    cwd: dir.path,
    env: { HIT },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(output.stderr), "exit=0\n");
  assert.equal(output.code, 0);
});

function contextWith(stdoutWrite: (text: string) => Promise<void>) {
  const stderr = bufferWriter();
  return {
    stderr,
    context: {
      stdout: { isTerminal: false, write: stdoutWrite },
      stderr,
      env: {},
      cwd: "/nonexistent",
      noColor: true,
      self: () => ({ argv: ["/nonexistent/hit"], readOnly: [], env: {} }),
    },
  };
}

Deno.test("main() exits 0 quietly when stdout is closed", async () => {
  const { stderr, context } = contextWith(() => Promise.reject(new OutputClosedError()));
  assert.equal(await main(["--help"], context), 0);
  assert.equal(stderr.text(), "");
});

Deno.test("main() reports an error that is not a HitError as an internal error, exit 70", async () => {
  const { stderr, context } = contextWith(() => Promise.reject(new TypeError("boom")));
  assert.equal(await main(["--version"], context), 70);
  assert.match(stderr.text(), /^internal error: TypeError: boom\n {4}at /);
  assert.match(stderr.text(), /\nhint: this is a bug in hit/);
});

Deno.test("every command's help has an example and the shared option names", async () => {
  const run = async (args: string[]) => {
    const stdout = bufferWriter();
    const stderr = bufferWriter();
    const code = await main(args, {
      stdout,
      stderr,
      env: {},
      cwd: "/nonexistent",
      noColor: true,
      self: () => ({ argv: ["/nonexistent/hit"], readOnly: [], env: {} }),
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };
  const list = (await run(["--help"])).stdout.split("\ncommands:\n")[1].split("\n\n")[0];
  const names = list.split("\n").map((line) => line.trim().split(/\s+/)[0]);
  assert.ok(names.length >= 25, names.join(" "));
  for (const name of names) {
    const help = await run(["help", name]);
    assert.equal(help.code, 0, `${name}: ${help.stderr}`);
    assert.match(help.stdout, /^examples?:\n {2}.*\bhit /m, `${name} has an example`);
    // One spelling for the options most commands share.
    for (const [long, short] of [["profile", "p"], ["quiet", "q"], ["verbose", "v"]]) {
      const line = help.stdout.split("\n").find((text) =>
        new RegExp(`^\\s+(-\\w, )?--${long}\\b`).test(text)
      );
      if (line !== undefined) {
        assert.match(line, new RegExp(`-${short}, --${long}\\b`), `${name}: ${line}`);
      }
    }
  }
});
