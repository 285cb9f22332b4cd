import assert from "node:assert/strict";
import { join } from "node:path";
import { LIBYAML, LIBYAML_KEY, serveSources } from "../core/_source_fixtures.ts";
import { makeTempDir, runCli } from "./_run_cli.ts";
import { startSmallStackServer, writeSmallStack } from "./_small_stack.ts";

Deno.test("hit fetch PROFILE fetches every source once, then finds them all cached", async () => {
  await using dir = await makeTempDir();
  await using server = await startSmallStackServer(dir.path);
  await writeSmallStack(dir.path, server);

  const dry = await runCli(["fetch", "stack.yaml", "--dry-run"], { cwd: dir.path });
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stderr, "");
  const lines = dry.stdout.trimEnd().split("\n");
  assert.equal(lines[0], "would fetch 5 of 5 sources (0 already cached):");
  assert.deepEqual(lines.slice(1).map((line) => line.replace(/files:\w+/, "files:X")), [
    `  "greeting": files:X (build-script bundle, written)`,
    `  "tinygit": files:X (build-script bundle, written)`,
    `  "tinygit": git:${server.commit} from "${server.gitUrl}"`,
    `  "yamldoc": files:X (build-script bundle, written)`,
    `  "yamldoc": ${LIBYAML_KEY} from "${server.tarballUrl}"`,
  ]);
  assert.equal(server.requests.length, 0, "a dry run fetches nothing");

  const first = await runCli(["fetch", "stack.yaml"], { cwd: dir.path });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^5 sources, 0 already cached, 1\d\d\.\d KiB fetched\n$/);
  // Each line says the size and the time it took, which varies.
  assert.deepEqual(
    first.stderr.trimEnd().replace(/ in \d+\.\d s\)/g, " in T)").split("\n").sort(),
    [
      `fetched "tinygit": git:${server.commit} from "${server.gitUrl}" (${
        /\(([\d.]+ KiB) in /.exec(first.stderr.split("tinygit")[1])![1]
      } in T)`,
      `fetched "yamldoc": ${LIBYAML_KEY} from "${server.tarballUrl}" (83.1 KiB in T)`,
    ],
  );
  assert.equal(server.requests.filter((path) => path === `/${LIBYAML}`).length, 1);
  assert.ok(server.requests.some((path) => path.startsWith("/tiny.git/objects/")));

  const requests = server.requests.length;
  const second = await runCli(["fetch", "stack.yaml", "-j", "1"], { cwd: dir.path });
  assert.deepEqual(second, {
    code: 0,
    stdout: "5 sources, 5 already cached, 0 B fetched\n",
    stderr: "",
  });
  const dryAgain = await runCli(["fetch", "-p", "stack.yaml", "-n"], { cwd: dir.path });
  assert.equal(dryAgain.stdout, "would fetch 0 of 5 sources (5 already cached)\n");
  // -p takes what every PROFILE argument takes: here the name without ".yaml".
  const named = await runCli(["fetch", "-p", "stack", "-n", "--json"], { cwd: dir.path });
  assert.equal(named.code, 0, named.stderr);
  assert.equal(
    named.stderr,
    `note: profile "stack" is the file "${join(dir.path, "stack.yaml")}"\n`,
  );
  const planned = JSON.parse(named.stdout).sources;
  assert.equal(planned.length, 5);
  assert.deepEqual(planned.find((source: { key: string }) => source.key === LIBYAML_KEY), {
    key: LIBYAML_KEY,
    url: server.tarballUrl,
    packages: ["yamldoc"],
    action: "cached",
    bytes: null,
  });
  const json = await runCli(["fetch", "stack.yaml", "--json"], { cwd: dir.path });
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), {
    sources: 5,
    cached: 5,
    fetched: 0,
    written: 0,
    bytes: 0,
    failures: [],
  });
  assert.equal(server.requests.length, requests, "nothing cached is asked for again");
});

Deno.test("hit fetch PROFILE lists every failed source with package, URL and key, exit 1", async () => {
  await using dir = await makeTempDir();
  await using server = await startSmallStackServer(dir.path);
  const gone = `${server.url}/gone.tar.gz`;
  await writeSmallStack(dir.path, { ...server, gitUrl: `${server.url}/gone.git` }, {
    tarball: { key: LIBYAML_KEY, url: gone },
  });
  const result = await runCli(["fetch", "stack.yaml", "-q"], { cwd: dir.path });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "5 sources, 0 already cached, 0 B fetched, 2 failed\n");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines[0], "error: fetch: 2 of 5 sources failed");
  assert.ok(
    lines[1].startsWith(
      `  "tinygit": git:${server.commit} from "${server.url}/gone.git": run "git ls-remote`,
    ),
    lines[1],
  );
  const yamldoc = lines.findIndex((line) => line.startsWith(`  "yamldoc": `));
  assert.equal(
    lines[yamldoc],
    `  "yamldoc": ${LIBYAML_KEY} from "${gone}": fetch "${LIBYAML_KEY}": every source failed`,
  );
  assert.equal(lines[yamldoc + 1], `    tried "${gone}": HTTP 404 Not Found`);
  assert.match(lines.at(-1)!, /^hint: check the URLs above/);
  // The bundles were written all the same; a second run retries only the two.
  const again = await runCli(["fetch", "stack.yaml", "-q"], { cwd: dir.path });
  assert.equal(again.stdout, "5 sources, 3 already cached, 0 B fetched, 2 failed\n");
  const json = await runCli(["fetch", "stack.yaml", "-q", "--json"], { cwd: dir.path });
  assert.equal(json.code, 1);
  const summary = JSON.parse(json.stdout);
  assert.deepEqual([summary.sources, summary.cached, summary.fetched], [5, 3, 0]);
  assert.deepEqual(
    summary.failures.map((failure: { packages: string[]; url: string }) => [
      failure.packages[0],
      failure.url,
    ]).sort(),
    [["tinygit", `${server.url}/gone.git`], ["yamldoc", gone]],
  );
  assert.match(summary.failures[0].error, /\S/);
});

Deno.test("hit fetch --offline URL fails at the fetch stage's permission; the live server sees nothing", async () => {
  // The stage itself: tests/stages/fetch_stage_test.ts, "fetchInWorker() offline is denied a
  // live server by permission, not by the network".
  await using dir = await makeTempDir();
  await using server = serveSources();
  const url = `${server.url}/${LIBYAML}`;
  const denied = (port: string) =>
    `error: fetch "${url}": offline, and the fetch stage has no network permission\n` +
    `  run the fetch stage: denied net access to "127.0.0.1:${port}"\n` +
    "hint: fetch it without --offline (and HIT_OFFLINE) where the network is reachable\n";
  const port = new URL(server.url).port;
  const flag = await runCli(["fetch", "--offline", url], { cwd: dir.path });
  assert.deepEqual(flag, { code: 1, stdout: "", stderr: denied(port) });
  const env = await runCli(["fetch", url], { cwd: dir.path, env: { HIT_OFFLINE: "1" } });
  assert.deepEqual(env, { code: 1, stdout: "", stderr: denied(port) });
  assert.deepEqual(server.requests, []);
  assert.deepEqual(
    [...Deno.readDirSync(join(dir.path, ".home", ".hit", "src"))].map((e) => e.name).sort(),
    ["tmp"],
  );
  const online = await runCli(["fetch", url, "-q"], { cwd: dir.path });
  assert.equal(online.code, 0, online.stderr);
  assert.deepEqual(server.requests, [`/${LIBYAML}`]);
});

Deno.test("hit fetch --offline PROFILE takes what a --mirror folder has and lists the rest", async () => {
  await using dir = await makeTempDir();
  await using server = await startSmallStackServer(dir.path);
  await writeSmallStack(dir.path, server);
  const mirror = join(dir.path, "mirror");
  await Deno.mkdir(join(mirror, "packs", "tar.gz"), { recursive: true });
  await Deno.writeFile(
    join(mirror, "packs", "tar.gz", LIBYAML_KEY.split(":")[1]),
    await (await fetch(server.tarballUrl)).bytes(),
  );
  const requests = server.requests.length;
  const result = await runCli(["fetch", "stack.yaml", "--offline", "--mirror", "mirror"], {
    cwd: dir.path,
  });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "5 sources, 0 already cached, 83.1 KiB fetched, 1 failed\n");
  assert.match(
    result.stderr,
    new RegExp(
      `"tinygit": git:${server.commit} from "[^"]+": missing source "git:\\w+" \\(offline\\)`,
    ),
  );
  assert.match(result.stderr, /hint: run it again where the network is reachable/);
  assert.equal(server.requests.length, requests);
});
