import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { denoDir, HIT, makeTempDir, runCli } from "./_run_cli.ts";
import { bashPackage, writeProfile } from "./_bash_profile.ts";
import { mountNamespaceUnavailable, runCliWithoutBwrap } from "./_hide_bwrap.ts";
import {
  type DriverReport,
  HTTP_TOKEN,
  netnsUnavailable,
  PROBE_DNS_NAME,
  PROBE_HTTP_PORT,
  runInProbeNetns,
} from "./_probe_netns.ts";

// The break-out probe (fixtures/sandbox_probe.sh): one package whose build tries every way out
// of the sandbox and writes `name=ok|blocked` per attempt into its artifact. The network probes
// run inside a network namespace the test makes (_probe_netns.ts), never on the host's. The test
// also checks every effect from the host.
const ATTEMPTS: Record<string, string> = {
  http_bash_tcp: "an HTTP GET to 127.0.0.1 with bash /dev/tcp",
  http_perl: "an HTTP GET to 127.0.0.1 with perl",
  dns_getent: `resolving "${PROBE_DNS_NAME}" through the resolver`,
  dns_udp_perl: "a DNS query sent straight to 127.0.0.1:53",
  read_home_secret: "reading a secret file in HOME",
  env_secret: "reading HIT_TEST_SECRET from the environment",
  proc1_environ: "reading HIT_TEST_SECRET from /proc/1/environ",
  proc_all_environ: "reading HIT_TEST_SECRET from /proc/*/environ",
  write_dep_artifact: "writing into the dependency's artifact",
  write_store_root: "writing into the store root",
  write_store_name_dir: "writing into the dependency's name folder in the store",
  write_source_cache: "writing into the source cache",
  write_host_tmp: "writing into the host's /tmp",
  unix_socket: "connecting to a Unix socket the test listens on",
  kill_0_host_pid: "signalling a host process (kill -0)",
  kill_9_host_pid: "killing a host process (kill -9)",
  write_host_sysctl: "writing a host sysctl (/proc/sys/vm/swappiness, its own value back)",
  new_user_namespace: "creating a user namespace (unshare -U)",
};

// Without root, the host's sysctls are out of reach unsandboxed too.
const ROOT_ONLY = ["write_host_sysctl"];

// What Landlock, by design, does not stop, and why; ABI-dependent gaps are added at run time.
const NOT_BLOCKED_BY_LANDLOCK: Record<string, string> = {
  unix_socket: "Landlock up to ABI 7 does not control connecting to a named Unix socket, and " +
    "the seccomp filter lets AF_UNIX through (builds use it)",
  daemon: "without a pid namespace, a process in a session of its own outlives the build",
};

const HOME_SECRET = "hit-probe-home-secret";
const ENV_SECRET = "hit-probe-env-secret";

const PROBE_SCRIPT = Deno.readTextFileSync(
  new URL("./fixtures/sandbox_probe.sh", import.meta.url),
);

/** What one run of the probe package showed, inside and from the host. */
interface ProbeRun {
  report: DriverReport;
  /** `name` → `ok` or `blocked`, from the probe artifact's `results.txt`. */
  results: Map<string, string>;
  artifactJson: string;
  unixConnections: number;
  hostProcessAlive: boolean;
  /** Files named `hit-probe-evil` anywhere in the test's HOME (store, source cache) or tmp folder. */
  evilFiles: string[];
  /** Store entries that existed before the build and changed, and new ones outside new artifacts. */
  storeChanges: string[];
  /** Whether the daemon the probe started was still running after the build. */
  daemonLeft: boolean;
}

/** Builds `dep` on the host, then the probe inside a private network namespace. */
async function runProbe(dir: string, sandboxArgs: string[]): Promise<ProbeRun> {
  const home = join(dir, ".home");
  const hitHome = join(home, ".hit");
  const store = join(hitHome, "bld");
  const sourceCache = join(hitHome, "src");
  await Deno.mkdir(home, { recursive: true });
  const secretPath = join(home, "secret.txt");
  await Deno.writeTextFile(secretPath, HOME_SECRET + "\n");
  // The host's own /tmp, not TMPDIR: the sandbox mounts a fresh tmpfs there.
  const hostTmp = await Deno.makeTempDir({ dir: "/tmp", prefix: "hit-probe-host-" });
  const socketPath = join(dir, "probe.sock");
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  let unixConnections = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      unixConnections++;
      conn.close();
    }
  })();
  const victim = new Deno.Command("sleep", { args: ["60"], stdout: "null", stderr: "null" })
    .spawn();
  const daemonName = `hit-probe-daemon-${crypto.randomUUID()}`;
  let victimExited = false;
  victim.status.then(() => victimExited = true);
  try {
    const profile = await writeProfile(dir, {
      dep: bashPackage('mkdir -p "$ARTIFACT"\necho dep > "$ARTIFACT/dep.txt"'),
      probe: bashPackage(PROBE_SCRIPT, "dependencies:\n  build: [dep]\n"),
    }, {
      HTTP_PORT: String(PROBE_HTTP_PORT),
      HTTP_TOKEN,
      DNS_NAME: PROBE_DNS_NAME,
      HOME_SECRET,
      HOME_SECRET_PATH: secretPath,
      SOURCE_CACHE: sourceCache,
      PROBE_HOST_TMP: hostTmp,
      PROBE_HOST_SOCKET: socketPath,
      PROBE_HOST_PID: String(victim.pid),
      DAEMON_NAME: daemonName,
    });
    // The dependency is built first, on its own, so that the store has it before the probe runs.
    const dep = await runCli(["build", profile, "--package", "dep", ...sandboxArgs], {
      cwd: dir,
    });
    assert.equal(dep.code, 0, dep.stderr);
    const depName = join(store, "dep");
    for (const folder of [store, depName, sourceCache, hostTmp]) {
      await Deno.writeTextFile(join(folder, "probe-canary"), "canary\n");
    }
    const before = await snapshot(store);

    const report = await runInProbeNetns([HIT, "build", profile, ...sandboxArgs], {
      cwd: dir,
      scratch: join(dir, "netns"),
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: home,
        HIT_HOME: hitHome,
        DENO_DIR: denoDir(),
        NO_COLOR: "1",
        // Deno's own update check (a lookup of dl.deno.land by `hit` itself, outside the
        // sandbox) would otherwise reach the responder.
        DENO_NO_UPDATE_CHECK: "1",
        HIT_TEST_SECRET: ENV_SECRET,
      },
    });
    assert.equal(report.error, undefined, "the probe namespace could not be set up");
    assert.equal(report.command?.code, 0, report.command?.stderr);

    // A child killed by the probe settles its status once Deno has reaped it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([victim.status, new Promise((resolve) => timer = setTimeout(resolve, 200))]);
    clearTimeout(timer);
    const probeDir = onlyArtifact(store, "probe");
    const results = new Map<string, string>();
    for (const line of (await Deno.readTextFile(join(probeDir, "results.txt"))).split("\n")) {
      const [name, outcome] = line.split("=");
      if (name) results.set(name, outcome);
    }
    return {
      report,
      results,
      artifactJson: await Deno.readTextFile(join(probeDir, "artifact.json")),
      unixConnections,
      hostProcessAlive: !victimExited,
      evilFiles: [
        ...await findNamed(home, "hit-probe-evil"),
        ...await findNamed(hostTmp, "hit-probe-evil"),
      ],
      storeChanges: compareStore(before, await snapshot(store)),
      daemonLeft: await killNamed(daemonName),
    };
  } finally {
    await killNamed(daemonName);
    listener.close();
    await accepting.catch(() => {});
    if (!victimExited) victim.kill("SIGKILL");
    await victim.status;
    await Deno.remove(hostTmp, { recursive: true });
  }
}

/** Kills (by pid) the processes whose argv[0] is `name`; whether there were any. */
async function killNamed(name: string): Promise<boolean> {
  // Deno's permissions keep /proc from tests; bash reads it.
  const script = 'for d in /proc/[0-9]*; do IFS= read -r -d "" a < "$d/cmdline" 2>/dev/null && ' +
    '[ "$a" = "$1" ] && echo "${d#/proc/}"; done; true';
  const output = await new Deno.Command("bash", { args: ["-c", script, "find", name] }).output();
  let found = false;
  for (const pid of new TextDecoder().decode(output.stdout).split("\n")) {
    if (pid === "") continue;
    found = true;
    try {
      Deno.kill(Number(pid), "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  return found;
}

/** The folder of the one artifact of package `name` in `store`. */
function onlyArtifact(store: string, name: string): string {
  const dirs = [...Deno.readDirSync(join(store, name))].filter((entry) => entry.isDirectory);
  assert.equal(dirs.length, 1, `artifacts of "${name}"`);
  return join(store, name, dirs[0].name);
}

/** Every entry below `root`, keyed by relative path: type, mode, and size and mtime of files. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  async function walk(dir: string, prefix: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      const rel = prefix + entry.name;
      const info = await Deno.lstat(path);
      if (info.isSymlink) {
        entries.set(rel, `link ${await Deno.readLink(path)}`);
      } else if (info.isDirectory) {
        // A folder's mtime changes whenever an artifact is added below it.
        entries.set(rel, `dir ${info.mode}`);
        await walk(path, rel + "/");
      } else {
        entries.set(rel, `file ${info.mode} ${info.size} ${info.mtime?.getTime()}`);
      }
    }
  }
  await walk(root, "");
  return entries;
}

// Allowed: new artifact folders (`name/short` with an `id`), their name folders, lock files.
function compareStore(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [path, entry] of before) {
    if (after.get(path) !== entry) changes.push(`changed or removed: ${path}`);
  }
  const newArtifacts = [...after.keys()].filter((path) =>
    path.split("/").length === 2 && !before.has(path) && after.has(`${path}/id`)
  );
  for (const path of after.keys()) {
    if (before.has(path) || path.startsWith(".locks/")) continue;
    const inArtifact = newArtifacts.some((artifact) =>
      path === artifact || path.startsWith(artifact + "/") || artifact.startsWith(path + "/")
    );
    if (!inArtifact) changes.push(`new: ${path}`);
  }
  return changes;
}

async function findNamed(root: string, name: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.name === name) found.push(path);
      if (entry.isDirectory) await walk(path);
    }
  }
  await walk(root);
  return found;
}

const unavailable = netnsUnavailable();

/** Checks that every attempt but those in `allowed` (name → why) was blocked. */
async function assertBlocked(
  t: Deno.TestContext,
  run: ProbeRun,
  allowed: Record<string, string>,
): Promise<void> {
  assert.ok(run.report.httpAnswered, "the HTTP server does not answer outside the sandbox");
  assert.ok(run.report.dnsAnswered, "the DNS responder does not answer outside the sandbox");
  for (const [name, description] of Object.entries(ATTEMPTS)) {
    if (allowed[name] !== undefined) {
      console.log(`not checked: ${description} (${name}): ${allowed[name]}`);
      continue;
    }
    await t.step(`the build cannot succeed at ${description}`, () => {
      const outcome = run.results.get(name);
      assert.ok(outcome !== undefined, `the probe recorded nothing for ${name}`);
      assert.equal(outcome, "blocked", `escape: ${description} (${name}) succeeded`);
    });
  }
  await t.step("nothing reached the host's servers or process", () => {
    assert.equal(run.report.httpRequestsDuring, 0, "HTTP requests reached the server");
    assert.equal(
      run.report.dnsQueriesDuring,
      0,
      `DNS queries reached the responder: ${run.report.dnsNamesDuring.join(", ")}`,
    );
    if (allowed.unix_socket === undefined) {
      assert.equal(run.unixConnections, 0, "connections reached the Unix socket");
    }
    assert.ok(run.hostProcessAlive, "the host process was killed");
  });
  await t.step("nothing was written outside the new artifacts", () => {
    assert.deepEqual(run.evilFiles, []);
    assert.deepEqual(run.storeChanges, []);
  });
  if (allowed.daemon === undefined) {
    await t.step("no process of the build outlived it", () => {
      assert.ok(!run.daemonLeft, "the probe's daemon was still running after the build");
    });
  } else {
    console.log(`not checked: a daemon left behind: ${allowed.daemon}`);
  }
}

Deno.test({
  name: "hit build keeps a package build from every way out of the sandbox (bwrap)",
  ignore: unavailable !== undefined,
  async fn(t) {
    await using dir = await makeTempDir();
    const run = await runProbe(dir.path, ["--sandbox=bwrap"]);
    await assertBlocked(t, run, {});
    assert.match(run.artifactJson, /"sandbox" : "bwrap"/);
  },
});

Deno.test({
  name: "hit build keeps a package build from every way out of the sandbox (landlock)",
  ignore: unavailable !== undefined,
  async fn(t) {
    await using dir = await makeTempDir();
    const run = await runProbe(dir.path, ["--sandbox=landlock"]);
    assert.match(run.artifactJson, /"sandbox" : "landlock"/);
    const details = JSON.parse(run.artifactJson).sandbox_details as { landlock_abi: number };
    const allowed = { ...NOT_BLOCKED_BY_LANDLOCK };
    if (details.landlock_abi < 6) {
      const why = `Landlock ABI ${details.landlock_abi} < 6 cannot scope signals`;
      Object.assign(allowed, { kill_0_host_pid: why, kill_9_host_pid: why });
    }
    await assertBlocked(t, run, allowed);
  },
});

// The same probe unsandboxed: each attempt the sandbox is meant to stop does succeed, so a
// `blocked` above is the sandbox's doing and not a broken probe.
Deno.test({
  name: "hit build --sandbox=none lets the break-out probe through, so the probe can see escapes",
  ignore: unavailable !== undefined,
  async fn() {
    await using dir = await makeTempDir();
    const run = await runProbe(dir.path, ["--sandbox=none"]);
    // hit clears the environment of every build, sandboxed or not; pid 1 is the host's init.
    const stoppedAnyway = ["env_secret", "proc1_environ"];
    if (Deno.uid() !== 0) stoppedAnyway.push(...ROOT_ONLY);
    for (const [name, description] of Object.entries(ATTEMPTS)) {
      if (stoppedAnyway.includes(name)) continue;
      assert.equal(run.results.get(name), "ok", `the probe failed at ${description} (${name})`);
    }
    assert.ok(run.report.httpRequestsDuring > 0);
    assert.ok(run.report.dnsQueriesDuring > 0);
    assert.ok(run.unixConnections > 0);
    assert.ok(!run.hostProcessAlive);
    assert.ok(run.daemonLeft, "the probe's daemon did not outlive the unsandboxed build");
    assert.match(run.artifactJson, /"sandbox" : "none"/);
  },
});

// The store's own files are written after the sandbox is gone, by `hit` as the user: a symlink
// the build left in their place must not lead that write, or the read of the log, to a host file.
Deno.test("hit build writes no host file through symlinks a build leaves, and reads none into its log", async () => {
  await using dir = await makeTempDir();
  const targets = join(dir.path, "targets");
  await Deno.mkdir(targets);
  const names = ["build.log.gz", "build-info.json", "build.json", "artifact.json", "_id", "id"];
  for (const name of names) await Deno.writeTextFile(join(targets, name), "original\n");
  const secret = join(dir.path, "secret.txt");
  await Deno.writeTextFile(secret, `${HOME_SECRET}\n`);
  const plant = 'mkdir -p "$ARTIFACT"\n' +
    `for name in ${names.join(" ")}; do ln -s "{{TARGETS}}/$name" "$ARTIFACT/$name"; done\n` +
    "rm -f _hashdist/build.log\nln -s {{SECRET}} _hashdist/build.log\necho planted\n";
  const profile = await writeProfile(dir.path, {
    planted: bashPackage(plant),
    failing: bashPackage(plant + "exit 3"),
  }, { TARGETS: targets, SECRET: secret });

  const built = await runCli(["build", profile, "--package", "planted"], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);
  const failed = await runCli(["build", profile, "--package", "failing"], { cwd: dir.path });
  assert.equal(failed.code, 1);
  // The tail of the log, when shown, is the build's own output.
  if (failed.stderr.includes("--- last ")) assert.match(failed.stderr, /^planted$/m);
  assert.doesNotMatch(failed.stderr, new RegExp(HOME_SECRET), "a host file was shown as the log");

  for (const name of names) {
    const path = join(targets, name);
    assert.equal(await Deno.readTextFile(path), "original\n", `${path} was written`);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o644, `${path} was chmodded`);
  }
  const artifact = onlyArtifact(join(dir.path, ".home", ".hit", "bld"), "planted");
  for (const name of ["build.log.gz", "build.json", "artifact.json", "id"]) {
    assert.ok((await Deno.lstat(join(artifact, name))).isFile, `${name} is not a regular file`);
  }
  const log = new TextDecoder().decode(
    gunzipSync(await Deno.readFile(join(artifact, "build.log.gz"))),
  );
  assert.match(log, /^planted$/m);
  assert.doesNotMatch(log, new RegExp(HOME_SECRET), "a host file was stored as the log");
});

// `alpha` links its whole `share` folder into the profile (`dirs: true`), so the profile's
// `share` is a symlink into alpha's artifact; `beta`'s link rule then writes below it.
const LINK_PACKAGES = {
  alpha: bashPackage(
    'mkdir -p "$ARTIFACT/share/alpha"\necho alpha > "$ARTIFACT/share/alpha/a.txt"',
    "profile_links:\n- link: share\n  dirs: true\n",
  ),
  beta: bashPackage(
    'mkdir -p "$ARTIFACT/share"\necho beta > "$ARTIFACT/share/b.txt"',
    'profile_links:\n- link: "*/**/*"\n',
  ),
};

Deno.test("hit build: the profile's link job cannot modify a package artifact", async () => {
  await using dir = await makeTempDir();
  const profile = await writeProfile(dir.path, LINK_PACKAGES);
  const store = join(dir.path, ".home", ".hit", "bld");
  const packages = await runCli(["build", profile, "--package", "alpha"], { cwd: dir.path });
  assert.equal(packages.code, 0, packages.stderr);
  const alpha = onlyArtifact(store, "alpha");
  const before = await snapshot(alpha);

  const result = await runCli(["build", profile], { cwd: dir.path });
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /error: build "profile\/[a-z2-7]{32}": run job: hit \["create-links"/,
  );
  assert.deepEqual(await snapshot(alpha), before, "the link job changed alpha's artifact");
});

Deno.test("hit build --sandbox=none lets the link job write into a package artifact", async () => {
  await using dir = await makeTempDir();
  const profile = await writeProfile(dir.path, LINK_PACKAGES);
  const result = await runCli(["build", profile, "--sandbox=none"], { cwd: dir.path });
  assert.equal(result.code, 0, result.stderr);
  const alpha = onlyArtifact(join(dir.path, ".home", ".hit", "bld"), "alpha");
  assert.ok((await Deno.lstat(join(alpha, "share", "b.txt"))).isSymlink);
});

Deno.test("hit build --sandbox=none warns on stderr and records the sandbox in artifact.json", async () => {
  await using dir = await makeTempDir();
  const profile = await writeProfile(dir.path, {
    plain: bashPackage('mkdir -p "$ARTIFACT"\necho plain > "$ARTIFACT/plain.txt"'),
  });
  const result = await runCli(["build", profile, "--sandbox=none"], { cwd: dir.path });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "Profile build successful, link at: profile\n");
  assert.match(
    result.stderr,
    /^warning: building WITHOUT a sandbox: builds can reach the network and write anywhere you can\n/,
  );
  const store = join(dir.path, ".home", ".hit", "bld");
  for (const name of ["plain", "profile"]) {
    const json = await Deno.readTextFile(join(onlyArtifact(store, name), "artifact.json"));
    assert.match(json, /"sandbox" : "none"/, `artifact.json of ${name}`);
  }
});

const EXAMPLE_STACK = new URL("../../examples/stack.yaml", import.meta.url).pathname;

Deno.test({
  name: "hit build without bubblewrap builds the README's example stack under Landlock",
  ignore: mountNamespaceUnavailable() !== undefined,
  async fn() {
    await using dir = await makeTempDir();
    const result = await runCliWithoutBwrap(["build", EXAMPLE_STACK], { cwd: dir.path });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "Profile build successful, link at: stack\n");
    const greet = await new Deno.Command(join(dir.path, "stack", "bin", "greet-all"), {
      args: ["you"],
    }).output();
    assert.equal(new TextDecoder().decode(greet.stdout).split("\n")[0], "Hello, you!");
    const store = join(dir.path, ".home", ".hit", "bld");
    const json = JSON.parse(
      await Deno.readTextFile(join(onlyArtifact(store, "greet"), "artifact.json")),
    );
    assert.equal(json.sandbox, "landlock");
    assert.ok(json.sandbox_details.landlock_abi >= 1);
    const status = await runCli(["status", EXAMPLE_STACK, "--json"], { cwd: dir.path });
    const rows = JSON.parse(status.stdout) as { sandbox?: string; sandbox_details?: unknown }[];
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(row.sandbox, "landlock");
      assert.deepEqual(row.sandbox_details, json.sandbox_details);
    }
  },
});

Deno.test({
  name: "hit build with neither bubblewrap nor Landlock refuses, naming both, and builds with " +
    "--sandbox=none",
  ignore: mountNamespaceUnavailable() !== undefined,
  async fn() {
    await using dir = await makeTempDir();
    const profile = await writeProfile(dir.path, {
      plain: bashPackage('mkdir -p "$ARTIFACT"'),
    });
    const env = { HIT_TEST_NO_LANDLOCK: "1" };
    const result = await runCliWithoutBwrap(["build", profile], { cwd: dir.path, env });
    assert.deepEqual(result, {
      code: 1,
      stdout: "",
      stderr: "error: sandbox builds: no sandbox works here: bwrap: bubblewrap (bwrap) is not " +
        "installed; Landlock: switched off by HIT_TEST_NO_LANDLOCK=1 (a switch for hit's tests " +
        "only)\nhint: install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; " +
        "RHEL/Fedora: dnf install bubblewrap), or build unsandboxed with --sandbox=none\n",
    });
    const store = join(dir.path, ".home", ".hit", "bld");
    assert.deepEqual([...Deno.readDirSync(store)].filter((e) => !e.name.startsWith(".")), []);
    const none = await runCliWithoutBwrap(["build", profile, "--sandbox=none"], {
      cwd: dir.path,
      env,
    });
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stderr, /^warning: building WITHOUT a sandbox/);
  },
});

// A spec's `files:` must not pack a host file into the source cache: neither by a path that
// leaves the package folder nor by a symlink in it.
Deno.test("hit status, fetch and build refuse `files:` that leave the package folder", async () => {
  await using dir = await makeTempDir();
  const secret = join(dir.path, "secret.txt");
  await Deno.writeTextFile(secret, `${HOME_SECRET}\n`);
  const script = "build_stages:\n- name: run\n  handler: bash\n  files: [FILES]\n" +
    '  bash: mkdir -p "$ARTIFACT"\n';
  for (const name of ["up", "link"]) {
    await Deno.mkdir(join(dir.path, "pkgs", name), { recursive: true });
  }
  await Deno.writeTextFile(
    join(dir.path, "pkgs", "up", "up.yaml"),
    script.replace("FILES", "../../secret.txt"),
  );
  await Deno.symlink(secret, join(dir.path, "pkgs", "link", "data.txt"));
  await Deno.writeTextFile(
    join(dir.path, "pkgs", "link", "link.yaml"),
    script.replace("FILES", "data.txt"),
  );
  for (
    const [name, message] of [
      ["up", /"files" entry "\.\.\/\.\.\/secret\.txt" leaves the package folder/],
      ["link", /file "data\.txt" is a symlink to .*secret\.txt, outside the package folder/],
    ] as const
  ) {
    const profile = join(dir.path, `${name}.yaml`);
    await Deno.writeTextFile(
      profile,
      `parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\npackages:\n  ${name}:\n`,
    );
    for (const command of [["status", profile], ["fetch", profile], ["build", profile]]) {
      const result = await runCli(command, { cwd: dir.path });
      assert.equal(result.code, 1, `${command[0]} ${name}: ${result.stderr}`);
      assert.match(result.stderr, message, `${command[0]} ${name}`);
      assert.doesNotMatch(result.stderr, /internal error|\.ts:\d+:\d+/, "a stack trace");
    }
  }
  // Nothing under HOME (the configuration, store and source cache) holds the secret.
  const home = join(dir.path, ".home");
  const leaks = (await exists(home)) ? await filesHolding(home, HOME_SECRET) : [];
  assert.deepEqual(leaks, []);
});

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

async function filesHolding(root: string, text: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    const path = join(root, entry.name);
    if (entry.isDirectory) found.push(...await filesHolding(path, text));
    else if (entry.isFile && (await Deno.readTextFile(path)).includes(text)) found.push(path);
  }
  return found;
}

// A build that leaves a setuid program: the bit is taken off before the artifact is committed.
Deno.test("hit build takes setuid and setgid bits off a build's files, with a warning", async () => {
  await using dir = await makeTempDir();
  const profile = await writeProfile(dir.path, {
    suid: bashPackage(
      'mkdir -p "$ARTIFACT/bin"\ncp /bin/true "$ARTIFACT/bin/suid"\nchmod 6755 "$ARTIFACT/bin/suid"',
    ),
  });
  // Built in a staging folder (bwrap) and in place (Landlock, as without a sandbox).
  for (const sandbox of ["--sandbox=bwrap", "--sandbox=landlock"]) {
    await Deno.remove(join(dir.path, ".home"), { recursive: true }).catch(() => {});
    const result = await runCli(["build", profile, sandbox], { cwd: dir.path });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /warning: build "suid\/[a-z2-7]{32}": "bin\/suid": took off its setuid and setgid bit/,
      sandbox,
    );
    const store = join(dir.path, ".home", ".hit", "bld");
    const mode = (await Deno.stat(join(onlyArtifact(store, "suid"), "bin", "suid"))).mode!;
    assert.equal(mode & 0o7777, 0o755, `${sandbox}: mode ${mode.toString(8)}`);
  }
});

// A fork bomb and a /tmp filler, bounded by `sandbox_limits` (64 processes, 1 MiB files).
const BOMB_AND_FILLER = [
  'mkdir -p "$ARTIFACT"',
  'r="$ARTIFACT/results.txt"',
  'if [ "$HIT_PROBE_BOMB" = 1 ]; then',
  `  perl -e 'my @p; for (1..200) { my $c = fork; last unless defined $c; if (!$c) { sleep 30; exit } push @p, $c } print "started=", scalar(@p), "\\n"; kill 9, @p; waitpid($_, 0) for @p' >> "$r"`,
  "fi",
  // Landlock's build writes no /tmp: its temp folder (TMPDIR) is in the build folder.
  'f="${TMPDIR:-/tmp}/hit-probe-fill-$$"',
  '(dd if=/dev/zero of="$f" bs=1M count=4) 2> /dev/null || true',
  'echo "tmp_bytes=$(stat -c %s "$f")" >> "$r"',
  'rm -f "$f"',
  // Many files, each under the file size limit: /tmp itself must be bounded (bwrap's tmpfs).
  "total=0",
  "for i in 1 2 3 4; do",
  '  g="/tmp/hit-probe-many-$$-$i"',
  '  (dd if=/dev/zero of="$g" bs=512K count=1) 2> /dev/null || true',
  '  total=$((total + $(stat -c %s "$g" 2> /dev/null || echo 0)))',
  "done",
  "rm -f /tmp/hit-probe-many-$$-*",
  'echo "tmp_total=$total" >> "$r"',
].join("\n");

Deno.test("a fork bomb and a /tmp filler are bounded by sandbox_limits under bwrap and landlock", async () => {
  await using dir = await makeTempDir();
  await Deno.chmod(dir.path, 0o755);
  const hitHome = join(dir.path, ".home", ".hit");
  for (const sandbox of ["none", "bwrap", "landlock"]) {
    // Never a fork bomb on the host: the unsandboxed control fills /tmp only.
    const bomb = sandbox === "none" ? "0" : "1";
    if (sandbox === "none") {
      console.log("not run under none: the fork bomb (it would hit the host)");
    }
    const profile = await writeProfile(dir.path, {
      bomb: bashPackage(`HIT_PROBE_BOMB=${bomb}\n${BOMB_AND_FILLER}`),
    });
    await Deno.remove(join(hitHome, "bld"), { recursive: true }).catch(() => {});
    // The package alone: the limits apply to the profile's in-build `hit` too.
    const result = await runCli(["build", profile, "--package", "bomb", `--sandbox=${sandbox}`], {
      cwd: dir.path,
    });
    assert.equal(result.code, 0, `${sandbox}: ${result.stderr}`);
    if (sandbox === "none") {
      await Deno.writeTextFile(
        join(hitHome, "config.yaml"),
        "sandbox_limits: {processes: 64, file_size_bytes: 1048576, tmp_bytes: 1048576}\n",
        { append: true },
      );
    }
    const text = await Deno.readTextFile(
      join(onlyArtifact(join(hitHome, "bld"), "bomb"), "results.txt"),
    );
    const results = Object.fromEntries(text.trim().split("\n").map((line) => line.split("=")));
    if (sandbox === "none") {
      assert.equal(results.tmp_bytes, String(4 * 1024 * 1024), "the control's filler was stopped");
      assert.equal(results.tmp_total, String(2 * 1024 * 1024), "the control's files were stopped");
      continue;
    }
    console.log(
      `${sandbox}: ${results.started} of 200 processes, a ${results.tmp_bytes}-byte file`,
    );
    assert.ok(Number(results.started) < 64, `${sandbox}: ${results.started} processes started`);
    assert.ok(
      Number(results.tmp_bytes) <= 1024 * 1024,
      `${sandbox}: /tmp took ${results.tmp_bytes}`,
    );
    assert.ok(
      Number(results.tmp_total) <= 1024 * 1024,
      `${sandbox}: /tmp held ${results.tmp_total} bytes in several files`,
    );
  }
});
