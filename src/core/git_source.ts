/**
 * Git sources in the source cache (HASHDIST.md §8.4): one bare repository per repo name under
 * `git/`, commits pinned by `inuse/<commit>` branches, submodules in `<repo>.<path.dotted>`;
 * unpacking makes a work tree with its own `.git`. Runs the `git` program; writes only under
 * the cache's `git/` and `locks/` folders and the unpack target.
 */
import { basename, join, posix } from "node:path";
import { HitError } from "../errors.ts";
import { withLock } from "./locks.ts";
import { networkEnv, proxiesOf } from "./network_config.ts";
import { runProgram } from "./run_program.ts";

/** Where the cache keeps git repositories and locks, and the environment `git` runs with. */
export interface GitCache {
  /** The cache's `git/` folder. */
  gitDir: string;
  /** The cache's `locks/` folder. */
  lockDir: string;
  /** Environment variables `git` may see (PATH, HOME, proxies); everything else is dropped. */
  env: Readonly<Record<string, string | undefined>>;
  /** The site CA (`ca_file:`), given to git as `GIT_SSL_CAINFO` unless `SSL_CERT_FILE` is set. */
  caFile?: string;
  /**
   * The `git/` folders of read-only mirrors on this machine (bundle folders, shared caches):
   * searched for a commit before any remote, and never written.
   */
  mirrorGitDirs?: readonly string[];
}

/** What to fetch: a commit of the repository at `url` into the bare repo `repoName`. */
export interface GitFetchRequest {
  /** The full 40-hex commit. */
  commit: string;
  /** `URL` or `URL BRANCH`, as a source's `url` gives it. */
  url: string;
  repoName: string;
  /**
   * Whether `url` may be contacted; default true. Without it, the commit must be in a repo of
   * the cache or of a mirror (offline, or copying out of the cache).
   */
  remote?: boolean;
}

// Variables `git` needs to reach a remote besides the proxies (`gitEnv`); the rest of the
// user's environment stays out.
const KEPT_ENV = ["PATH", "HOME", "SSH_AUTH_SOCK", "GIT_SSH_COMMAND"];

/** Splits a git source URL `"URL [BRANCH]"` at its last space. */
export function parseGitUrl(url: string): { url: string; branch?: string } {
  const parts = url.trim().split(/\s+/);
  if (parts.length === 1) return { url: parts[0] };
  if (parts.length === 2) return { url: parts[0], branch: parts[1] };
  throw new HitError(`parse git URL "${url}": expected "URL" or "URL BRANCH"`);
}

/** Whether a git URL names a repository on this machine (a path or `file://`). */
export function isLocalGitUrl(url: string): boolean {
  if (/^file:\/\//i.test(url)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return false;
  // scp-like `host:path` has a colon before any slash.
  const colon = url.indexOf(":");
  const slash = url.indexOf("/");
  return colon < 0 || (slash >= 0 && slash < colon);
}

/** Resolves a submodule URL from `.gitmodules` against its superproject's URL plus `/`. */
export function resolveSubmoduleUrl(base: string, url: string): string {
  if (!url.startsWith("./") && !url.startsWith("../")) return url;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) return new URL(url, base + "/").href;
  const colon = base.indexOf(":");
  const slash = base.indexOf("/");
  if (colon > 0 && (slash < 0 || colon < slash)) {
    return base.slice(0, colon + 1) + posix.normalize(`${base.slice(colon + 1)}/${url}`);
  }
  return posix.normalize(`${base}/${url}`);
}

/**
 * Fetches `request.commit` into `git/<repoName>` (creating the bare repo), pins it with the
 * branch `inuse/<commit>`, and fetches its submodules recursively into `<repoName>.<path>`.
 * @throws {HitError} when git fails or the remote lacks the commit.
 */
export async function fetchGit(cache: GitCache, request: GitFetchRequest): Promise<void> {
  const { url, branch } = parseGitUrl(request.url);
  const repo = join(cache.gitDir, request.repoName);
  const key = `git:${request.commit}`;
  try {
    await withLock(join(cache.lockDir, `git-${request.repoName}.lock`), async () => {
      await ensureBareRepo(cache, request.repoName);
      if (!await hasCommit(cache, repo, request.commit)) {
        // A repo on this machine holding the commit saves the network, and is all there is
        // offline: another repo of the cache, or a mirror's (fetched from, never written).
        const local = await findLocalCommit(cache, request.commit, request.repoName);
        if (local !== undefined) {
          await runGit(cache, [
            "--git-dir",
            repo,
            "fetch",
            "-q",
            "--no-write-fetch-head",
            local,
            request.commit,
          ]);
        } else if (request.remote === false) {
          throw new HitError(
            `fetch "${key}": the commit is in no repository of the source cache or its mirrors`,
            { hint: `fetch it where "${url}" is reachable` },
          );
        } else {
          const refs = branch !== undefined ? [branch] : await listRemoteRefs(cache, url);
          if (refs.length > 0) {
            await runGit(cache, ["--git-dir", repo, "fetch", "-q", url, ...refs]);
          }
        }
        if (!await hasCommit(cache, repo, request.commit)) {
          throw new HitError(
            `fetch "${key}" from "${url}": the repository did not contain commit`,
            {
              hint: branch === undefined
                ? "check the commit, or name the branch holding it after the URL"
                : `check that branch "${branch}" holds the commit`,
            },
          );
        }
      }
      await runGit(cache, [
        "--git-dir",
        repo,
        "update-ref",
        `refs/heads/inuse/${request.commit}`,
        request.commit,
      ]);
    });
  } catch (error) {
    if (error instanceof HitError) {
      error.addContext(`while fetching "${key}" into repo "${request.repoName}"`);
    }
    throw error;
  }
  for (const submodule of await listSubmodules(cache, repo, request.commit)) {
    await fetchGit(cache, {
      commit: submodule.commit,
      url: resolveSubmoduleUrl(url, submodule.url),
      repoName: `${request.repoName}.${submodule.path.replaceAll("/", ".")}`,
      remote: request.remote,
    }).catch((error) => {
      if (error instanceof HitError) {
        error.addContext(`while fetching submodule "${submodule.path}"`);
      }
      throw error;
    });
  }
}

/** The name of the first repo under `git/` (in name order) that holds `commit`, if any. */
export async function findGitRepo(cache: GitCache, commit: string): Promise<string | undefined> {
  const found = await findRepoIn(cache, cache.gitDir, commit);
  return found === undefined ? undefined : basename(found);
}

/**
 * The path of a repo of the cache's mirrors (`mirrorGitDirs`, in order) that holds `commit`:
 * the one named `options.prefer` first, then the others in name order.
 */
export async function findMirrorGitRepo(
  cache: GitCache,
  commit: string,
  options: { prefer?: string } = {},
): Promise<string | undefined> {
  for (const dir of cache.mirrorGitDirs ?? []) {
    const found = await findRepoIn(cache, dir, commit, options);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * `request` and the submodule commits it needs, recursively, as `fetchGit` stored them (each
 * with its repo name and resolved URL). Every commit must be in the cache already.
 * @throws {HitError} when git fails or a submodule entry is malformed.
 */
export async function listGitClosure(
  cache: GitCache,
  request: GitFetchRequest,
): Promise<GitFetchRequest[]> {
  const found: GitFetchRequest[] = [request];
  const repo = join(cache.gitDir, request.repoName);
  const { url } = parseGitUrl(request.url);
  for (const submodule of await listSubmodules(cache, repo, request.commit)) {
    found.push(
      ...await listGitClosure(cache, {
        commit: submodule.commit,
        url: resolveSubmoduleUrl(url, submodule.url),
        repoName: `${request.repoName}.${submodule.path.replaceAll("/", ".")}`,
      }),
    );
  }
  return found;
}

// Another repo of the cache, else a mirror's: the path of one that holds `commit`.
async function findLocalCommit(
  cache: GitCache,
  commit: string,
  repoName: string,
): Promise<string | undefined> {
  return await findRepoIn(cache, cache.gitDir, commit, { skip: repoName }) ??
    await findMirrorGitRepo(cache, commit, { prefer: repoName });
}

// The path of a repo of `gitDir` holding `commit`: `prefer` first, then in name order.
async function findRepoIn(
  cache: GitCache,
  gitDir: string,
  commit: string,
  { prefer, skip }: { prefer?: string; skip?: string } = {},
): Promise<string | undefined> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(gitDir)) {
      // Dot names are repos still being created (see `ensureBareRepo`).
      if (entry.isDirectory && !entry.name.startsWith(".") && entry.name !== skip) {
        names.push(entry.name);
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  names.sort();
  if (prefer !== undefined && names.includes(prefer)) {
    names.splice(names.indexOf(prefer), 1);
    names.unshift(prefer);
  }
  for (const name of names) {
    if (await hasCommit(cache, join(gitDir, name), commit)) return join(gitDir, name);
  }
  return undefined;
}

/**
 * Checks `commit` out into `target` (created if missing) as a work tree with its own `.git`,
 * with submodules cloned from their cached repos.
 * @throws {HitError} when no cached repo holds the commit, or git fails.
 */
export async function unpackGit(cache: GitCache, commit: string, target: string): Promise<void> {
  const repoName = await findGitRepo(cache, commit);
  if (repoName === undefined) {
    throw new HitError(
      `unpack "git:${commit}": the commit is in no repository of the source cache`,
      {
        hint: "fetch the source first; a build fetches the sources of the packages it builds",
      },
    );
  }
  const repo = join(cache.gitDir, repoName);
  await Deno.mkdir(target, { recursive: true });
  // The temporary branch is shared by every unpack of this commit: hold the repo's lock.
  await withLock(join(cache.lockDir, `git-${repoName}.lock`), async () => {
    const mark = `refs/heads/tempmark/${commit}`;
    await runGit(cache, ["--git-dir", repo, "update-ref", mark, commit]);
    try {
      await runGit(cache, ["init", "-q"], target);
      await runGit(cache, ["fetch", "-q", repo, `tempmark/${commit}`], target);
      await runGit(cache, ["-c", "advice.detachedHead=false", "checkout", "-q", commit], target);
    } finally {
      await runGit(cache, ["--git-dir", repo, "update-ref", "-d", mark]);
    }
  });
  await updateSubmodules(cache, target, repoName);
}

async function updateSubmodules(cache: GitCache, workTree: string, repoName: string) {
  const modules = join(workTree, ".gitmodules");
  try {
    await Deno.stat(modules);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const paths = parseSubmoduleConfig(
    await runGit(
      cache,
      ["config", "-f", ".gitmodules", "--get-regexp", String.raw`^submodule\..*\.path$`],
      workTree,
      [0, 1],
    ),
  );
  for (const { name, path } of paths) {
    const cached = join(cache.gitDir, `${repoName}.${path.replaceAll("/", ".")}`);
    await runGit(cache, ["config", `submodule.${name}.url`, cached], workTree);
  }
  if (paths.length === 0) return;
  await runGit(cache, ["submodule", "--quiet", "update", "--init"], workTree);
  for (const { path } of paths) {
    await updateSubmodules(cache, join(workTree, path), `${repoName}.${path.replaceAll("/", ".")}`);
  }
}

interface Submodule {
  path: string;
  url: string;
  commit: string;
}

async function listSubmodules(cache: GitCache, repo: string, commit: string): Promise<Submodule[]> {
  const spec = `${commit}:.gitmodules`;
  const present = await runGit(cache, ["--git-dir", repo, "cat-file", "-e", spec], undefined, [
    0,
    1,
    128,
  ]);
  if (present === undefined) return [];
  const text = await runGit(
    cache,
    [
      "--git-dir",
      repo,
      "config",
      "--blob",
      spec,
      "--get-regexp",
      String.raw`^submodule\..*\.(path|url)$`,
    ],
    undefined,
    [0, 1],
  );
  const byName = new Map<string, { path?: string; url?: string }>();
  for (const line of (text ?? "").split("\n")) {
    const match = /^submodule\.(.+)\.(path|url) (.*)$/.exec(line);
    if (!match) continue;
    const entry = byName.get(match[1]) ?? {};
    entry[match[2] as "path" | "url"] = match[3];
    byName.set(match[1], entry);
  }
  const submodules: Submodule[] = [];
  for (const [name, entry] of byName) {
    if (entry.path === undefined || entry.url === undefined) {
      throw new HitError(
        `read ".gitmodules" of commit ${commit}: submodule "${name}" needs a path and a url`,
      );
    }
    const tree = await runGit(cache, ["--git-dir", repo, "ls-tree", commit, "--", entry.path]);
    const match = /^\d+ (\w+) ([0-9a-f]{40})\t/.exec(tree ?? "");
    if (!match || match[1] !== "commit") {
      throw new HitError(
        `read submodule "${entry.path}" of commit ${commit}: the path is not a submodule commit`,
      );
    }
    submodules.push({ path: entry.path, url: entry.url, commit: match[2] });
  }
  return submodules;
}

function parseSubmoduleConfig(text: string | undefined): { name: string; path: string }[] {
  const found: { name: string; path: string }[] = [];
  for (const line of (text ?? "").split("\n")) {
    const match = /^submodule\.(.+)\.path (.*)$/.exec(line);
    if (match) found.push({ name: match[1], path: match[2] });
  }
  return found;
}

async function ensureBareRepo(cache: GitCache, repoName: string): Promise<void> {
  const repo = join(cache.gitDir, repoName);
  try {
    await Deno.stat(repo);
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  // Initialise beside it and rename, so a crash never leaves a half-made repo at its name.
  await Deno.mkdir(cache.gitDir, { recursive: true });
  const temp = await Deno.makeTempDir({ dir: cache.gitDir, prefix: `.init-${repoName}-` });
  try {
    await runGit(cache, ["init", "-q", "--bare", temp]);
    await Deno.rename(temp, repo);
  } catch (error) {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** Whether the bare repo at `repo` holds `commit` (as a commit object). */
export async function hasCommit(cache: GitCache, repo: string, commit: string): Promise<boolean> {
  const out = await runGit(
    cache,
    ["--git-dir", repo, "cat-file", "-e", `${commit}^{commit}`],
    undefined,
    [0, 1, 128],
  );
  return out !== undefined;
}

async function listRemoteRefs(cache: GitCache, url: string): Promise<string[]> {
  const text = await runGit(cache, ["ls-remote", url]);
  const refs = new Set<string>();
  for (const line of (text ?? "").split("\n")) {
    const ref = line.split("\t")[1];
    if (ref !== undefined && !ref.endsWith("^{}")) refs.add(ref);
  }
  return [...refs];
}

/**
 * Runs `git ARGS` in `cwd`; returns stdout, or `undefined` when the exit code is one of the
 * non-zero codes in `allowed` (used for yes/no questions such as `cat-file -e`).
 */
async function runGit(
  cache: GitCache,
  args: string[],
  cwd?: string,
  allowed: readonly number[] = [0],
): Promise<string | undefined> {
  const result = await runProgram("git", {
    // Local submodules need `protocol.file.allow=always` since git 2.38.1.
    args: ["-c", "protocol.file.allow=always", ...args],
    action: `run "git ${args.join(" ")}"`,
    cwd,
    env: gitEnv(cache),
    allowedCodes: [0, ...allowed],
  });
  return result.code === 0 ? result.stdout : undefined;
}

/**
 * The environment `git` runs with: PATH, HOME and the ssh agent of `cache.env`, its proxies in
 * both cases (`no_proxy=*` included) and the site CA as `GIT_SSL_CAINFO`; nothing else.
 */
export function gitEnv(cache: Pick<GitCache, "env" | "caFile">): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: "0" };
  for (const name of KEPT_ENV) {
    const value = cache.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= "/usr/local/bin:/usr/bin:/bin";
  const caFile = cache.env.SSL_CERT_FILE || cache.caFile;
  return { ...env, ...networkEnv({ ...proxiesOf(cache.env), caFile }) };
}

/**
 * The commit `revision` names in the repository at `url` (`git ls-remote`), through the same
 * environment as every other git command.
 * @throws {HitError} when git fails or the repository has no such revision.
 */
export async function resolveRemoteRevision(
  cache: Pick<GitCache, "env" | "caFile">,
  url: string,
  revision: string,
): Promise<string> {
  const result = await runProgram("git", {
    args: ["ls-remote", "--", url, revision],
    action: `fetch "${url}"`,
    env: gitEnv(cache),
  });
  const line = result.stdout.split("\n").find((text) => text !== "");
  if (line === undefined) {
    throw new HitError(`fetch "${url}": no revision "${revision}"`, {
      hint: 'give a branch, a tag, a full commit id, or "HEAD"',
    });
  }
  return line.split(/\s/)[0];
}
