/**
 * Where a registry's user name and password come from, first found wins: the environment
 * (`HIT_REMOTE_<NAME>_USERNAME`, `HIT_REMOTE_<NAME>_PASSWORD`), `auth.json` beside the
 * configuration (Docker's `auths` format, refused unless only its owner can read it), then
 * `~/.docker/config.json` (or `$DOCKER_CONFIG/config.json`). Never from URLs. Reads those files.
 */
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { HitError } from "../errors.ts";
import type { RegistryCredentials } from "./oci_registry.ts";

/** The environment variable prefix of remote `name`: `HIT_REMOTE_<NAME>_`. */
export function credentialsEnvPrefix(name: string): string {
  return `HIT_REMOTE_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`;
}

/**
 * The credentials of remote `name` at `host` (`HOST:PORT`), if any are configured.
 * @throws {HitError} when `auth.json` is readable by others or is not JSON.
 */
export async function findCredentials(
  name: string,
  host: string,
  places: { env: Readonly<Record<string, string | undefined>>; configDir: string },
): Promise<RegistryCredentials | undefined> {
  const prefix = credentialsEnvPrefix(name);
  const username = places.env[`${prefix}USERNAME`];
  const password = places.env[`${prefix}PASSWORD`];
  if (username !== undefined && password !== undefined) return { username, password };
  const own = join(places.configDir, "auth.json");
  const found = await fromAuthFile(own, host, { private: true });
  if (found !== undefined) return found;
  const dockerDir = places.env.DOCKER_CONFIG ??
    (places.env.HOME === undefined ? undefined : join(places.env.HOME, ".docker"));
  if (dockerDir === undefined) return undefined;
  return await fromAuthFile(join(dockerDir, "config.json"), host, { private: false });
}

async function fromAuthFile(
  file: string,
  host: string,
  options: { private: boolean },
): Promise<RegistryCredentials | undefined> {
  let text: string;
  try {
    if (options.private && ((await Deno.stat(file)).mode ?? 0) & 0o077) {
      throw new HitError(`read credentials "${file}": others can read it`, {
        hint: `run "chmod 600 ${file}"`,
      });
    }
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  let auths: Record<string, Record<string, unknown>>;
  try {
    auths = JSON.parse(text).auths ?? {};
  } catch {
    throw new HitError(`read credentials "${file}": not JSON`, {
      hint: `write {"auths": {"HOST:PORT": {"username": "…", "password": "…"}}}`,
    });
  }
  for (const [key, entry] of Object.entries(auths)) {
    if (hostOf(key) !== host || typeof entry !== "object" || entry === null) continue;
    if (typeof entry.username === "string" && typeof entry.password === "string") {
      return { username: entry.username, password: entry.password };
    }
    if (typeof entry.auth === "string") {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
    }
  }
  return undefined;
}

/** The `HOST:PORT` of an `auths` key, which may be a bare host or a URL. */
function hostOf(key: string): string {
  try {
    return key.includes("://") ? new URL(key).host : key.replace(/\/.*$/, "");
  } catch {
    return key;
  }
}
