import assert from "node:assert/strict";
import { join } from "node:path";
import { isLocalGitUrl, parseGitUrl, resolveSubmoduleUrl } from "../../src/core/git_source.ts";
import {
  MissingSourceError,
  openSourceCache,
  type SourceCache,
} from "../../src/core/source_cache.ts";
import { hashTree } from "../../src/core/mirror_manifest.ts";
import { HitError } from "../../src/errors.ts";
import { listDir, makeTempDir, type TempDir } from "./_source_fixtures.ts";

const GIT_ENV = {
  GIT_AUTHOR_NAME: "hit test",
  GIT_AUTHOR_EMAIL: "test@127.0.0.1",
  GIT_COMMITTER_NAME: "hit test",
  GIT_COMMITTER_EMAIL: "test@127.0.0.1",
  GIT_CONFIG_NOSYSTEM: "1",
};

/** Runs git in `cwd` for building test repositories; returns trimmed stdout. */
async function git(cwd: string, ...args: string[]): Promise<string> {
  const output = await new Deno.Command("git", {
    args: ["-c", "protocol.file.allow=always", ...args],
    cwd,
    env: GIT_ENV,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (output.code !== 0) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return new TextDecoder().decode(output.stdout).trim();
}

/** Repositories made for a test: `sub`, and `main` whose second commit adds `lib/sub`. */
interface Repos extends AsyncDisposable {
  dir: TempDir;
  main: string;
  first: string;
  second: string;
  subCommit: string;
}

async function makeRepos(): Promise<Repos> {
  const dir = await makeTempDir("hit-git-");
  const sub = join(dir.path, "remote", "sub");
  const main = join(dir.path, "remote", "main");
  await Deno.mkdir(sub, { recursive: true });
  await Deno.mkdir(main, { recursive: true });
  await git(sub, "init", "-q", "-b", "master");
  await Deno.writeTextFile(join(sub, "sub.txt"), "in the submodule\n");
  await git(sub, "add", "sub.txt");
  await git(sub, "commit", "-q", "-m", "sub");
  await git(main, "init", "-q", "-b", "master");
  await Deno.writeTextFile(join(main, "README"), "first\n");
  await git(main, "add", "README");
  await git(main, "commit", "-q", "-m", "first");
  const first = await git(main, "rev-parse", "HEAD");
  await Deno.writeTextFile(join(main, "README"), "second\n");
  // A relative URL, resolved against the superproject's URL when fetching.
  await git(main, "submodule", "--quiet", "add", "../sub", "lib/sub");
  await git(main, "commit", "-q", "-am", "second");
  return {
    dir,
    main,
    first,
    second: await git(main, "rev-parse", "HEAD"),
    subCommit: await git(sub, "rev-parse", "HEAD"),
    async [Symbol.asyncDispose]() {
      await dir[Symbol.asyncDispose]();
    },
  };
}

function cacheIn(root: string): SourceCache {
  return openSourceCache({ sourceCache: root, mirrors: [] }, {
    env: { PATH: Deno.env.get("PATH"), HOME: Deno.env.get("HOME") },
  });
}

async function branches(repo: string): Promise<string[]> {
  const text = await git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/");
  return text === "" ? [] : text.split("\n");
}

Deno.test("parseGitUrl() splits an optional branch after the URL", () => {
  assert.deepEqual(parseGitUrl("https://127.0.0.1/x.git"), { url: "https://127.0.0.1/x.git" });
  assert.deepEqual(parseGitUrl("/r/x master"), { url: "/r/x", branch: "master" });
  assert.throws(() => parseGitUrl("a b c"), HitError);
});

Deno.test("isLocalGitUrl() tells local paths from remotes", () => {
  assert.equal(isLocalGitUrl("/srv/repo"), true);
  assert.equal(isLocalGitUrl("repo"), true);
  assert.equal(isLocalGitUrl("./a:b"), true);
  assert.equal(isLocalGitUrl("file:///srv/repo"), true);
  assert.equal(isLocalGitUrl("https://127.0.0.1/repo.git"), false);
  assert.equal(isLocalGitUrl("git@127.0.0.1:repo.git"), false);
});

Deno.test("resolveSubmoduleUrl() resolves relative URLs against the superproject URL", () => {
  assert.equal(resolveSubmoduleUrl("/r/main", "../sub"), "/r/sub");
  assert.equal(resolveSubmoduleUrl("/r/main", "./sub"), "/r/main/sub");
  assert.equal(resolveSubmoduleUrl("file:///r/main", "../sub"), "file:///r/sub");
  assert.equal(
    resolveSubmoduleUrl("https://127.0.0.1/o/main.git", "../sub.git"),
    "https://127.0.0.1/o/sub.git",
  );
  assert.equal(resolveSubmoduleUrl("git@127.0.0.1:o/main", "../sub"), "git@127.0.0.1:o/sub");
  assert.equal(resolveSubmoduleUrl("/r/main", "https://127.0.0.1/x"), "https://127.0.0.1/x");
});

Deno.test("SourceCache.fetchGit() fetches a commit by path into a bare repo and pins it", async () => {
  await using repos = await makeRepos();
  await using cacheDir = await makeTempDir();
  const cache = cacheIn(cacheDir.path);
  const key = `git:${repos.first}`;
  await cache.fetchGit(key, repos.main, { repoName: "proj" });
  const bare = join(cacheDir.path, "git", "proj");
  assert.equal(await git(bare, "rev-parse", "--is-bare-repository"), "true");
  assert.deepEqual(await branches(bare), [`refs/heads/inuse/${repos.first}`]);
  assert.equal(await cache.has(key), true);
  assert.equal(await cache.has(`git:${"0".repeat(40)}`), false);
  assert.deepEqual(await listDir(join(cacheDir.path, "git")), ["proj"]);
});

Deno.test("SourceCache.fetchGit() fetches submodules into dotted repos by file:// URL", async () => {
  await using repos = await makeRepos();
  await using cacheDir = await makeTempDir();
  const cache = cacheIn(cacheDir.path);
  await cache.fetchGit(`git:${repos.second}`, `file://${repos.main}`, { repoName: "proj" });
  assert.deepEqual(await listDir(join(cacheDir.path, "git")), ["proj", "proj.lib.sub"]);
  const subRepo = join(cacheDir.path, "git", "proj.lib.sub");
  assert.deepEqual(await branches(subRepo), [`refs/heads/inuse/${repos.subCommit}`]);
  assert.equal(await cache.has(`git:${repos.subCommit}`), true);
  // Present already: a second fetch needs no remote at all.
  await cache.fetchGit(`git:${repos.second}`, "file:///nonexistent/repo", { repoName: "proj" });
});

Deno.test("SourceCache.fetchGit() fetches only the named branch when one is given", async () => {
  await using repos = await makeRepos();
  await using cacheDir = await makeTempDir();
  await git(repos.main, "branch", "old", repos.first);
  const cache = cacheIn(cacheDir.path);
  await cache.fetchGit(`git:${repos.first}`, `${repos.main} old`, { repoName: "proj" });
  assert.equal(await cache.has(`git:${repos.first}`), true);
  assert.equal(await cache.has(`git:${repos.second}`), false);
});

Deno.test("SourceCache.fetchGit() fails when the repository lacks the commit", async () => {
  await using repos = await makeRepos();
  await using cacheDir = await makeTempDir();
  const cache = cacheIn(cacheDir.path);
  const missing = "0123456789abcdef0123456789abcdef01234567";
  await assert.rejects(
    cache.fetchGit(`git:${missing}`, repos.main, { repoName: "proj" }),
    (error) => error instanceof HitError && /did not contain commit/.test(error.message),
  );
  assert.deepEqual(await branches(join(cacheDir.path, "git", "proj")), []);
});

Deno.test("SourceCache.fetchGit() offline refuses a remote URL unless the commit is cached", async () => {
  await using repos = await makeRepos();
  await using cacheDir = await makeTempDir();
  const cache = cacheIn(cacheDir.path);
  const key = `git:${repos.first}`;
  const remote = "https://127.0.0.1:9/x.git";
  await assert.rejects(
    cache.fetchGit(key, remote, { repoName: "proj", offline: true }),
    (error) =>
      error instanceof MissingSourceError && error.message === `missing source "${key}" (offline)`,
  );
  assert.deepEqual(await listDir(join(cacheDir.path, "git")), []);
  // A local path is not the network; once cached, any repo name will do.
  await cache.fetchGit(key, repos.main, { repoName: "proj", offline: true });
  await cache.fetchGit(key, remote, { repoName: "other", offline: true });
  await cache.fetchSource({ key, url: `${remote} master` }, { repoName: "x", offline: true });
});

Deno.test("SourceCache.fetchGit() takes commits and submodules from a folder mirror before any remote", async () => {
  await using repos = await makeRepos();
  await using dirs = await makeTempDir();
  const first = cacheIn(join(dirs.path, "connected"));
  await first.fetchGit(`git:${repos.second}`, repos.main, { repoName: "proj" });
  const mirror = join(dirs.path, "connected");
  const before = await hashTree(join(mirror, "git"));
  // The remote would fail: nothing may ask it.
  const remote = "https://127.0.0.1:9/x.git";
  for (const offline of [false, true]) {
    const root = join(dirs.path, `far-${offline}`);
    const far = openSourceCache({ sourceCache: root, mirrors: [`file://${mirror}`] }, {
      env: { PATH: Deno.env.get("PATH"), HOME: Deno.env.get("HOME") },
    });
    assert.deepEqual(await far.locate(`git:${repos.second}`), {
      place: { mirror: `file://${mirror}` },
      path: join(mirror, "git", "proj"),
    });
    await far.fetchGit(`git:${repos.second}`, remote, { repoName: "proj", offline });
    assert.deepEqual(await listDir(join(root, "git")), ["proj", "proj.lib.sub"]);
    assert.deepEqual(await far.locate(`git:${repos.subCommit}`), {
      place: "cache",
      path: join(root, "git", "proj.lib.sub"),
    });
    const work = join(root, "work");
    await far.unpackGit(`git:${repos.second}`, work);
    assert.equal(
      await Deno.readTextFile(join(work, "lib", "sub", "sub.txt")),
      "in the submodule\n",
    );
  }
  assert.deepEqual(await hashTree(join(mirror, "git")), before, "the mirror is never written");
});

Deno.test("SourceCache.fetchGit() twice at once in one process both succeed", async () => {
  await using repos = await makeRepos();
  await using cacheDir = await makeTempDir();
  const key = `git:${repos.second}`;
  await Promise.all([
    cacheIn(cacheDir.path).fetchGit(key, repos.main, { repoName: "proj" }),
    cacheIn(cacheDir.path).fetchGit(key, repos.main, { repoName: "proj" }),
  ]);
  assert.deepEqual(await listDir(join(cacheDir.path, "git")), ["proj", "proj.lib.sub"]);
});

Deno.test("SourceCache.unpackGit() checks out a work tree with .git and its submodule", async () => {
  await using repos = await makeRepos();
  await using cacheDir = await makeTempDir();
  const cache = cacheIn(cacheDir.path);
  const key = `git:${repos.second}`;
  await cache.fetchGit(key, repos.main, { repoName: "proj" });
  // The remote goes away: unpacking must need only the cache.
  await Deno.remove(join(repos.dir.path, "remote"), { recursive: true });
  const target = join(cacheDir.path, "build", "src");
  await cache.unpackGit(key, target);
  assert.equal(await Deno.readTextFile(join(target, "README")), "second\n");
  assert.equal(await Deno.readTextFile(join(target, "lib/sub/sub.txt")), "in the submodule\n");
  assert.ok((await Deno.stat(join(target, ".git"))).isDirectory);
  assert.equal(await git(target, "rev-parse", "HEAD"), repos.second);
  assert.equal(await git(join(target, "lib/sub"), "rev-parse", "HEAD"), repos.subCommit);
  assert.equal(await git(target, "status", "--porcelain"), "");
  const bare = join(cacheDir.path, "git", "proj");
  assert.deepEqual(await branches(bare), [`refs/heads/inuse/${repos.second}`]);
});

Deno.test("SourceCache.unpackGit() checks out an older commit without submodules", async () => {
  await using repos = await makeRepos();
  await using cacheDir = await makeTempDir();
  const cache = cacheIn(cacheDir.path);
  await cache.fetchGit(`git:${repos.first}`, repos.main, { repoName: "proj" });
  const target = join(cacheDir.path, "out");
  await cache.unpackGit(`git:${repos.first}`, target);
  assert.deepEqual(await listDir(target), [".git", "README"]);
  assert.equal(await Deno.readTextFile(join(target, "README")), "first\n");
});

Deno.test("SourceCache.unpackGit() fails for a commit in no cached repo", async () => {
  await using cacheDir = await makeTempDir();
  const cache = cacheIn(cacheDir.path);
  await assert.rejects(
    cache.unpackGit(`git:${"2".repeat(40)}`, join(cacheDir.path, "out")),
    /the commit is in no repository of the source cache/,
  );
});
