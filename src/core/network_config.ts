/**
 * How downloads and git reach the network: the proxies of `http_proxy`, `https_proxy` and
 * `no_proxy` (either case; `*` means every host), the CA certificates trusted beyond the
 * built-in ones (the system store, `ca_file:`, `SSL_CERT_FILE`), and the connect and stall
 * timeouts (`fetch_connect_timeout:`, `HIT_FETCH_CONNECT_TIMEOUT`, …). The environment and
 * configuration are passed in; only `loadNetworkConfig` reads files (the CA certificates).
 */
import { HitError } from "../errors.ts";
import type { Config } from "./config.ts";
import { DEFAULT_TIMEOUTS, type FetchTimeouts, type NetworkSettings } from "./http_download.ts";

/** Proxies and trusted certificates, for every URL of a run. */
export interface NetworkConfig {
  httpProxy?: string;
  httpsProxy?: string;
  /** `no_proxy` entries: host names, `.domain`s, `host:port`s, or `*`. */
  noProxy: string[];
  /** PEM texts trusted beyond Deno's built-in roots. */
  caCerts: string[];
  /** The site CA file (`SSL_CERT_FILE`, else `ca_file:`), for git's `GIT_SSL_CAINFO`. */
  caFile?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

// Where Linux distributions keep the system's CA bundle (Debian, Fedora, openSUSE, Alpine).
const SYSTEM_CA_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/ssl/cert.pem",
];

/** The proxies of `env` (lower case first, as curl reads them), before any file is read. */
export function proxiesOf(env: Env): Pick<NetworkConfig, "httpProxy" | "httpsProxy" | "noProxy"> {
  const pick = (name: string) => {
    const value = env[name] ?? env[name.toUpperCase()];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  // `proxy:3128` without a scheme means an http proxy, as curl reads it.
  const url = (value: string | undefined) =>
    value === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  const all = url(pick("all_proxy"));
  return {
    httpProxy: url(pick("http_proxy")) ?? all,
    httpsProxy: url(pick("https_proxy")) ?? all,
    noProxy: (pick("no_proxy") ?? "").split(/[\s,]+/).filter((entry) => entry !== ""),
  };
}

/**
 * The network configuration of a run: proxies from `env`, the system's CA bundle, then the
 * site CA of `SSL_CERT_FILE` or the configuration's `ca_file:`.
 * @throws {HitError} when the site CA file cannot be read.
 */
export async function loadNetworkConfig(
  env: Env,
  config: Pick<Config, "caFile" | "file">,
): Promise<NetworkConfig> {
  const caCerts: string[] = [];
  for (const bundle of SYSTEM_CA_BUNDLES) {
    try {
      caCerts.push(await Deno.readTextFile(bundle));
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  const caFile = env.SSL_CERT_FILE || config.caFile;
  if (caFile !== undefined) {
    try {
      caCerts.push(await Deno.readTextFile(caFile));
    } catch (error) {
      const from = env.SSL_CERT_FILE ? "SSL_CERT_FILE" : `"ca_file" of ${config.file}`;
      throw new HitError(`read the site CA "${caFile}" (${from}): ${(error as Error).message}`, {
        hint: "name a readable PEM file holding the CA certificate",
        cause: error,
      });
    }
  }
  return { ...proxiesOf(env), caCerts, ...(caFile === undefined ? {} : { caFile }) };
}

/** The proxy `url` goes through, if any. */
export function proxyFor(url: string, config: Omit<NetworkConfig, "caCerts">): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const proxy = parsed.protocol === "https:"
    ? config.httpsProxy
    : parsed.protocol === "http:"
    ? config.httpProxy
    : undefined;
  if (proxy === undefined || bypassesProxy(parsed, config.noProxy)) return undefined;
  return proxy;
}

function bypassesProxy(url: URL, noProxy: readonly string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return noProxy.some((raw) => {
    if (raw === "*") return true;
    const entry = raw.toLowerCase();
    const portAt = entry.lastIndexOf(":");
    const [name, entryPort] =
      portAt > 0 && !entry.includes("]") && /^\d+$/.test(entry.slice(portAt + 1))
        ? [entry.slice(0, portAt), entry.slice(portAt + 1)]
        : [entry, undefined];
    if (entryPort !== undefined && entryPort !== port) return false;
    const domain = name.replace(/^\*?\./, "").replace(/^\[|\]$/g, "");
    return host === domain || host.endsWith(`.${domain}`);
  });
}

/** What one request to `url` needs: its proxy and, for `https`, the extra CA certificates. */
export function networkFor(url: string, config: NetworkConfig | undefined): NetworkSettings {
  if (config === undefined) return {};
  const proxy = proxyFor(url, config);
  const https = /^https:/i.test(url) || (proxy !== undefined && /^https:/i.test(proxy));
  return {
    ...(proxy === undefined ? {} : { proxy }),
    ...(https && config.caCerts.length > 0 ? { caCerts: config.caCerts } : {}),
  };
}

/**
 * The environment a program that may use the network (git) gets from `config`: the proxy
 * variables in both cases, and the site CA as `GIT_SSL_CAINFO`.
 */
export function networkEnv(config: Omit<NetworkConfig, "caCerts">): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (name: string, value: string | undefined) => {
    if (value === undefined) return;
    env[name] = value;
    env[name.toUpperCase()] = value;
  };
  set("http_proxy", config.httpProxy);
  set("https_proxy", config.httpsProxy);
  if (config.noProxy.length > 0) set("no_proxy", config.noProxy.join(","));
  if (config.caFile !== undefined) env.GIT_SSL_CAINFO = config.caFile;
  return env;
}

/**
 * The connect and stall timeouts: `HIT_FETCH_CONNECT_TIMEOUT` / `HIT_FETCH_STALL_TIMEOUT`
 * (seconds), else the configuration's keys, else 30 s and 60 s.
 * @throws {HitError} for a value that is not a number of seconds above 0.
 */
export function fetchTimeouts(
  env: Env,
  config: Pick<Config, "fetchConnectTimeout" | "fetchStallTimeout">,
): FetchTimeouts {
  const seconds = (name: string, configured: number | undefined, fallback: number) => {
    const text = env[name];
    if (text === undefined || text.trim() === "") {
      return configured === undefined ? fallback : configured * 1000;
    }
    const value = Number(text);
    if (!(value > 0)) {
      throw new HitError(`read ${name}: "${text}" is not a number of seconds above 0`, {
        hint: `unset it, or write for example ${name}=30`,
      });
    }
    return value * 1000;
  };
  return {
    connectMs: seconds(
      "HIT_FETCH_CONNECT_TIMEOUT",
      config.fetchConnectTimeout,
      DEFAULT_TIMEOUTS.connectMs,
    ),
    stallMs: seconds("HIT_FETCH_STALL_TIMEOUT", config.fetchStallTimeout, DEFAULT_TIMEOUTS.stallMs),
  };
}
