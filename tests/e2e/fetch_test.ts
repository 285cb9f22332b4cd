import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";
import { listDir, serveSources, SOURCES_DIR } from "../core/_source_fixtures.ts";

const FFTW = "fftw_2.1.5.orig.tar.gz";
const FFTW_KEY = "tar.gz:7acx7lq4px4lteiwpa7ph2kknjcfddkj";
const WRONG_KEY = "tar.gz:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/** The packs of the default source cache under the `.home/.hit` that `runCli` sets up. */
function packsDir(cwd: string): string {
  return join(cwd, ".home", ".hit", "src", "packs");
}

Deno.test("hit fetch URL prints the sources entry and stores the pack", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const url = `${server.url}/${FFTW}`;
  const result = await runCli(["fetch", url], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 0,
    stdout: `sources:\n- key: ${FFTW_KEY}\n  url: ${url}\n`,
    stderr: `fetched ${url}: 1.2 MiB\n`,
  });
  const pack = join(packsDir(dir.path), "tar.gz", FFTW_KEY.split(":")[1]);
  assert.deepEqual(await Deno.readFile(pack), await Deno.readFile(join(SOURCES_DIR, FFTW)));
  assert.equal((await Deno.stat(pack)).mode! & 0o777, 0o444);
});

Deno.test("hit fetch URL KEY succeeds when the key matches", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const url = `${server.url}/${FFTW}`;
  for (const args of [[url, FFTW_KEY], [url, "--key", FFTW_KEY]]) {
    const result = await runCli(["fetch", ...args], { cwd: dir.path });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `sources:\n- key: ${FFTW_KEY}\n  url: ${url}\n`);
  }
  const json = await runCli(["fetch", url, FFTW_KEY, "--json", "-q"], { cwd: dir.path });
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), {
    url,
    final_url: url,
    key: FFTW_KEY,
    bytes: (await Deno.stat(join(SOURCES_DIR, FFTW))).size,
  });
});

Deno.test("hit fetch URL KEY exits 2 and keeps nothing when the key differs", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const url = `${server.url}/${FFTW}`;
  for (const args of [[url, WRONG_KEY], [url, "--key", WRONG_KEY]]) {
    const result = await runCli(["fetch", ...args], { cwd: dir.path });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr.split("\n")[0],
      `error: fetch "${url}": keys did not match: expected "${WRONG_KEY}", got "${FFTW_KEY}"`,
    );
    assert.doesNotMatch(result.stderr, /internal error/);
  }
  assert.deepEqual(await listDir(packsDir(dir.path)), []);
});

Deno.test("hit fetch of a missing URL fails with the HTTP status", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const url = `${server.url}/missing.tar.gz`;
  const result = await runCli(["fetch", url], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 1,
    stdout: "",
    stderr: `error: fetch "${url}": HTTP 404 Not Found\n`,
  });
});

Deno.test("hit fetch of a local path prints an absolute file: URL", async () => {
  await using dir = await makeTempDir();
  await Deno.copyFile(join(SOURCES_DIR, FFTW), join(dir.path, FFTW));
  const result = await runCli(["fetch", FFTW], { cwd: dir.path });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    `sources:\n- key: ${FFTW_KEY}\n  url: file:${join(dir.path, FFTW)}\n`,
  );
});

Deno.test("hit fetch without a known extension asks for --type", async () => {
  await using dir = await makeTempDir();
  await Deno.copyFile(join(SOURCES_DIR, FFTW), join(dir.path, "fftw.bin"));
  const failed = await runCli(["fetch", "fftw.bin"], { cwd: dir.path });
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, "");
  assert.match(
    failed.stderr,
    /^error: guess the archive type of "file:.*fftw\.bin": unknown extension\n/,
  );
  assert.match(failed.stderr, /\nhint: give the type with "--type"/);
  const typed = await runCli(["fetch", "fftw.bin", "--type", "tar.gz"], { cwd: dir.path });
  assert.equal(typed.code, 0, typed.stderr);
  assert.match(typed.stdout, new RegExp(`key: ${FFTW_KEY}\n`));
});

Deno.test("hit fetch without a URL is a usage error", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["fetch"], { cwd: dir.path });
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^error: fetch: missing URL or profile\n/);
});

Deno.test("hit fetch of a git repository stores the commit and prints its git: key", async () => {
  await using dir = await makeTempDir();
  const repo = join(dir.path, "repo");
  const git = (...args: string[]) =>
    new Deno.Command("git", {
      args: ["-c", "user.email=t@t", "-c", "user.name=t", ...args],
      cwd: repo,
      stdout: "piped",
    }).output();
  await Deno.mkdir(repo);
  await git("init", "-q");
  await Deno.writeTextFile(join(repo, "a.txt"), "one\n");
  await git("add", "a.txt");
  await git("commit", "-qm", "one");
  const sha = new TextDecoder().decode((await git("rev-parse", "HEAD")).stdout).trim();

  const byRevision = await runCli(["fetch", "repo", "--git", "HEAD", "--name", "tool"], {
    cwd: dir.path,
  });
  assert.equal(byRevision.code, 0, byRevision.stderr);
  assert.equal(byRevision.stdout, `sources:\n- key: git:${sha}\n  url: ${repo}\n`);
  const cached = join(dir.path, ".home", ".hit", "src", "git", "tool");
  assert.ok((await Deno.stat(cached)).isDirectory);

  const byKey = await runCli(["fetch", repo, `git:${sha}`], { cwd: dir.path });
  assert.equal(byKey.code, 0, byKey.stderr);
  assert.equal(byKey.stdout, `sources:\n- key: git:${sha}\n  url: ${repo}\n`);

  const missing = await runCli(["fetch", "repo", "--git", "no-such-branch"], { cwd: dir.path });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error: fetch ".*repo": no revision "no-such-branch"/);
  const wrong = await runCli(["fetch", "repo", `git:${"0".repeat(40)}`], { cwd: dir.path });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /did not contain commit|Repository did not contain/i);
});
