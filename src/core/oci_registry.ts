/**
 * A client of the OCI distribution API (ENGINES.md §1.2–§1.6) as a `RemoteStore`: HEAD/GET/PUT
 * of manifests with the OCI `Accept`, blob upload as POST then PUT to the newest `Location`,
 * verified blob download, Basic auth and the Bearer-token flow (401 with `Www-Authenticate`,
 * token fetch, retry). `Authorization` never follows a redirect to another host, and
 * credentials never appear in messages. Talks only to the registry and its token realm,
 * through the proxy and with the site CA (`ca_file:`, `SSL_CERT_FILE`) of the network settings.
 */
import { HitError } from "../errors.ts";
import { type Descriptor, MANIFEST_MEDIA_TYPE } from "./artifact_manifest.ts";
import { certificateRefusal, createClient, SITE_CA_HINT } from "./http_download.ts";
import { type NetworkConfig, networkFor } from "./network_config.ts";
import { type OnBytes, type RemoteStore, saveVerified } from "./remote_store.ts";

/** A user name and password (or token) for a registry. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

interface RequestOptions {
  headers?: Record<string, string>;
  body?: () => BodyInit | Promise<BodyInit>;
  /** `pull` or `pull,push`: the access the request needs. */
  access: string;
  repo: string;
  action: string;
}

/** An OCI registry at `base` (`http(s)://host:port`), repositories under it. */
export class OciRegistry implements RemoteStore {
  readonly where: string;
  readonly readOnly = false;
  #base: URL;
  #credentials?: RegistryCredentials;
  /** The Authorization header that worked, per repository and access. */
  #authorization = new Map<string, string>();
  #network?: NetworkConfig;
  /** The HTTP client of each origin (the registry, its token realm), when not the default. */
  #clients = new Map<string, Deno.HttpClient | undefined>();

  constructor(
    base: URL,
    where: string,
    credentials?: RegistryCredentials,
    network?: NetworkConfig,
  ) {
    this.#base = base;
    this.where = where;
    this.#credentials = credentials;
    this.#network = network;
  }

  async readManifest(repo: string, tag: string): Promise<Uint8Array | undefined> {
    const response = await this.#request("GET", `/v2/${repo}/manifests/${tag}`, {
      headers: { Accept: MANIFEST_MEDIA_TYPE },
      access: "pull",
      repo,
      action: `read manifest "${repo}:${tag}"`,
    });
    if (response.status === 404) return await drop(response, undefined);
    await this.#expect(response, [200], `read manifest "${repo}:${tag}"`);
    return new Uint8Array(await response.arrayBuffer());
  }

  async hasManifest(repo: string, tag: string): Promise<boolean> {
    const response = await this.#request("HEAD", `/v2/${repo}/manifests/${tag}`, {
      headers: { Accept: MANIFEST_MEDIA_TYPE },
      access: "pull",
      repo,
      action: `look up manifest "${repo}:${tag}"`,
    });
    if (response.status === 404) return await drop(response, false);
    await this.#expect(response, [200], `look up manifest "${repo}:${tag}"`);
    return await drop(response, true);
  }

  async readBlob(repo: string, blob: Descriptor, to: string, onBytes?: OnBytes): Promise<void> {
    const action = `download ${blob.digest}`;
    const response = await this.#request("GET", `/v2/${repo}/blobs/${blob.digest}`, {
      access: "pull",
      repo,
      action,
    });
    await this.#expect(response, [200], action);
    await saveVerified(response.body!, to, blob, this.where, onBytes);
  }

  async hasBlob(repo: string, blob: Descriptor): Promise<boolean> {
    const response = await this.#request("HEAD", `/v2/${repo}/blobs/${blob.digest}`, {
      access: "pull",
      repo,
      action: `look up blob ${blob.digest}`,
    });
    if (response.status === 404) return await drop(response, false);
    await this.#expect(response, [200], `look up blob ${blob.digest}`);
    return await drop(response, true);
  }

  async writeBlob(repo: string, blob: Descriptor, from: string, onBytes?: OnBytes): Promise<void> {
    const action = `upload ${blob.digest}`;
    const start = await this.#request("POST", `/v2/${repo}/blobs/uploads/`, {
      access: "pull,push",
      repo,
      action,
    });
    await this.#expect(start, [202], action);
    await drop(start, undefined);
    const location = start.headers.get("Location");
    if (location === null) throw this.#error(action, "the registry gave no upload Location");
    // The Location already has a query (`_state`) on registry 2.8: add the digest with a URL API.
    const put = new URL(location, this.#base);
    put.searchParams.set("digest", blob.digest);
    const response = await this.#request("PUT", put, {
      headers: { "Content-Type": "application/octet-stream", "Content-Length": `${blob.size}` },
      body: () => countingBody(from, onBytes),
      access: "pull,push",
      repo,
      action,
    });
    await this.#expect(response, [201], action);
    await drop(response, undefined);
    const stored = response.headers.get("Docker-Content-Digest");
    if (stored !== null && stored !== blob.digest) {
      throw this.#error(action, `the registry stored ${stored}`);
    }
  }

  async writeManifest(repo: string, tag: string, bytes: Uint8Array): Promise<void> {
    const action = `write manifest "${repo}:${tag}"`;
    const response = await this.#request("PUT", `/v2/${repo}/manifests/${tag}`, {
      headers: { "Content-Type": MANIFEST_MEDIA_TYPE },
      body: () => bytes.slice(),
      access: "pull,push",
      repo,
      action,
    });
    await this.#expect(response, [201], action);
    await drop(response, undefined);
  }

  /** Sends a request, authenticating on a 401 and following redirects by hand. */
  async #request(method: string, path: string | URL, options: RequestOptions): Promise<Response> {
    const authKey = `${options.repo} ${options.access}`;
    let url = new URL(path, this.#base);
    for (let attempt = 0; attempt < 8; attempt++) {
      const headers = new Headers(options.headers);
      const authorization = this.#authorization.get(authKey);
      // Credentials go only to the registry's own host, never to a redirect target.
      if (authorization !== undefined && url.origin === this.#base.origin) {
        headers.set("Authorization", authorization);
      }
      let response: Response;
      try {
        response = await fetch(url, {
          ...this.#clientOf(url),
          method,
          headers,
          body: options.body === undefined ? null : await options.body(),
          redirect: "manual",
        });
      } catch (error) {
        const refusal = certificateRefusal(url, error);
        if (refusal !== undefined) {
          throw this.#error(options.action, refusal, { cause: error, hint: SITE_CA_HINT });
        }
        throw this.#error(
          options.action,
          `the registry is not reachable: ${(error as Error).message}`,
          { cause: error, hint: "check that the registry is up and the remote's URL is right" },
        );
      }
      if (response.status >= 300 && response.status < 400 && response.headers.has("Location")) {
        await drop(response, undefined);
        url = new URL(response.headers.get("Location")!, url);
        continue;
      }
      if (response.status === 401 && url.origin === this.#base.origin) {
        const challenge = response.headers.get("Www-Authenticate") ?? "";
        await drop(response, undefined);
        const next = await this.#answer(challenge, options);
        if (next === undefined || next === authorization) throw this.#unauthorized(options);
        this.#authorization.set(authKey, next);
        continue;
      }
      return response;
    }
    throw this.#error(options.action, "too many redirects or authentication rounds");
  }

  /** The Authorization header that answers `challenge`, if the credentials allow one. */
  async #answer(challenge: string, options: RequestOptions): Promise<string | undefined> {
    const scheme = challenge.split(" ", 1)[0].toLowerCase();
    const basic = this.#credentials === undefined
      ? undefined
      : `Basic ${btoa(`${this.#credentials.username}:${this.#credentials.password}`)}`;
    if (scheme === "basic") return basic;
    if (scheme !== "bearer") return undefined;
    const params = parseChallenge(challenge.slice(scheme.length));
    if (params.realm === undefined) return undefined;
    const realm = new URL(params.realm, this.#base);
    if (params.service !== undefined) realm.searchParams.set("service", params.service);
    realm.searchParams.set("scope", params.scope ?? `repository:${options.repo}:${options.access}`);
    let response: Response;
    try {
      response = await fetch(realm, {
        ...this.#clientOf(realm),
        headers: basic === undefined ? {} : { Authorization: basic },
        redirect: "error",
      });
    } catch (error) {
      throw this.#error(options.action, `the token server ${realm.origin} is not reachable`, {
        cause: error,
      });
    }
    if (response.status === 401 || response.status === 403) {
      await drop(response, undefined);
      throw this.#unauthorized(options);
    }
    if (response.status !== 200) {
      await drop(response, undefined);
      throw this.#error(
        options.action,
        `the token server ${realm.origin} answered ${response.status}`,
      );
    }
    const doc = await response.json().catch(() => ({})) as Record<string, unknown>;
    const token = doc.token ?? doc.access_token;
    if (typeof token !== "string" || token === "") {
      throw this.#error(options.action, `the token server ${realm.origin} sent no token`);
    }
    return `Bearer ${token}`;
  }

  /** The `client` option of a request to `url`: its proxy and the site CA, if any. */
  #clientOf(url: URL): { client?: Deno.HttpClient } {
    if (!this.#clients.has(url.origin)) {
      this.#clients.set(url.origin, createClient(networkFor(url.href, this.#network)));
    }
    const client = this.#clients.get(url.origin);
    return client === undefined ? {} : { client };
  }

  #unauthorized(options: RequestOptions): HitError {
    return this.#error(
      options.action,
      this.#credentials === undefined
        ? "the registry wants credentials (401)"
        : "the registry refused the credentials (401)",
      {
        hint: "set HIT_REMOTE_<NAME>_USERNAME and HIT_REMOTE_<NAME>_PASSWORD, or add the " +
          `host to "auth.json" beside the configuration (mode 0600) or ~/.docker/config.json`,
      },
    );
  }

  async #expect(response: Response, ok: number[], action: string): Promise<void> {
    if (ok.includes(response.status)) return;
    const text = response.body === null ? "" : await response.text().catch(() => "");
    let detail = text.trim().slice(0, 200);
    try {
      const errors = JSON.parse(text).errors as { code: string; message: string }[];
      detail = errors.map((e) => `${e.code}: ${e.message}`).join("; ");
    } catch {
      // Not the registry's JSON error body (plain-text 404s of 2.8's router, proxies).
    }
    throw this.#error(
      action,
      `the registry answered ${response.status}${detail === "" ? "" : ` (${detail})`}`,
    );
  }

  #error(
    action: string,
    reason: string,
    options: { cause?: unknown; hint?: string } = {},
  ): HitError {
    return new HitError(`${action} at ${this.where}: ${reason}`, options);
  }
}

/** `realm="…",service="…",scope="…"` as a record. */
export function parseChallenge(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of text.matchAll(/([A-Za-z]+)="([^"]*)"/g)) params[match[1]] = match[2];
  return params;
}

async function countingBody(path: string, onBytes?: OnBytes): Promise<ReadableStream<Uint8Array>> {
  const file = await Deno.open(path, { read: true });
  let sent = 0;
  return file.readable.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sent += chunk.length;
        onBytes?.(sent);
        controller.enqueue(chunk);
      },
    }),
  );
}

async function drop<T>(response: Response, value: T): Promise<T> {
  await response.body?.cancel().catch(() => {});
  return value;
}
