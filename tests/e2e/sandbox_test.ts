import assert from "node:assert/strict";
import { join } from "node:path";
import { denoDir, HIT, makeTempDir, runCli } from "./_run_cli.ts";
import {
  type DriverReport,
  HTTP_TOKEN,
  netnsUnavailable,
  PROBE_DNS_NAME,
  PROBE_HTTP_PORT,
  runInProbeNetns,
} from "./_probe_netns.ts";

// The break-out probe: one package whose build tries every way out of the sandbox and writes
// `name=ok|blocked` per attempt into its artifact. Writes count as `ok` only beside a canary
// file the test put in the host folder: inside the sandbox a path outside the binds lands on
// bwrap's own tmpfs, which is harmless and gone afterwards. The test also checks every effect
// from the host.
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
};

const HOME_SECRET = "hit-probe-home-secret";
const ENV_SECRET = "hit-probe-env-secret";

const DEP_SPEC = `build_stages:
- name: run
  handler: bash
  bash: |
    mkdir -p "$ARTIFACT"
    echo dep > "$ARTIFACT/dep.txt"
`;

const PROBE_SCRIPT = String.raw`results="$ARTIFACT/results.txt"
mkdir -p "$ARTIFACT"
: > "$results"
attempt() {
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then echo "$name=ok" >> "$results"; else echo "$name=blocked" >> "$results"; fi
}
http_bash_tcp() {
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET /token HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
    grep -q {{HTTP_TOKEN}} <&3' _ {{HTTP_PORT}}
}
http_perl() {
  timeout 5 perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0], Timeout => 3)
      or exit 1;
    print $s "GET /token HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    local $/;
    my $r = <$s>;
    exit(defined $r && index($r, $ARGV[1]) >= 0 ? 0 : 1);' {{HTTP_PORT}} {{HTTP_TOKEN}}
}
dns_getent() {
  timeout 5 getent hosts {{DNS_NAME}}
}
dns_udp_perl() {
  timeout 5 perl -MIO::Socket::INET -MIO::Select -e '
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => 53, Proto => "udp")
      or exit 1;
    my $q = pack("n6", 0x1234, 0x0100, 1, 0, 0, 0)
      . join("", map { chr(length) . $_ } split /\./, $ARGV[0]) . "\0" . pack("n2", 1, 1);
    $s->send($q) or exit 1;
    IO::Select->new($s)->can_read(2) or exit 1;
    defined $s->recv(my $r, 512) or exit 1;
    exit(length($r) >= 12 ? 0 : 1);' {{DNS_NAME}}
}
env_has_secret() {
  tr '\0' '\n' | grep -q '^HIT_TEST_SECRET='
}
proc1_environ() {
  env_has_secret < /proc/1/environ
}
proc_all_environ() {
  cat /proc/[0-9]*/environ 2>/dev/null | env_has_secret
}
write_beside_canary() {
  test -e "$1/probe-canary" && touch "$1/hit-probe-evil"
}
unix_socket() {
  timeout 5 perl -MIO::Socket::UNIX -e '
    IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;' {{HOST_SOCKET}}
}
store=$(dirname "$(dirname "$ARTIFACT")")
attempt http_bash_tcp http_bash_tcp
attempt http_perl http_perl
attempt dns_getent dns_getent
attempt dns_udp_perl dns_udp_perl
attempt read_home_secret grep -q ${HOME_SECRET} {{HOME_SECRET_PATH}}
attempt env_secret bash -c 'env | grep -q "^HIT_TEST_SECRET="'
attempt proc1_environ proc1_environ
attempt proc_all_environ proc_all_environ
attempt write_dep_artifact touch "$DEP_DIR/hit-probe-evil"
attempt write_store_root write_beside_canary "$store"
attempt write_store_name_dir write_beside_canary "$(dirname "$DEP_DIR")"
attempt write_source_cache write_beside_canary {{SOURCE_CACHE}}
attempt write_host_tmp write_beside_canary {{HOST_TMP}}
attempt unix_socket unix_socket
attempt kill_0_host_pid kill -0 {{HOST_PID}}
attempt kill_9_host_pid kill -9 {{HOST_PID}}
exit 0
`;

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
  let victimExited = false;
  victim.status.then(() => victimExited = true);
  try {
    const profile = await writeProbeProfile(dir, {
      HTTP_PORT: String(PROBE_HTTP_PORT),
      HTTP_TOKEN,
      DNS_NAME: PROBE_DNS_NAME,
      HOME_SECRET_PATH: secretPath,
      SOURCE_CACHE: sourceCache,
      HOST_TMP: hostTmp,
      HOST_SOCKET: socketPath,
      HOST_PID: String(victim.pid),
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

    const probeDirs = [...Deno.readDirSync(join(store, "probe"))];
    assert.equal(probeDirs.length, 1);
    const probeDir = join(store, "probe", probeDirs[0].name);
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
    };
  } finally {
    listener.close();
    await accepting.catch(() => {});
    if (!victimExited) victim.kill("SIGKILL");
    await victim.status;
    await Deno.remove(hostTmp, { recursive: true });
  }
}

async function writeProbeProfile(dir: string, params: Record<string, string>): Promise<string> {
  await Deno.mkdir(join(dir, "pkgs"), { recursive: true });
  await Deno.writeTextFile(join(dir, "pkgs", "dep.yaml"), DEP_SPEC);
  await Deno.writeTextFile(
    join(dir, "pkgs", "probe.yaml"),
    `dependencies:\n  build: [dep]\nbuild_stages:\n- name: run\n  handler: bash\n  bash: |\n${
      PROBE_SCRIPT.trimEnd().split("\n").map((line) => `    ${line}`).join("\n")
    }\n`,
  );
  const profile = join(dir, "probe.yaml");
  const lines = Object.entries(params).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`);
  await Deno.writeTextFile(
    profile,
    `parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\n${lines.join("\n")}\n` +
      `package_dirs: [pkgs]\npackages:\n  dep:\n  probe:\n`,
  );
  return profile;
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

Deno.test({
  name: "hit build keeps a package build from every way out of the sandbox",
  ignore: unavailable !== undefined,
  async fn(t) {
    await using dir = await makeTempDir();
    const run = await runProbe(dir.path, []);
    assert.ok(run.report.httpAnswered, "the HTTP server does not answer outside the sandbox");
    assert.ok(run.report.dnsAnswered, "the DNS responder does not answer outside the sandbox");
    for (const [name, description] of Object.entries(ATTEMPTS)) {
      await t.step(`the build cannot succeed at ${description}`, () => {
        assert.equal(
          run.results.get(name),
          "blocked",
          `escape: ${description} (${name}) succeeded inside the sandbox`,
        );
      });
    }
    await t.step("nothing reached the host's servers, socket or process", () => {
      assert.equal(run.report.httpRequestsDuring, 0, "HTTP requests reached the server");
      assert.equal(
        run.report.dnsQueriesDuring,
        0,
        `DNS queries reached the responder: ${run.report.dnsNamesDuring.join(", ")}`,
      );
      assert.equal(run.unixConnections, 0, "connections reached the Unix socket");
      assert.ok(run.hostProcessAlive, "the host process was killed");
    });
    await t.step("nothing was written outside the new artifacts", () => {
      assert.deepEqual(run.evilFiles, []);
      assert.deepEqual(run.storeChanges, []);
    });
    assert.match(run.artifactJson, /"sandbox" : "bwrap"/);
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
    for (const [name, description] of Object.entries(ATTEMPTS)) {
      if (stoppedAnyway.includes(name)) continue;
      assert.equal(run.results.get(name), "ok", `the probe failed at ${description} (${name})`);
    }
    assert.ok(run.report.httpRequestsDuring > 0);
    assert.ok(run.report.dnsQueriesDuring > 0);
    assert.ok(run.unixConnections > 0);
    assert.ok(!run.hostProcessAlive);
    assert.match(run.artifactJson, /"sandbox" : "none"/);
  },
});
