/**
 * A real `docker-registry` (Debian's CNCF distribution 2.8) for tests, with the config of
 * ENGINES.md §1.1 on a free 127.0.0.1 port, optionally behind a bcrypt htpasswd file (made with
 * `htpasswd -Bbn`) or serving HTTPS with a given certificate. Stopped by its pid when disposed. Test helper; writes only into `dir`.
 */
import { join } from "node:path";

/** A running registry. */
export interface TestRegistry extends AsyncDisposable {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** The registry's data folder. */
  data: string;
  pid: number;
  /** Stops it at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
}

/** Whether the `docker-registry` program is installed. */
export function hasRegistry(): boolean {
  try {
    Deno.statSync("/usr/bin/docker-registry");
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a registry storing into `dir`; with `user`, only that user (bcrypt) may use it; with
 * `tls`, it serves HTTPS with that certificate and key (PEM files), signed by the CA `tls.ca`.
 */
export async function startRegistry(
  dir: string,
  options: {
    user?: { name: string; password: string };
    tls?: { cert: string; key: string; ca: string };
  } = {},
): Promise<TestRegistry> {
  const port = freePort();
  const data = join(dir, "registry-data");
  await Deno.mkdir(data, { recursive: true });
  let auth = "";
  if (options.user !== undefined) {
    const out = await new Deno.Command("htpasswd", {
      args: ["-Bbn", options.user.name, options.user.password],
      stdout: "piped",
    }).output();
    if (!out.success) throw new Error("htpasswd failed");
    await Deno.writeFile(join(dir, "htpasswd"), out.stdout);
    auth = `auth:\n  htpasswd:\n    realm: hit-cache\n    path: ${join(dir, "htpasswd")}\n`;
  }
  const tls = options.tls === undefined
    ? ""
    : `  tls:\n    certificate: ${options.tls.cert}\n    key: ${options.tls.key}\n`;
  const config = join(dir, "registry.yml");
  await Deno.writeTextFile(
    config,
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n` +
      `  filesystem:\n    rootdirectory: ${data}\n  delete:\n    enabled: true\n` +
      `http:\n  addr: 127.0.0.1:${port}\n  secret: hit-test-secret\n${tls}${auth}`,
  );
  const child = new Deno.Command("docker-registry", {
    args: ["serve", config],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const host = `127.0.0.1:${port}`;
  const stop = async (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
    await child.status;
  };
  try {
    const ca = options.tls === undefined ? undefined : await Deno.readTextFile(options.tls.ca);
    await waitUntilUp(`${ca === undefined ? "http" : "https"}://${host}/v2/`, ca);
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  }
  return {
    host,
    data,
    pid: child.pid,
    kill: () => stop("SIGKILL"),
    [Symbol.asyncDispose]: () => stop("SIGTERM"),
  };
}

/** A TCP port nothing listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function waitUntilUp(url: string, ca?: string): Promise<void> {
  using client = Deno.createHttpClient(ca === undefined ? {} : { caCerts: [ca] });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { client });
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`the registry at ${url} did not come up within 30 s`);
}
