/**
 * Remotes: the `remotes:` key of the configuration (hit's own), what each URL kind means
 * (`oci://`, `oci+http://`, `file://`, static `https://`), opening one as a `RemoteStore`, and
 * rewriting that one key of the configuration file for `hit remote add|rm`. Reads the
 * configuration and credential files; writes only the configuration file (atomically).
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HitError } from "../errors.ts";
import { describeValue } from "../spec/spec_error.ts";
import { isMap, type Value, type ValueMap } from "../spec/values.ts";
import type { NetworkConfig } from "./network_config.ts";
import { OciRegistry } from "./oci_registry.ts";
import { findCredentials } from "./registry_credentials.ts";
import { FolderRemote, StaticHttpRemote } from "./remote_folder.ts";
import type { RemoteStore } from "./remote_store.ts";

/** One configured remote. */
export interface Remote {
  name: string;
  url: string;
  /** `hit push` and `hit build --push` write here when no `--to` is given. */
  push: boolean;
  /** Public key files whose signatures pulls accept (absolute paths). */
  trust: string[];
  /** Pull artifacts that are unsigned or signed by unknown keys. */
  trustUnsigned: boolean;
}

/** An opened remote: its storage and the repository prefix of its artifacts. */
export interface OpenRemote {
  remote: Remote;
  store: RemoteStore;
  prefix: string;
}

/** Where a remote URL points, by kind. */
export type RemoteTarget =
  | { kind: "oci"; base: URL; prefix: string }
  | { kind: "folder"; path: string }
  | { kind: "static"; base: string };

/**
 * What `url` points at.
 * @throws {HitError} for another scheme, credentials in the URL, or a bad repository prefix.
 */
export function parseRemoteUrl(url: string): RemoteTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badUrl(url, "not a URL");
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw badUrl(url, "credentials do not belong in the URL", CREDENTIALS_HINT);
  }
  if (parsed.protocol === "oci:" || parsed.protocol === "oci+http:") {
    const prefix = parsed.pathname.replace(/^\/+|\/+$/g, "");
    if (
      prefix !== "" && !/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(prefix)
    ) {
      throw badUrl(url, `the repository prefix "${prefix}" must be lowercase letters and digits`);
    }
    const scheme = parsed.protocol === "oci:" ? "https" : "http";
    return { kind: "oci", base: new URL(`${scheme}://${parsed.host}`), prefix };
  }
  if (parsed.protocol === "file:") return { kind: "folder", path: fileURLToPath(parsed) };
  if (parsed.protocol === "https:" || parsed.protocol === "http:") {
    return { kind: "static", base: url };
  }
  throw badUrl(url, `unknown scheme "${parsed.protocol}"`);
}

const CREDENTIALS_HINT = "set HIT_REMOTE_<NAME>_USERNAME and HIT_REMOTE_<NAME>_PASSWORD, or " +
  `put them in "auth.json" beside the configuration (mode 0600)`;

function badUrl(url: string, reason: string, hint?: string): HitError {
  return new HitError(`read remote URL "${url.replace(/\/\/[^@/]*@/, "//…@")}": ${reason}`, {
    hint: hint ??
      "use oci://HOST[:PORT]/PREFIX, oci+http://HOST[:PORT]/PREFIX, file:///PATH or https://…",
  });
}

/** Where credentials and the configuration's folder are, for `openRemote`. */
export interface RemotePlaces {
  env: Readonly<Record<string, string | undefined>>;
  /** The folder of the configuration file (`auth.json` is looked for there). */
  configDir: string;
  /** The proxies and site CA of HTTP(S) remotes (`loadNetworkConfig`), read when one is opened. */
  network?: () => Promise<NetworkConfig>;
}

/**
 * Opens `remote` for reading and writing.
 * @throws {HitError} for a bad URL or an unreadable credentials file.
 */
export async function openRemote(remote: Remote, places: RemotePlaces): Promise<OpenRemote> {
  const target = parseRemoteUrl(remote.url);
  const where = `remote "${remote.name}" (${remote.url})`;
  if (target.kind === "folder") {
    return { remote, store: new FolderRemote(target.path, where), prefix: "" };
  }
  if (target.kind === "static") {
    const store = new StaticHttpRemote(target.base, where, await places.network?.());
    return { remote, store, prefix: "" };
  }
  const credentials = await findCredentials(remote.name, target.base.host, places);
  const network = await places.network?.();
  const store = new OciRegistry(target.base, where, credentials, network);
  return { remote, store, prefix: target.prefix };
}

/**
 * The `remotes:` value of a configuration file in folder `base`.
 * @throws {HitError} (made by `fail`) for a malformed entry.
 */
export function parseRemotes(
  value: Value | undefined,
  base: string,
  fail: (message: string, hint?: string) => never,
): Remote[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(`"remotes" must be a list, found ${describeValue(value)}`);
  const names = new Set<string>();
  return (value as Value[]).map((entry, i) => {
    const where = `"remotes" entry ${i + 1}`;
    if (!isMap(entry)) return fail(`${where} must be a mapping, found ${describeValue(entry)}`);
    const map = entry as ValueMap;
    if (typeof map.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(map.name)) {
      fail(`${where}: "name" must be letters, digits, "_" and "-"`);
    }
    if (names.has(map.name as string)) fail(`${where}: the name "${map.name}" is used twice`);
    names.add(map.name as string);
    if (typeof map.url !== "string") fail(`${where}: "url" must be a string`);
    try {
      parseRemoteUrl(map.url as string);
    } catch (error) {
      if (error instanceof HitError) fail(`${where}: ${error.message}`, error.hint);
      throw error;
    }
    const trust = map.trust ?? [];
    if (!Array.isArray(trust) || trust.some((t) => typeof t !== "string")) {
      fail(`${where}: "trust" must be a list of key files`);
    }
    for (const flag of ["push", "trust_unsigned"]) {
      if (map[flag] !== undefined && typeof map[flag] !== "boolean") {
        fail(`${where}: "${flag}" must be true or false`);
      }
    }
    return {
      name: map.name as string,
      url: map.url as string,
      push: map.push === true,
      trust: (trust as string[]).map((file) => resolve(base, file)),
      trustUnsigned: map.trust_unsigned === true,
    };
  });
}

/** `text` (a configuration file) with its top-level `remotes:` block replaced by `remotes`. */
export function replaceRemotes(text: string, remotes: Remote[]): string {
  const lines = text.split("\n");
  const kept: string[] = [];
  let inBlock = false;
  for (const line of lines) {
    if (/^remotes\s*:/.test(line)) {
      inBlock = true;
      continue;
    }
    if (inBlock && (line === "" || /^[\s#-]/.test(line))) continue;
    inBlock = false;
    kept.push(line);
  }
  while (kept.length > 0 && kept.at(-1) === "") kept.pop();
  if (remotes.length === 0) return kept.join("\n") + "\n";
  const block = ["remotes:"];
  for (const remote of remotes) {
    block.push(`- name: ${JSON.stringify(remote.name)}`);
    block.push(`  url: ${JSON.stringify(remote.url)}`);
    if (remote.push) block.push("  push: true");
    if (remote.trust.length > 0) block.push(`  trust: ${JSON.stringify(remote.trust)}`);
    if (remote.trustUnsigned) block.push("  trust_unsigned: true");
  }
  return [...kept, ...block].join("\n") + "\n";
}

/** Replaces the configuration file `file` with `text` through a temp file and a rename. */
export async function writeConfigText(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp-${Deno.pid}`;
  const mode = (await Deno.stat(file)).mode ?? 0o644;
  await Deno.writeTextFile(temp, text, { mode: mode & 0o777 });
  await Deno.rename(temp, file);
}
