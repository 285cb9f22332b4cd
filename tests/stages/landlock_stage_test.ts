import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LandlockPolicy } from "../../src/stages/landlock_stage.ts";

// The stage program run as hit runs it (deno run --allow-ffi and nothing else), on a policy
// written here, against real folders.
const STAGE = fileURLToPath(new URL("../../src/stages/landlock_stage.ts", import.meta.url));

async function runStage(arg: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", "--no-config", "--allow-ffi", STAGE, arg],
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

const probe = await runStage("--probe");
const abi = probe.code === 0 ? (JSON.parse(probe.stdout) as { abi: number }).abi : 0;
const SYSTEM = ["/usr", "/bin", "/lib", "/lib64"].map((path) => ({ path, dir: true }));

Deno.test({
  name: "landlock_stage.ts lets a command write only its folder, read only what it is given, " +
    "and open no network socket",
  ignore: abi === 0,
  async fn() {
    if (abi === 0) console.log("skipped: this kernel has no Landlock");
    const dir = await Deno.makeTempDir({ prefix: "hit-landlock-" });
    try {
      const allowed = join(dir, "allowed");
      await Deno.mkdir(allowed);
      await Deno.writeTextFile(join(dir, "secret.txt"), "secret\n");
      const script = [
        `echo ok > ${allowed}/written && echo wrote-allowed`,
        `echo no > ${dir}/outside 2>/dev/null || echo write-outside-refused`,
        `cat ${dir}/secret.txt 2>/dev/null || echo read-outside-refused`,
        `perl -MSocket -e 'socket(my $s, AF_INET, SOCK_STREAM, 0) or exit 1' || echo inet-refused`,
        `perl -MSocket -e 'socket(my $s, AF_UNIX, SOCK_STREAM, 0) or exit 1' && echo unix-allowed`,
        'echo "$ONLY_VAR"',
      ].join("\n");
      const policy: LandlockPolicy = {
        read: SYSTEM,
        write: [{ path: allowed, dir: true }, { path: "/dev/null", dir: false }],
        limits: {},
        file: "/bin/bash",
        argv: ["bash", "-c", script],
        env: { ONLY_VAR: "from-policy", PATH: "/usr/bin:/bin" },
      };
      const result = await runStage(JSON.stringify(policy));
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout,
        "wrote-allowed\nwrite-outside-refused\nread-outside-refused\ninet-refused\n" +
          "unix-allowed\nfrom-policy\n",
      );
      assert.equal(await Deno.readTextFile(join(allowed, "written")), "ok\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "landlock_stage.ts exits 127 and says so when the command does not exist",
  ignore: abi === 0,
  async fn() {
    const policy: LandlockPolicy = {
      read: SYSTEM,
      write: [],
      limits: {},
      file: "/nonexistent/tool",
      argv: ["tool"],
      env: {},
    };
    const result = await runStage(JSON.stringify(policy));
    assert.equal(result.code, 127);
    assert.match(result.stderr, /^hit sandbox: cannot run "\/nonexistent\/tool": No such file/);
  },
});
