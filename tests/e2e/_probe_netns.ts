/**
 * Runs a command inside a private network and mount namespace made for the test, next to an
 * HTTP server and a DNS responder on that namespace's 127.0.0.1 (`fixtures/netns_driver.ts`),
 * so that network probes stay on loopback even when the sandbox under test fails. Test helper;
 * writes only into the folder it is given.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DriverConfig, DriverReport } from "./fixtures/netns_driver.ts";

export type { DriverReport } from "./fixtures/netns_driver.ts";
export { HTTP_TOKEN } from "./fixtures/netns_driver.ts";

const DRIVER = fileURLToPath(new URL("./fixtures/netns_driver.ts", import.meta.url));
const DENO = fileURLToPath(new URL("../../scripts/deno", import.meta.url));

/** The HTTP port inside the namespace: fixed, since nothing else listens there. */
export const PROBE_HTTP_PORT = 8080;
/** The name the namespace's DNS responder resolves (`.test` is reserved, RFC 2606). */
export const PROBE_DNS_NAME = "probe.hit.test";

/** Why the namespace cannot be made here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (Deno.build.os !== "linux") return "network namespaces need Linux";
  // `unshare -n -m` and the mounts need root; an unprivileged `unshare -r` would change who
  // owns the store the build writes.
  if (Deno.uid() !== 0) return "making a network namespace needs root";
  for (const program of ["/usr/bin/unshare", "/usr/bin/mount", "/usr/bin/getent"]) {
    try {
      Deno.statSync(program);
    } catch {
      return `${program} is missing`;
    }
  }
  if (!["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip", "/bin/ip"].some(exists)) return "ip is missing";
  return undefined;
}

/**
 * Runs `command` in `cwd` with exactly `env`, inside a fresh network and mount namespace with
 * the probe servers up; `scratch` holds the driver's files.
 */
export async function runInProbeNetns(
  command: string[],
  options: { cwd: string; env: Record<string, string>; scratch: string },
): Promise<DriverReport> {
  await Deno.mkdir(options.scratch, { recursive: true });
  const config: DriverConfig = {
    httpPort: PROBE_HTTP_PORT,
    dnsName: PROBE_DNS_NAME,
    scratchDir: options.scratch,
    command,
    cwd: options.cwd,
    report: join(options.scratch, "report.json"),
  };
  const configPath = join(options.scratch, "driver.json");
  await Deno.writeTextFile(configPath, JSON.stringify(config));
  const output = await new Deno.Command("/usr/bin/unshare", {
    args: ["-n", "-m", DENO, "run", "--quiet", "--no-prompt", "-A", DRIVER, configPath],
    clearEnv: true,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  let report: DriverReport;
  try {
    report = JSON.parse(await Deno.readTextFile(config.report));
  } catch {
    const stderr = new TextDecoder().decode(output.stderr);
    throw new Error(`the namespace driver wrote no report (exit ${output.code}): ${stderr}`);
  }
  return report;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
