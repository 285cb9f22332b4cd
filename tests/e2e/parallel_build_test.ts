import assert from "node:assert/strict";
import { join } from "node:path";
import { denoDir, HIT, makeTempDir, runCli } from "./_run_cli.ts";

/** A synthetic stack: each package sleeps, then records when it ran and with how many CPUs. */
const STACK: Record<string, { deps: string[]; sleep: number }> = {
  root: { deps: [], sleep: 0.6 },
  lone1: { deps: [], sleep: 1.2 },
  lone2: { deps: [], sleep: 0.4 },
  mid1: { deps: ["root"], sleep: 1.0 },
  mid2: { deps: ["root"], sleep: 1.0 },
  mid3: { deps: ["root"], sleep: 1.0 },
  join1: { deps: ["mid1", "mid2"], sleep: 0.5 },
  join2: { deps: ["mid3", "lone1"], sleep: 0.5 },
  side1: { deps: ["lone2"], sleep: 0.6 },
  side2: { deps: ["side1"], sleep: 0.6 },
  top: { deps: ["join1", "join2"], sleep: 0.3 },
  last: { deps: ["top", "side2"], sleep: 0.2 },
};
const NAMES = Object.keys(STACK).sort();

/** When a package's script ran (seconds since the epoch) and its `HASHDIST_CPU_COUNT`. */
interface Run {
  start: number;
  end: number;
  cpus: number;
}

/**
 * Writes the stack's specs and `stack.yaml` into `dir`. Each sleep ends in `tag`, so that its
 * processes can be found in the process list; the `failing` ones exit 7 after their sleep.
 * With `gated`, a package does not sleep but waits until a `release` file appears in its
 * output folder, so a test decides when each build may end.
 */
async function writeStack(
  dir: string,
  options: { tag: string; failing?: string[]; scale?: number; gated?: boolean },
): Promise<string> {
  await Deno.mkdir(join(dir, "pkgs"), { recursive: true });
  for (const [name, { deps, sleep }] of Object.entries(STACK)) {
    const seconds = (sleep * (options.scale ?? 1)).toFixed(1) + options.tag;
    const wait = options.gated
      ? [
        `until [ -e "$ARTIFACT/release" ]; do sleep 0.05${options.tag}; done`,
        'rm "$ARTIFACT/release"',
      ]
      : [`sleep ${seconds}`];
    const script = [
      'mkdir -p "$ARTIFACT"',
      ': > "$ARTIFACT/running"',
      "start=$(date +%s.%N)",
      ...wait,
      ...(options.failing?.includes(name) ? [`echo "${name} fails on purpose"`, "exit 7"] : []),
      'echo "$start $(date +%s.%N) $HASHDIST_CPU_COUNT" > "$ARTIFACT/times"',
      'rm "$ARTIFACT/running"',
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
      NAMES.map((name) => `  ${name}:\n`).join(""),
  );
  return profile;
}

/** Nine random digits, prefixed so that a sleep lasts no longer for them. */
function uniqueTag(): string {
  return "000" + String(Math.floor(Math.random() * 1e9)).padStart(9, "0");
}

/** The runs recorded by each built package of the store at `store`. */
async function readRuns(store: string): Promise<Map<string, Run>> {
  const runs = new Map<string, Run>();
  for (const name of NAMES) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(join(store, name))];
    } catch {
      continue;
    }
    assert.equal(entries.length, 1, `${name} is in the store once`);
    const [start, end, cpus] =
      (await Deno.readTextFile(join(store, name, entries[0].name, "times")))
        .trim().split(" ").map(Number);
    runs.set(name, { start, end, cpus });
  }
  return runs;
}

/** The most packages, and the most CPUs, that ran at one moment. */
function peaks(runs: Iterable<Run>): { packages: number; cpus: number } {
  const points = [...runs].flatMap((run) => [
    { at: run.start, packages: 1, cpus: run.cpus },
    { at: run.end, packages: -1, cpus: -run.cpus },
  ]).sort((a, b) => a.at - b.at || a.packages - b.packages);
  let packages = 0, cpus = 0, most = { packages: 0, cpus: 0 };
  for (const point of points) {
    packages += point.packages;
    cpus += point.cpus;
    most = { packages: Math.max(most.packages, packages), cpus: Math.max(most.cpus, cpus) };
  }
  return most;
}

/** Artifact folders (`name/short`) of a store, and whether each is complete (has `id`). */
function storeFolders(store: string): { folder: string; complete: boolean }[] {
  const found: { folder: string; complete: boolean }[] = [];
  for (const name of NAMES) {
    try {
      for (const entry of Deno.readDirSync(join(store, name))) {
        const folder = join(store, name, entry.name);
        const complete = [...Deno.readDirSync(folder)].some((file) => file.name === "id");
        found.push({ folder: `${name}/${entry.name}`, complete });
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return found;
}

/** Names in the `[name] building` lines of plain progress output, in order. */
function startedNames(stderr: string): string[] {
  return [...stderr.matchAll(/^\d\d:\d\d:\d\d \[(\S+)\] building /gm)].map((match) => match[1]);
}

// Deno asks for --allow-all to read /proc, and the tests run with --ignore-env besides; bash
// reads it for them.
const PROCESS_LIST = `for p in /proc/[0-9]*; do
  printf '%s\\t%s\\t%s\\n' "\${p#/proc/}" "$(readlink "$p/cwd" 2>/dev/null)" \\
    "$(tr '\\0' ' ' < "$p/cmdline" 2>/dev/null)"
done`;

/** Processes whose command line holds `tag` or whose working folder is under `dir`. */
async function strayProcesses(tag: string, dir: string): Promise<string[]> {
  const output = await new Deno.Command("bash", { args: ["-c", PROCESS_LIST] }).output();
  assert.equal(output.code, 0);
  return new TextDecoder().decode(output.stdout).split("\n").filter((line) => {
    const [, cwd, cmdline] = line.split("\t");
    return cmdline !== undefined && (cmdline.includes(tag) || cwd.startsWith(dir + "/"));
  });
}

Deno.test("hit build -j 4 builds independent packages at once, dependencies first, within 4 CPUs", async () => {
  await using dir = await makeTempDir();
  const profile = await writeStack(dir.path, { tag: uniqueTag() });
  const result = await runCli(["build", profile, "-j", "4"], { cwd: dir.path });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "Profile build successful, link at: stack\n");
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(lines[0], /^\d\d:\d\d:\d\d 12 to build, 0 already built$/);
  // The end-of-build summary closes the progress lines.
  assert.match(lines.at(-1)!, /^12 built, 0 already present, in \d+\.\d s$/);
  for (const line of lines.slice(1, -1)) {
    assert.match(line, /^\d\d:\d\d:\d\d \[\S+\] (building \S+|built in \d+\.\d s)$/);
  }
  assert.deepEqual(startedNames(result.stderr).sort(), [...NAMES, "profile"].sort());

  const runs = await readRuns(join(dir.path, ".home", ".hit", "bld"));
  assert.deepEqual([...runs.keys()].sort(), NAMES);
  for (const [name, { deps }] of Object.entries(STACK)) {
    for (const dep of deps) {
      assert.ok(runs.get(name)!.start >= runs.get(dep)!.end, `${name} started before ${dep} ended`);
    }
  }
  const first = ["root", "lone1", "lone2"].map((name) => runs.get(name)!);
  assert.ok(
    Math.max(...first.map((run) => run.start)) < Math.min(...first.map((run) => run.end)),
    "root, lone1 and lone2 (ready together) overlap",
  );
  const most = peaks(runs.values());
  assert.ok(most.packages >= 3, `at most ${most.packages} package(s) at once`);
  assert.ok(most.packages <= 4 && most.cpus <= 4, `${most.packages} packages, ${most.cpus} CPUs`);
  assert.ok([...runs.values()].every((run) => run.cpus >= 1 && run.cpus <= 4));
});

Deno.test("hit build -j 1 builds one package at a time", async () => {
  await using dir = await makeTempDir();
  const profile = await writeStack(dir.path, { tag: uniqueTag(), scale: 0.25 });
  const result = await runCli(["build", profile, "-j", "1"], { cwd: dir.path });
  assert.equal(result.code, 0, result.stderr);
  const runs = await readRuns(join(dir.path, ".home", ".hit", "bld"));
  assert.deepEqual(peaks(runs.values()), { packages: 1, cpus: 1 });
});

Deno.test("hit build after a failure starts nothing new, lets running builds finish, stores no partial artifact", async () => {
  await using dir = await makeTempDir();
  const profile = await writeStack(dir.path, { tag: uniqueTag(), failing: ["mid2"] });
  const result = await runCli(["build", profile, "-j", "4"], { cwd: dir.path });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  const failedAt = result.stderr.search(/^\d\d:\d\d:\d\d \[mid2\] FAILED after \d+\.\d s$/m);
  assert.ok(failedAt > 0, result.stderr);
  assert.deepEqual(startedNames(result.stderr.slice(failedAt)), [], "no start after the failure");
  const started = startedNames(result.stderr);
  for (const name of started.filter((name) => name !== "mid2")) {
    assert.match(result.stderr, new RegExp(`\\[${name}\\] built in`), `${name} finished`);
  }
  for (const name of NAMES.filter((name) => !started.includes(name))) {
    assert.match(result.stderr, new RegExp(`\\[${name}\\] not built: the build stopped`));
  }
  assert.match(
    result.stderr,
    /^--- mid2: last 2 lines of .*build\.log ---\nhit \S+: build of mid2\/\S+ on .*\nmid2 fails on purpose\n/m,
  );
  assert.match(result.stderr, /^error: build "mid2\/\S+": run job: .* failed with exit code 7$/m);
  assert.match(result.stderr, /^hint: the build folder is kept: .*mid2-/m);

  const store = join(dir.path, ".home", ".hit", "bld");
  const folders = storeFolders(store);
  assert.ok(folders.every((entry) => entry.complete), JSON.stringify(folders));
  assert.ok(!folders.some((entry) => entry.folder.startsWith("mid2/")));
  assert.deepEqual([...Deno.readDirSync(join(store, ".staging"))], []);
  assert.ok(!folders.some((entry) => entry.folder.startsWith("profile/")));
});

Deno.test("hit build -k builds every package that does not depend on a failure, and reports each failure", async () => {
  await using dir = await makeTempDir();
  const failing = ["mid2", "side1"];
  const profile = await writeStack(dir.path, { tag: uniqueTag(), failing, scale: 0.5 });
  const result = await runCli(["build", profile, "-j", "4", "-k"], { cwd: dir.path });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  for (const [name, needs] of [["join1", "mid2"], ["top", "mid2"], ["side2", "side1"]]) {
    assert.match(
      result.stderr,
      new RegExp(`\\[${name}\\] not built: it needs "${needs}", which failed`),
    );
  }
  assert.match(result.stderr, /\[last\] not built: it needs "(mid2|side1)", which failed/);
  for (const name of failing) {
    assert.match(
      result.stderr,
      new RegExp(
        `^--- ${name}: last 2 lines of .*\\nhit \\S+: build of ${name}/.*\\n${name} fails on purpose\\n---$`,
        "m",
      ),
    );
  }
  const error = result.stderr.slice(result.stderr.indexOf("error: "));
  assert.match(
    error,
    /^error: build: 2 packages failed: "mid2", "side1"\n {2}"mid2": build "mid2\/\S+": run job: .* failed with exit code 7 \(build folder kept: \S+\)\n {2}"side1": build "side1\/\S+": .*\n {2}not built because of the failures: "join1", "side2", "top", "last"\nhint: show a package's log with "hit log NAME -p PROFILE"\n$/,
  );
  const runs = await readRuns(join(dir.path, ".home", ".hit", "bld"));
  assert.deepEqual(
    [...runs.keys()].sort(),
    NAMES.filter((name) => ![...failing, "join1", "side2", "top", "last"].includes(name)),
  );
});

for (const sandbox of ["bwrap", "none"]) {
  Deno.test(`hit build --sandbox ${sandbox} stopped by SIGINT kills every build, cleans up, and the next run completes`, async () => {
    await using dir = await makeTempDir();
    const tag = uniqueTag();
    // Gated: every build waits for the test, so the three first packages are still running
    // when the signal comes however slow the machine is.
    const profile = await writeStack(dir.path, { tag, gated: true });
    const home = join(dir.path, ".home");
    await Deno.mkdir(home, { recursive: true });
    const args = ["build", profile, "-j", "4", "--sandbox", sandbox];
    const child = new Deno.Command(HIT, {
      args,
      cwd: dir.path,
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: home,
        HIT_HOME: join(home, ".hit"),
        DENO_DIR: denoDir(),
        NO_COLOR: "1",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = child.output();
    // Wait until the three first packages run: each has its marker in its output folder.
    const store = join(home, ".hit", "bld");
    const deadline = Date.now() + 60_000;
    while (markers(store) < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(markers(store), 3, "the first builds never started");
    assert.notDeepEqual(await strayProcesses(tag, dir.path), [], "the builds show in /proc");
    child.kill("SIGINT");
    const result = await output;
    const stderr = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 130, stderr);
    assert.match(stderr, /^error: build: interrupted$/m);
    assert.match(stderr, /^ {2}stopped: "lone1", "lone2", "root"$/m);
    assert.match(stderr, /^hint: the store holds only complete artifacts/m);
    assert.deepEqual(await strayProcesses(tag, dir.path), []);
    const folders = storeFolders(store);
    assert.ok(folders.every((entry) => entry.complete), JSON.stringify(folders));
    assert.deepEqual(folders, []);
    assert.deepEqual(listDir(join(store, ".staging")), []);
    assert.deepEqual(listDir(join(home, ".hit", "tmp")), [], "no build folder");

    // The next run of the same profile: the test lets each build end as soon as it runs.
    let running = true;
    const releaser = (async () => {
      while (running) {
        releaseBuilds(store);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const next = await runCli(args, { cwd: dir.path }).finally(() => running = false);
    await releaser;
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stdout, "Profile build successful, link at: stack\n");
  });
}

/** Names in a folder; none when it does not exist. */
function listDir(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((entry) => entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** How many packages have the marker of a running build in their output folder. */
function markers(store: string): number {
  return outputFolders(store).filter((dir) => existsSync(join(dir, "running"))).length;
}

/** Lets every gated build that is waiting end: writes `release` beside its marker. */
function releaseBuilds(store: string): void {
  for (const dir of outputFolders(store)) {
    if (existsSync(join(dir, "running")) && !existsSync(join(dir, "release"))) {
      try {
        Deno.writeTextFileSync(join(dir, "release"), "");
      } catch (error) {
        // The build ended and its folder moved between the check and the write.
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
  }
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The output folders of a store's packages: staging folders and artifact folders. */
function outputFolders(store: string): string[] {
  const found: string[] = [];
  const look = (dir: string) => found.push(dir);
  try {
    for (const entry of Deno.readDirSync(join(store, ".staging"))) {
      look(join(store, ".staging", entry.name));
    }
  } catch {
    // Not created yet.
  }
  for (const name of NAMES) {
    try {
      for (const entry of Deno.readDirSync(join(store, name))) look(join(store, name, entry.name));
    } catch {
      // Not built.
    }
  }
  return found;
}
