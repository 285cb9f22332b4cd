/**
 * `hit build --executor slurm` against a real one-node Slurm cluster (`_slurm_cluster.ts`),
 * started once for the file: a diamond of small packages, a stack partly built already, a
 * package a `file://` remote holds (pulled on the login node, no job), a failing middle
 * package with and without `--keep-going`, Ctrl-C, an oversize CPU request, and the example
 * stack with the same artifact ids as a local build.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HIT, hitEnv, makeTempDir, runCli, runProgram } from "./_run_cli.ts";
import { type SlurmCluster, slurmMissing, startSlurmCluster } from "./_slurm_cluster.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));
const MISSING = slurmMissing();
if (MISSING !== undefined) console.log(`skipping the Slurm tests: ${MISSING}`);

/** The diamond a → {b, c} → d; each package records when it ran and its CPU count. */
const DIAMOND: Record<string, string[]> = { a: [], b: ["a"], c: ["a"], d: ["b", "c"] };

/**
 * Writes the diamond into `dir`; `sleep` gives a package's run time (default 0.2 s), and the
 * `failing` ones exit 7. Each package checks that its dependencies' artifacts are complete.
 */
async function writeDiamond(
  dir: string,
  options: { sleep?: Record<string, number>; failing?: string[] } = {},
): Promise<string> {
  await Deno.mkdir(join(dir, "pkgs"), { recursive: true });
  for (const [name, deps] of Object.entries(DIAMOND)) {
    const script = [
      'mkdir -p "$ARTIFACT"',
      "start=$(date +%s.%N)",
      ...deps.map((dep) => `test -f "$${dep.toUpperCase()}_DIR/id" || exit 9`),
      `sleep ${options.sleep?.[name] ?? 0.2}`,
      ...(options.failing?.includes(name) ? [`echo "${name} fails on purpose"`, "exit 7"] : []),
      'echo "$start $(date +%s.%N) $HASHDIST_CPU_COUNT" > "$ARTIFACT/times"',
    ];
    await Deno.writeTextFile(
      join(dir, "pkgs", `${name}.yaml`),
      `dependencies:\n  build: [${deps.join(", ")}]\nbuild_stages:\n- name: run\n` +
        `  handler: bash\n  bash: |\n${script.map((line) => `    ${line}`).join("\n")}\n`,
    );
  }
  const profile = join(dir, "stack.yaml");
  await Deno.writeTextFile(
    profile,
    "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\npackages:\n" +
      Object.keys(DIAMOND).map((name) => `  ${name}:\n`).join(""),
  );
  return profile;
}

/** Start, end and CPU count each built package of the store recorded. */
async function readTimes(store: string): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>();
  for (const name of Object.keys(DIAMOND)) {
    try {
      for (const entry of Deno.readDirSync(join(store, name))) {
        const text = await Deno.readTextFile(join(store, name, entry.name, "times"));
        times.set(name, text.trim().split(" ").map(Number));
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return times;
}

/** The Slurm job id of each package, from the plain progress lines. */
function jobIds(stderr: string): Map<string, string> {
  return new Map(
    [...stderr.matchAll(/\[(\w+)\] queued as Slurm job (\d+),/g)].map((m) => [m[1], m[2]]),
  );
}

/** The state of each job of the cluster, from `squeue --json`. */
async function jobStates(cluster: SlurmCluster): Promise<Map<string, string>> {
  const out = await runProgram("squeue", ["--json"], {
    env: { ...Deno.env.toObject(), ...cluster.env },
  });
  assert.equal(out.code, 0, out.stderr);
  const jobs = JSON.parse(out.stdout).jobs as { job_id: number; job_state: string }[];
  return new Map(jobs.map((job) => [String(job.job_id), job.job_state]));
}

Deno.test({
  name: "hit build --executor slurm builds, fails, keeps going and stops like a local build",
  ignore: MISSING !== undefined,
  async fn(t) {
    await using clusterDir = await makeTempDir("hit-slurm-");
    await using cluster = await startSlurmCluster(clusterDir.path);
    const slurm = (dir: string, args: string[]) =>
      runCli(["build", ...args, "--executor", "slurm"], { cwd: dir, env: cluster.env });

    await t.step(
      "a diamond: every job after its dependencies, each with the CPUs it asked for",
      async () => {
        await using dir = await makeTempDir();
        const profile = await writeDiamond(dir.path);
        const result = await slurm(dir.path, [profile, "-j", "1"]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, "Profile build successful, link at: stack\n");
        assert.match(result.stderr, /^\d\d:\d\d:\d\d 4 to build, 0 already built$/m);
        assert.match(result.stderr, /\[d\] queued as Slurm job \d+, waiting for its dependencies/);
        assert.match(result.stderr, /\[a\] building a\/\w+ on localhost/);
        const times = await readTimes(join(dir.path, ".home", ".hit", "bld"));
        assert.deepEqual([...times.keys()].sort(), ["a", "b", "c", "d"]);
        const [start, end] = [0, 1];
        for (const [name, deps] of Object.entries(DIAMOND)) {
          for (const dep of deps) {
            assert.ok(times.get(name)![start] >= times.get(dep)![end], `${name} after ${dep}`);
          }
          assert.equal(times.get(name)![2], 1, `${name}'s HASHDIST_CPU_COUNT`);
        }
        const states = await jobStates(cluster);
        for (const id of jobIds(result.stderr).values()) assert.equal(states.get(id), "COMPLETED");
      },
    );

    await t.step("artifacts already built get no job and no dependency", async () => {
      await using dir = await makeTempDir();
      const profile = await writeDiamond(dir.path);
      const first = await runCli(["build", profile, "--package", "a"], { cwd: dir.path });
      assert.equal(first.code, 0, first.stderr);
      const result = await slurm(dir.path, [profile, "-j", "1"]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /3 to build, 1 already built/);
      assert.deepEqual([...jobIds(result.stderr).keys()].sort(), ["b", "c", "d"]);
      assert.doesNotMatch(result.stderr, /\[[bc]\] queued as Slurm job \d+, waiting for its dep/);
      // A run that built everything leaves no requests or logs behind.
      assert.deepEqual([...Deno.readDirSync(join(dir.path, ".home", ".hit", "bld", ".slurm"))], []);
    });

    await t.step("what a remote holds is pulled on the login node, with no job", async () => {
      await using builder = await makeTempDir();
      await using node = await makeTempDir();
      await using cache = await makeTempDir();
      const url = `file://${cache.path}`;
      // The builder builds "a" alone and pushes it (unsigned) to a folder remote.
      const made = await runCli(["build", await writeDiamond(builder.path), "--package", "a"], {
        cwd: builder.path,
      });
      assert.equal(made.code, 0, made.stderr);
      const aDir = join(builder.path, ".home", ".hit", "bld", "a");
      const [built] = [...Deno.readDirSync(aDir)].map((entry) => join(aDir, entry.name));
      const aId = (await Deno.readTextFile(join(built, "id"))).trim();
      for (const [cwd, push] of [[builder.path, ["--push"]], [node.path, []]] as const) {
        const added = await runCli(
          ["remote", "add", "cache", url, ...push, "--trust-unsigned"],
          { cwd },
        );
        assert.equal(added.code, 0, added.stderr);
      }
      const pushed = await runCli(["push", aId], { cwd: builder.path });
      assert.equal(pushed.code, 0, pushed.stderr);

      const result = await slurm(node.path, [await writeDiamond(node.path), "-j", "1"]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /\[a\] pulled /);
      assert.match(result.stderr, /3 to build, 0 already built/);
      assert.match(result.stdout, /pulled 1 from "cache"/);
      assert.deepEqual([...jobIds(result.stderr).keys()].sort(), ["b", "c", "d"]);
      // b and c depend on nothing of this run: the pulled "a" is in the store already.
      assert.doesNotMatch(result.stderr, /\[[bc]\] queued as Slurm job \d+, waiting for its dep/);
      const times = await readTimes(join(node.path, ".home", ".hit", "bld"));
      assert.deepEqual([...times.keys()].sort(), ["a", "b", "c", "d"]);
    });

    await t.step(
      "a failing middle package: log tail shown, every other job cancelled",
      async () => {
        await using dir = await makeTempDir();
        // c would run for minutes: it ends only because the run cancels it.
        const profile = await writeDiamond(dir.path, { failing: ["b"], sleep: { c: 300 } });
        const result = await slurm(dir.path, [profile, "-j", "1"]);
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /\[b\] FAILED after/);
        assert.match(
          result.stderr,
          /^--- b: last \d+ lines of \S+\/\.slurm\/\S+\/b-\w+\.\d+\.log ---$/m,
        );
        assert.match(result.stderr, /^b fails on purpose$/m);
        assert.match(result.stderr, /Slurm job \d+ ended FAILED with exit code 1/);
        const ids = jobIds(result.stderr);
        const states = await jobStates(cluster);
        assert.equal(states.get(ids.get("b")!), "FAILED");
        assert.equal(states.get(ids.get("c")!), "CANCELLED");
        assert.equal(states.get(ids.get("d")!), "CANCELLED");
        assert.deepEqual([...(await readTimes(join(dir.path, ".home", ".hit", "bld"))).keys()], [
          "a",
        ]);
      },
    );

    await t.step(
      "--keep-going builds the independent branch; Slurm cancels the dependant",
      async () => {
        await using dir = await makeTempDir();
        const profile = await writeDiamond(dir.path, { failing: ["b"], sleep: { c: 1 } });
        const result = await slurm(dir.path, [profile, "-j", "1", "-k"]);
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /\[c\] built in/);
        assert.match(result.stderr, /\[d\] not built: it needs "b", which failed/);
        const times = await readTimes(join(dir.path, ".home", ".hit", "bld"));
        assert.deepEqual([...times.keys()].sort(), ["a", "c"]);
        const states = await jobStates(cluster);
        assert.equal(states.get(jobIds(result.stderr).get("d")!), "CANCELLED");
      },
    );

    await t.step("Ctrl-C cancels every job of the run, by id", async () => {
      await using dir = await makeTempDir();
      const profile = await writeDiamond(dir.path, { sleep: { a: 300 } });
      const child = new Deno.Command(HIT, {
        args: ["build", profile, "-j", "1", "--executor", "slurm"],
        cwd: dir.path,
        clearEnv: true,
        env: { ...await hitEnv({ cwd: dir.path }), ...cluster.env },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      let stderr = "";
      const decoder = new TextDecoder();
      const reader = child.stderr.getReader();
      const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
      try {
        while (!/\[a\] building /.test(stderr)) {
          const { value, done } = await reader.read();
          if (done) break;
          stderr += decoder.decode(value, { stream: true });
        }
        assert.match(stderr, /\[a\] building /, "a never started");
        child.kill("SIGINT");
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          stderr += decoder.decode(value, { stream: true });
        }
      } finally {
        clearTimeout(timer);
      }
      const status = await child.status;
      assert.equal(status.code, 130, stderr);
      assert.match(stderr, /^error: build: interrupted$/m);
      assert.match(stderr, /^ {2}stopped: "a"$/m);
      const ids = [...jobIds(stderr).values()];
      assert.equal(ids.length, 4);
      assert.match(stderr, new RegExp(`^  cancelled Slurm jobs: ${ids.join(", ")}$`, "m"));
      const states = await jobStates(cluster);
      for (const id of ids) assert.equal(states.get(id), "CANCELLED", `job ${id}`);
    });

    await t.step("the example stack builds with the same artifact ids as locally", async () => {
      await using local = await makeTempDir();
      await using remote = await makeTempDir();
      const here = await runCli(["build", EXAMPLE, "-o", "stack"], { cwd: local.path });
      assert.equal(here.code, 0, here.stderr);
      const there = await slurm(remote.path, [EXAMPLE, "-o", "stack", "-j", "1"]);
      assert.equal(there.code, 0, there.stderr);
      const status = async (cwd: string) => {
        const out = await runCli(["status", EXAMPLE, "--json"], { cwd });
        assert.equal(out.code, 0, out.stderr);
        return JSON.parse(out.stdout);
      };
      const [a, b] = [await status(local.path), await status(remote.path)];
      assert.deepEqual(b, a);
      const greet = await runProgram(join(remote.path, "stack", "bin", "greet-all"), ["you"], {});
      assert.equal(greet.code, 0, greet.stderr);
      assert.match(greet.stdout, /you/);
    });

    await t.step(
      "--slurm-group builds a chain in one job; CPUs are clamped to the node",
      async () => {
        await using dir = await makeTempDir();
        await writeDiamond(dir.path);
        // Only a and c of the diamond: the chain a → c.
        const profile = join(dir.path, "chain.yaml");
        await Deno.writeTextFile(
          profile,
          "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\n" +
            "packages:\n  a:\n  c:\n",
        );
        const result = await slurm(dir.path, [profile, "--slurm-group", "2", "-j", "64"]);
        assert.equal(result.code, 0, result.stderr);
        const ids = jobIds(result.stderr);
        assert.equal(ids.get("a"), ids.get("c"));
        assert.match(
          result.stderr,
          /\[a\] built in[^]*\[c\] building c\/\w+ on localhost[^]*\[c\] built/,
        );
        const times = await readTimes(join(dir.path, ".home", ".hit", "bld"));
        assert.deepEqual([...times.keys()].sort(), ["a", "c"]);
        assert.ok(times.get("c")![0] >= times.get("a")![1]);
        // `-j 64` asked for more CPUs than the node has: clamped, or the job would never run.
        assert.equal(times.get("a")![2], cluster.cpus);
        assert.equal(times.get("c")![2], cluster.cpus);
      },
    );

    await t.step("a missing source stops the build before anything is submitted", async () => {
      await using dir = await makeTempDir();
      const profile = await writeDiamond(dir.path);
      const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const url = `http://127.0.0.1:${closed.addr.port}/gone.tar.gz`;
      closed.close();
      await Deno.writeTextFile(
        join(dir.path, "pkgs", "b.yaml"),
        `dependencies:\n  build: [a]\nsources:\n- key: tar.gz:${"a".repeat(32)}\n  url: ${url}\n` +
          `build_stages:\n- name: run\n  handler: bash\n  bash: |\n    mkdir -p "$ARTIFACT"\n`,
      );
      const before = (await jobStates(cluster)).size;
      const result = await slurm(dir.path, [profile]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /while fetching the sources of package "b"/);
      assert.equal((await jobStates(cluster)).size, before, "no job was submitted");
      assert.doesNotMatch(result.stderr, /queued as Slurm job/);
    });

    await t.step("an unknown partition is an error before anything is submitted", async () => {
      await using dir = await makeTempDir();
      const profile = await writeDiamond(dir.path);
      const result = await slurm(dir.path, [profile, "--slurm-partition", "nope"]);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^error: find Slurm partition "nope": "sinfo" does not list it$/m,
      );
      assert.match(result.stderr, /^hint: list the partitions with "sinfo -s"/m);
    });
  },
});

Deno.test({
  name: "hit build --executor slurm says when the cluster does not answer",
  ignore: MISSING !== undefined,
  async fn() {
    await using dir = await makeTempDir();
    const profile = await writeDiamond(dir.path);
    // A cluster whose controller port nothing listens on.
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = closed.addr.port;
    closed.close();
    const conf = join(dir.path, "slurm.conf");
    await Deno.writeTextFile(
      conf,
      `ClusterName=down\nSlurmctldHost=localhost\nSlurmctldPort=${port}\nAuthType=auth/none\n` +
        `CredType=cred/none\nNodeName=localhost CPUs=1\nPartitionName=debug Nodes=localhost\n`,
    );
    const result = await runCli(["build", profile, "--executor", "slurm"], {
      cwd: dir.path,
      env: { SLURM_CONF: conf },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /^error: run "sinfo": exit 1: .*Unable to contact slurm controller/m,
    );
    assert.match(result.stderr, /^hint: the Slurm controller does not answer: check "sinfo"/m);
    assert.doesNotMatch(result.stderr, /internal error/);
  },
});
