/**
 * Counts the archive URLs of the shared corpus (`../shared/corpus/hashstack`) by host and by
 * what fetching them needs now (README "Fetching"): `http(s)` URLs need nothing but a working
 * network (redirects to other hosts, http → https, proxies and site CAs are handled); `ftp://`
 * URLs need a mirror; anything else is listed. Reads the corpus only.
 *
 *   scripts/deno run --allow-read scripts/corpus_urls.ts [CORPUS_DIR]
 */
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseYaml } from "../src/spec/yaml_load.ts";

const CORPUS = Deno.args[0] ??
  fileURLToPath(new URL("../../shared/corpus/hashstack", import.meta.url));
const ARCHIVE_KEY = /^(tar\.gz|tar\.bz2|tar\.xz|tar|zip):/;

/** One archive source of a corpus file. */
export interface ArchiveUrl {
  file: string;
  url: string;
}

/** Every archive source (`key:` of an archive type, with a `url:`) anywhere in `value`. */
export function archiveUrls(value: unknown, file: string, out: ArchiveUrl[] = []): ArchiveUrl[] {
  if (Array.isArray(value)) { for (const item of value) archiveUrls(item, file, out); }
  else if (value !== null && typeof value === "object") {
    const map = value as Record<string, unknown>;
    if (typeof map.key === "string" && ARCHIVE_KEY.test(map.key) && typeof map.url === "string") {
      out.push({ file, url: map.url });
    }
    for (const child of Object.values(map)) archiveUrls(child, file, out);
  }
  return out;
}

/** What fetching `url` needs: `network`, `mirror` (ftp), or `other`. */
export function fetchNeeds(url: string): "network" | "mirror" | "other" {
  if (/^https?:\/\//i.test(url)) return "network";
  if (/^ftp:\/\//i.test(url)) return "mirror";
  return "other";
}

async function* yamlFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* yamlFiles(path);
    else if (entry.isFile && /\.ya?ml$/.test(entry.name)) yield path;
  }
}

if (import.meta.main) {
  const urls: ArchiveUrl[] = [];
  for await (const path of yamlFiles(CORPUS)) {
    try {
      archiveUrls(parseYaml(await Deno.readTextFile(path), path), relative(CORPUS, path), urls);
    } catch {
      // A file the loader refuses (the corpus has a few) holds no countable source.
    }
  }
  const byHost = new Map<string, { network: number; mirror: number; other: number }>();
  const totals = { network: 0, mirror: 0, other: 0 };
  for (const { url } of urls) {
    const needs = fetchNeeds(url);
    totals[needs]++;
    let host = "(no host)";
    try {
      host = `${new URL(url).protocol}//${new URL(url).host}`;
    } catch {
      // Not a URL: counted under "(no host)".
    }
    const counts = byHost.get(host) ?? { network: 0, mirror: 0, other: 0 };
    counts[needs]++;
    byHost.set(host, counts);
  }
  const files = new Set(urls.map((entry) => entry.file)).size;
  console.log(`${urls.length} archive URLs in ${files} spec files of ${CORPUS}`);
  console.log(
    `  need nothing but a working network: ${totals.network} ` +
      `(${(100 * totals.network / urls.length).toFixed(0)}%)`,
  );
  console.log(`  ftp://, refused (need a mirror): ${totals.mirror}`);
  console.log(`  other: ${totals.other}`);
  console.log("by host (network / mirror / other):");
  const rows = [...byHost].sort((a, b) =>
    (b[1].network + b[1].mirror + b[1].other) - (a[1].network + a[1].mirror + a[1].other) ||
    a[0].localeCompare(b[0])
  );
  for (const [host, counts] of rows) {
    console.log(`  ${host}: ${counts.network} / ${counts.mirror} / ${counts.other}`);
  }
}
