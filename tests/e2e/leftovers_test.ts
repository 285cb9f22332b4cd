/**
 * Interrupted runs leave nothing behind: `hit build`, `hit fetch` and `hit gc` killed with
 * SIGKILL at states the test waits for, then the next run reclaims what they left (staging
 * folders, build folders, artifact folders without `id`, temp downloads) and succeeds; and a build in
 * progress keeps its folders while another `hit build` reclaims leftovers beside it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LIBYAML, LIBYAML_KEY, serve, SOURCES_DIR } from "../core/_source_fixtures.ts";
import { HIT, hitEnv, makeTempDir, runCli } from "./_run_cli.ts";

/** The home `runCli` gives `hit` in `cwd`. */
const hitHome = (cwd: string) => join(cwd, ".home", ".hit");

/**
 * A package whose build says it started (`started` in its build folder) and then waits for a
 * `go` file there, which only the test makes: a build that is running for as long as needed.
 */
async function writeGatedProfile(cwd: string, name: string): Promise<string> {
  await Deno.mkdir(join(cwd, "pkgs"), { recursive: true });
  await Deno.writeTextFile(
    join(cwd, "pkgs", `${name}.yaml`),
    "build_stages:\n- name: install\n  handler: bash\n  bash: |\n" +
      '    mkdir -p "${ARTIFACT}/share" && echo half > "${ARTIFACT}/share/half"\n' +
      "    touch started\n" +
      "    while [ ! -e go ]; do sleep 0.05; done\n" +
      `    echo ${name} > "\${ARTIFACT}/share/${name}"\n` +
      'profile_links:\n- link: "*/**/*"\n',
  );
  const profile = join(cwd, `${name}.yaml`);
  await Deno.writeTextFile(
    profile,
    "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\n" +
      `packages:\n  ${name}:\n`,
  );
  return profile;
}

/** Starts `hit ARGS` in `cwd` with the environment `runCli` gives it. */
async function startHit(args: string[], cwd: string): Promise<Deno.ChildProcess> {
  return new Deno.Command(HIT, {
    args,
    cwd,
    clearEnv: true,
    env: await hitEnv({ cwd }),
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Waits until `probe` returns a value (polling), for up to 120 s. */
async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Names in `dir`, or none when it does not exist. */
function names(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** The build folder of package `name` under `build_temp` holding `file`, if any. */
function buildFolderWith(cwd: string, name: string, file: string): string | undefined {
  const temp = join(hitHome(cwd), "tmp");
  const found = names(temp).find((entry) =>
    entry.startsWith(`${name}-`) && names(join(temp, entry)).includes(file)
  );
  return found === undefined ? undefined : join(temp, found);
}

/** What interrupted runs left in the store and `build_temp` of `cwd`. */
function leftovers(cwd: string): string[] {
  const store = join(hitHome(cwd), "bld");
  const found = names(join(store, ".staging")).map((entry) => `.staging/${entry}`);
  // The sandbox's seccomp filter is kept there on purpose, named by its hash, for every build.
  const cached = /^\.seccomp-[0-9a-f]{16}\.bpf$/;
  found.push(
    ...names(join(hitHome(cwd), "tmp")).filter((entry) => !cached.test(entry)).map((entry) =>
      `build_temp/${entry}`
    ),
  );
  for (const name of names(store).filter((entry) => !entry.startsWith("."))) {
    for (const short of names(join(store, name))) {
      if (!names(join(store, name, short)).includes("id")) found.push(`${name}/${short}`);
    }
  }
  return found;
}

async function kill(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch {
    // It ended already.
  }
  await child.status;
}

Deno.test("hit build, fetch and gc killed with SIGKILL 21 times leave nothing the next runs do not reclaim", async () => {
  await using dir = await makeTempDir();
  const cwd = dir.path;
  const profile = await writeGatedProfile(cwd, "gated");
  const tarball = await Deno.readFile(join(SOURCES_DIR, LIBYAML));
  let stall = true;
  // The first half of the tarball at once, the rest only once `stall` is off.
  await using server = serve((request) =>
    new Response(
      new ReadableStream({
        async start(controller) {
          controller.enqueue(tarball.slice(0, tarball.length >> 1));
          while (stall && !request.signal.aborted) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          if (!request.signal.aborted) controller.enqueue(tarball.slice(tarball.length >> 1));
          controller.close();
        },
      }),
    )
  );
  const store = join(hitHome(cwd), "bld");
  const trials: string[] = [];
  const reclaimedLines: string[] = [];

  // Builds killed while their staging folder is fresh, or while the job runs.
  for (let trial = 0; trial < 11; trial++) {
    const child = await startHit(["build", profile], cwd);
    try {
      if (trial % 2 === 0) {
        await waitFor(
          "a staging folder",
          () => names(join(store, ".staging")).length > 0 ? true : undefined,
        );
      } else {
        await waitFor("the build to start", () => buildFolderWith(cwd, "gated", "started"));
      }
    } finally {
      await kill(child);
    }
    trials.push(`build ${trial}`);
  }
  // Fetches killed while the download is half-way.
  const tmp = join(hitHome(cwd), "src", "tmp");
  for (let trial = 0; trial < 5; trial++) {
    const child = await startHit(["fetch", `${server.url}/${LIBYAML}`], cwd);
    try {
      await waitFor("a partial download", async () => {
        const partial = names(tmp).find((entry) => entry.startsWith("downloading-"));
        const size = partial === undefined ? 0 : (await Deno.stat(join(tmp, partial))).size;
        return size > 0 ? true : undefined;
      });
    } finally {
      await kill(child);
    }
    trials.push(`fetch ${trial}`);
  }
  // Collections killed while they remove an artifact of 3000 files.
  for (let trial = 0; trial < 5; trial++) {
    const dead = join(store, "dead", `d${trial}`.padEnd(12, "0"));
    await Deno.mkdir(join(dead, "files"), { recursive: true });
    for (let i = 0; i < 3000; i++) await Deno.writeTextFile(join(dead, "files", `${i}`), "x");
    await Deno.writeTextFile(join(dead, "id"), `dead/d${trial}\n`);
    const child = await startHit(["gc"], cwd);
    try {
      await waitFor(
        "gc to start removing",
        () => names(dead).includes("id") ? undefined : true,
      );
    } finally {
      await kill(child);
    }
    trials.push(`gc ${trial}`);
  }
  assert.ok(trials.length >= 20);
  const before = leftovers(cwd);
  assert.ok(before.length > 0, "the kills left nothing to reclaim: the test tests nothing");

  // The next runs: a build that completes, a fetch, a gc.
  const builder = await new Deno.Command(HIT, {
    args: ["build", profile],
    cwd,
    clearEnv: true,
    env: await hitEnv({ cwd }),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const folder = await waitFor(
    "the last build to start",
    () => buildFolderWith(cwd, "gated", "started"),
  );
  await Deno.writeTextFile(join(folder, "go"), "");
  const built = await builder.output();
  const stderr = new TextDecoder().decode(built.stderr);
  assert.equal(built.code, 0, stderr);
  reclaimedLines.push(...stderr.split("\n").filter((line) => line.includes("leftover")));
  assert.match(reclaimedLines.join("\n"), /^removed \d+ leftovers? of interrupted runs \(/);
  stall = false;
  const fetched = await runCli(["fetch", `${server.url}/${LIBYAML}`], { cwd });
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.match(fetched.stdout, new RegExp(`key: ${LIBYAML_KEY}`));
  // Temp downloads are reclaimed once unlocked and an hour old (`download_temp.ts`): age them.
  const killedDownloads = names(tmp).filter((entry) => entry.startsWith("downloading-"));
  assert.ok(killedDownloads.length > 0, "the killed fetches left no temp download");
  const anHourAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
  for (const entry of killedDownloads) await Deno.utime(join(tmp, entry), anHourAgo, anHourAgo);
  const gc = await runCli(["gc"], { cwd });
  assert.equal(gc.code, 0, gc.stderr);
  assert.match(gc.stdout, /^removed \d+ temp downloads? of interrupted fetches \(/m);

  const after = leftovers(cwd);
  console.log(
    `${trials.length} kills (11 build, 5 fetch, 5 gc): ${before.length} leftovers and ` +
      `${killedDownloads.length} temp downloads before the next runs, ${after.length} after`,
  );
  assert.deepEqual(after, []);
  assert.equal(Deno.readTextFileSync(join(cwd, "gated", "share", "gated")), "gated\n");
  assert.deepEqual(names(tmp).filter((entry) => entry.startsWith("downloading-")), []);
});

Deno.test("hit build reclaims leftovers beside a running build and leaves that build's folders alone", async () => {
  await using dir = await makeTempDir();
  const cwd = dir.path;
  const running = await writeGatedProfile(cwd, "running");
  const other = await writeGatedProfile(cwd, "other");
  const store = join(hitHome(cwd), "bld");
  // A leftover of a killed build of `other`: its staging folder and build folder.
  const first = await startHit(["build", other], cwd);
  try {
    await waitFor("the build to start", () => buildFolderWith(cwd, "other", "started"));
  } finally {
    await kill(first);
  }
  const stale = leftovers(cwd);
  assert.equal(stale.length, 2, stale.join(", "));
  // The next build of `other` makes a folder of the same name: this tells the two apart.
  const staleFolder = buildFolderWith(cwd, "other", "started")!;
  await Deno.writeTextFile(join(staleFolder, "stale"), "");

  const child = await new Deno.Command(HIT, {
    args: ["build", running],
    cwd,
    clearEnv: true,
    env: await hitEnv({ cwd }),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const folder = await waitFor(
    "the running build to start",
    () => buildFolderWith(cwd, "running", "started"),
  );
  const staging = names(join(store, ".staging")).filter((entry) => entry.startsWith("running-"));
  assert.equal(staging.length, 1);
  // `other` again, beside it: it reclaims the leftovers of its killed run, not what runs.
  const second = await startHit(["build", other], cwd);
  let otherFolder;
  try {
    otherFolder = await waitFor(
      "the second build to start",
      () => buildFolderWith(cwd, "other", "started"),
    );
    assert.ok(Deno.statSync(folder).isDirectory);
    assert.ok(Deno.statSync(join(store, ".staging", staging[0])).isDirectory);
    const staleStaging = stale.filter((path) => path.startsWith(".staging/"));
    assert.ok(!leftovers(cwd).includes(staleStaging[0]), leftovers(cwd).join(", "));
    assert.ok(!names(otherFolder).includes("stale"));
    await Deno.writeTextFile(join(otherFolder, "go"), "");
    assert.equal((await second.status).code, 0);
  } finally {
    await kill(second);
  }
  await Deno.writeTextFile(join(folder, "go"), "");
  const output = await child.output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(Deno.readTextFileSync(join(cwd, "running", "share", "running")), "running\n");
  assert.deepEqual(leftovers(cwd), []);
});

Deno.test("hit build beside hit build --check --keep leaves the check build and the kept folder alone", async () => {
  await using dir = await makeTempDir();
  const cwd = dir.path;
  const profile = await writeGatedProfile(cwd, "gated");
  const store = join(hitHome(cwd), "bld");
  const first = await startHit(["build", profile], cwd);
  try {
    const folder = await waitFor(
      "the build to start",
      () => buildFolderWith(cwd, "gated", "started"),
    );
    await Deno.writeTextFile(join(folder, "go"), "");
    assert.equal((await first.status).code, 0);
  } finally {
    await kill(first);
  }

  const check = await new Deno.Command(HIT, {
    args: ["build", "--check", "--keep", profile],
    cwd,
    clearEnv: true,
    env: await hitEnv({ cwd }),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const folder = await waitFor(
      "the check build to start",
      () => buildFolderWith(cwd, "gated", "started"),
    );
    const staging = names(join(store, ".staging"));
    assert.equal(staging.length, 1, staging.join(", "));
    // A `hit build` beside it: everything is built, and it reclaims leftovers.
    const beside = await runCli(["build", profile], { cwd });
    assert.equal(beside.code, 0, beside.stderr);
    assert.doesNotMatch(beside.stderr, /leftover/);
    assert.deepEqual(names(join(store, ".staging")), staging, "the check build was removed");
    assert.ok(names(folder).includes("job"), "the check's build folder was removed");
    await Deno.writeTextFile(join(folder, "go"), "");
    const output = await check.output();
    const stdout = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    assert.match(stdout, /^gated: reproducible$/m);
    const kept = stdout.match(/^ {2}second build kept at (.+)$/m)?.[1];
    assert.ok(kept !== undefined, stdout);
    assert.ok(kept.startsWith(join(store, ".check", "gated-")), kept);
    // The next `hit build` and `hit gc` leave the kept check build where it was printed.
    const next = await runCli(["build", profile], { cwd });
    assert.equal(next.code, 0, next.stderr);
    const gc = await runCli(["gc"], { cwd });
    assert.equal(gc.code, 0, gc.stderr);
    assert.equal(Deno.readTextFileSync(join(kept, "share", "gated")), "gated\n");
    assert.deepEqual(names(join(store, ".staging")), []);
  } finally {
    await kill(check);
  }
});

Deno.test("hit fetch reclaims what a killed hit build left, and says what it freed", async () => {
  await using dir = await makeTempDir();
  const cwd = dir.path;
  const profile = await writeGatedProfile(cwd, "gated");
  const child = await startHit(["build", profile], cwd);
  try {
    await waitFor("the build to start", () => buildFolderWith(cwd, "gated", "started"));
  } finally {
    await kill(child);
  }
  const before = leftovers(cwd);
  assert.equal(before.length, 2, before.join(", "));
  await using server = serve(async () =>
    new Response(await Deno.readFile(join(SOURCES_DIR, LIBYAML)))
  );

  const fetched = await runCli(["fetch", `${server.url}/${LIBYAML}`], { cwd });
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.match(fetched.stderr, /^removed 2 leftovers of interrupted runs \(/m);
  assert.match(fetched.stdout, new RegExp(`key: ${LIBYAML_KEY}`));
  assert.deepEqual(leftovers(cwd), []);
  // Nothing left: the next fetch frees nothing and says nothing about it.
  const again = await runCli(["fetch", `${server.url}/${LIBYAML}`], { cwd });
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /leftover/);
});
