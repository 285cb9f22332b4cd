import assert from "node:assert/strict";
import { join } from "node:path";
import { HitError } from "../../src/errors.ts";
import {
  initialJobEnv,
  type ProcessRequest,
  type ProcessRunner,
  runJob,
} from "../../src/core/run_job.ts";

/** A runner that runs real processes directly and records each request. */
function realRunner(requests: ProcessRequest[]): ProcessRunner {
  return async (request) => {
    requests.push(request);
    const output = await new Deno.Command(request.argv[0], {
      args: request.argv.slice(1),
      env: request.env,
      clearEnv: true,
      cwd: request.cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
  };
}

async function withJobDir(work: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await work(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function options(dir: string, requests: ProcessRequest[]) {
  return {
    buildDir: dir,
    artifactDir: join(dir, "artifact"),
    jobDir: join(dir, "job"),
    imports: [{
      id: "alpha/6n52wcuvjw5tpswnohyeabwilx3jgshr",
      ref: "ALPHA",
      dir: "/s/opt/alpha/6n52",
    }],
    cpuCount: 3,
    configJson: "{}",
    run: realRunner(requests),
  };
}

Deno.test("initialJobEnv() holds exactly the variables of HASHDIST.md §5.4 and the reproducible ones", () => {
  const env = initialJobEnv({
    buildDir: "/b",
    artifactDir: "/a",
    imports: [
      { id: "alpha/xyz", ref: "ALPHA", dir: "/s/alpha" },
      { id: "beta/q", ref: null, dir: "/s/beta" },
    ],
    cpuCount: 3,
    configJson: '{"x":1}',
  });
  assert.deepEqual(env, {
    SOURCE_DATE_EPOCH: "315532800",
    TZ: "UTC",
    LC_ALL: "C",
    ALPHA_DIR: "/s/alpha",
    ALPHA_ID: "alpha/xyz",
    HDIST_IMPORT: "alpha/xyz beta/q",
    HDIST_IMPORT_PATHS: "/s/alpha:/s/beta",
    PATH: "",
    BUILD: "/b",
    HASHDIST_CPU_COUNT: "3",
    HDIST_VIRTUALS: "",
    HDIST_CONFIG: '{"x":1}',
    PWD: "/b",
  });
});

Deno.test("runJob() sets, prepends and appends as the original's test_env_control", async () => {
  await withJobDir(async (dir) => {
    const requests: ProcessRequest[] = [];
    await runJob({
      commands: [
        { set: "FOO", value: "foo" },
        { set: "FOO", value: "bar" },
        { append_flag: "CFLAGS", value: "-O3" },
        { prepend_flag: "CFLAGS", value: "-O2" },
        { prepend_flag: "CFLAGS", value: "-O1" },
        { append_path: "PATH", value: "/bar/bin" },
        { prepend_path: "PATH", value: "/foo/bin" },
        { cmd: ["/usr/bin/env"], to_var: "OUT" },
      ],
    }, options(dir, requests));
    const env = requests[0].env;
    assert.equal(env.FOO, "bar");
    assert.equal(env.CFLAGS, "-O1 -O2 -O3");
    assert.equal(env.PATH, "/foo/bin:/bar/bin");
    assert.equal(env.ARTIFACT, join(dir, "artifact"));
    assert.equal(env.ALPHA_DIR, "/s/opt/alpha/6n52");
  });
});

Deno.test("runJob() keeps nested scopes apart and captures stripped stdout", async () => {
  await withJobDir(async (dir) => {
    const requests: ProcessRequest[] = [];
    await Deno.mkdir(join(dir, "a", "b"), { recursive: true });
    await runJob({
      commands: [
        { commands: [{ set: "INNER", value: "1" }, { chdir: "a" }, { chdir: "b" }] },
        { cmd: ["/bin/sh", "-c", 'printf "  a  b   \\n\\n\\n "'], to_var: "CAPTURED" },
        {
          commands: [{ chdir: "a/b" }, { chdir: ".." }, { cmd: ["/bin/pwd"], to_var: "WHERE" }],
        },
        {
          cmd: ["/bin/sh", "-c", 'printf "%s|%s|%s" "$CAPTURED" "\\${INNER-unset}" "$PWD"'],
          to_var: "R",
        },
        { cmd: ["/bin/sh", "-c", 'echo "$R"'], append_to_file: "out.txt" },
      ],
    }, options(dir, requests));
    assert.equal(requests[1].cwd, join(dir, "a"));
    assert.equal(await Deno.readTextFile(join(dir, "out.txt")), `a  b|unset|${dir}\n`);
  });
});

Deno.test("runJob() writes inputs and sets $in0 for that command only", async () => {
  await withJobDir(async (dir) => {
    const requests: ProcessRequest[] = [];
    await runJob({
      commands: [
        {
          cmd: ["/bin/cat", "$in0", "$in1"],
          inputs: [{ text: ["one", "two"] }, { json: { k: [1] } }],
          to_var: "C",
        },
        { cmd: ["/bin/sh", "-c", 'echo "\\${in0-none}" > after.txt'] },
      ],
    }, options(dir, requests));
    assert.equal(requests[0].argv[1], join(dir, "job", "1_in0"));
    assert.equal(requests[0].argv[2], join(dir, "job", "1_in1.json"));
    assert.equal(await Deno.readTextFile(join(dir, "after.txt")), "none\n");
  });
});

Deno.test("runJob() fails on a failing command, two types, or an unknown variable", async () => {
  await withJobDir(async (dir) => {
    const run = (commands: unknown[]) => runJob({ commands } as never, options(dir, []));
    await assert.rejects(run([{ cmd: ["/bin/false"] }]), /failed with exit code 1/);
    await assert.rejects(run([{ set: "A", value: "x", chdir: "y" }]), /more than one type/);
    await assert.rejects(run([{ cmd: ["/bin/echo", "$NOPE"] }]), HitError);
    await assert.rejects(run([{ cmd: ["mkdir", "x"] }]), /not found in PATH ""/);
    await run([{}]);
  });
});
