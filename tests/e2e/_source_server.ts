/**
 * A `Deno.serve` server on 127.0.0.1 for build tests: source tarballs by name at `/NAME`, and a
 * read-only HashDist mirror of chosen ones at `/mirror/packs/<type>/<hash>` (HASHDIST.md
 * §6.1, §8.1); 404 for anything else. Counts requests. Test helper; reads the shared tarballs.
 */
import { join } from "node:path";
import { archiveKey, archiveTypeOf } from "../../src/core/source_key.ts";
import { b32, sha256 } from "../../src/spec/hash_document.ts";
import { serve, SOURCES_DIR } from "../core/_source_fixtures.ts";

/** The source server: where things are, what was asked for, and a way to add files. */
export interface SourceServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The mirror prefix to list in `source_caches`. */
  mirror: string;
  /** Request paths, in order. */
  requests: string[];
  /** How many requests asked for `path`. */
  count(path: string): number;
  /** Serves `bytes` at `/NAME` from now on and returns its source entry. */
  publish(name: string, bytes: Uint8Array): SourceEntry;
}

/** A `sources:` entry of a package spec or profile. */
export interface SourceEntry {
  key: string;
  url: string;
}

/** The HashDist key of an archive: its type, a colon, b32 of its SHA-256. */
export function archiveKeyOf(name: string, bytes: Uint8Array): string {
  return archiveKey(archiveTypeOf(name), b32(sha256(bytes)));
}

/** The path of an archive inside a mirror: `packs/<type>/<hash>`. */
export function mirrorPackPath(key: string): string {
  return `packs/${key.replace(":", "/")}`;
}

/**
 * Starts a source server whose mirror holds the files of `SOURCES_DIR` named in `mirrored`;
 * files served by name are added with `publish`.
 */
export async function startSourceServer(mirrored: readonly string[]): Promise<SourceServer> {
  const files = new Map<string, Uint8Array>();
  const server = serve((request) => {
    const bytes = files.get(decodeURIComponent(new URL(request.url).pathname));
    return bytes === undefined
      ? new Response("not found", { status: 404 })
      : new Response(bytes.slice());
  });
  const publish = (name: string, bytes: Uint8Array): SourceEntry => {
    files.set(`/${name}`, bytes);
    return { key: archiveKeyOf(name, bytes), url: `${server.url}/${name}` };
  };
  for (const name of mirrored) {
    const bytes = await Deno.readFile(join(SOURCES_DIR, name));
    files.set(`/mirror/${mirrorPackPath(archiveKeyOf(name, bytes))}`, bytes);
  }
  return {
    url: server.url,
    mirror: `${server.url}/mirror`,
    requests: server.requests,
    count: server.count,
    publish,
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}
