/**
 * `hit fetch URL --git REV` (HashDist's `fetchgit`), and the `--json` document of a URL fetch.
 */
import { basename, resolve } from "node:path";
import { resolveRemoteRevision } from "../core/git_source.ts";
import { openSourceCache } from "../core/source_cache.ts";
import { fetchInWorker } from "../stages/fetch_stage.ts";
import { commandConfig, type CommandContext } from "./command.ts";
import { renderSourcesFragment, type UrlFetchArgs } from "./fetch.ts";
import { isOffline, withMirrors } from "./source_options.ts";
import { reclaimAndReport } from "./reclaim_leftovers.ts";

/**
 * `hit fetch URL --git REV` or `hit fetch URL git:SHA` (HashDist's `fetchgit`): the commit into
 * the cache's bare repository, and its `git:` key printed as a sources fragment.
 */
export async function runFetchGit(parsed: UrlFetchArgs, context: CommandContext): Promise<number> {
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(parsed.url) && !/^[^/]+@[^:]+:/.test(parsed.url);
  const url = local ? resolve(context.cwd, parsed.url) : parsed.url;
  const offline = isOffline(parsed.offline, context.env);
  const revision = parsed.git!;
  const config = withMirrors(await commandConfig(context), parsed.mirrors, context.cwd);
  const commit = /^[0-9a-f]{40}$/.test(revision)
    ? revision
    : await resolveRemoteRevision({ env: context.env, caFile: config.caFile }, url, revision);
  const cache = openSourceCache(config, { env: context.env, downloader: fetchInWorker });
  await reclaimAndReport(config, context, { quiet: parsed.quiet, takeBuildLock: true });
  const name = parsed.name ?? basename(url.replace(/\/+$/, "")).replace(/\.git$/, "");
  await cache.fetchGit(`git:${commit}`, url, { repoName: name || "repo", offline });
  await context.stdout.write(
    parsed.json
      ? fetchedJson({ url, final_url: url, key: `git:${commit}`, bytes: null })
      : renderSourcesFragment(`git:${commit}`, url),
  );
  return 0;
}

/** `hit fetch URL --json`: the URL, where it led, the key and the bytes (null for git). */
export function fetchedJson(
  fields: { url: string; final_url: string; key: string; bytes: number | null },
): string {
  return JSON.stringify(fields, null, 2) + "\n";
}
