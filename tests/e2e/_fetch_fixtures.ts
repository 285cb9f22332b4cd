/**
 * What the fetch e2e tests share: the source cache and configuration under `runCli`'s
 * HIT_HOME, a one-package profile with one source, and an https server on 127.0.0.1 signed
 * by a site CA made with openssl. Test helper.
 */
import { join } from "node:path";
import { LIBYAML_KEY, listDir } from "../core/_source_fixtures.ts";
import { mirrorPackPath } from "./_source_server.ts";
import { makeSiteCa } from "./_site_ca.ts";

/** `runCli`'s HIT_HOME below its working folder. */
export const HOME_HIT = [".home", ".hit"];

/** The names in the source cache's `tmp/`. */
export function tempFiles(cwd: string): Promise<string[]> {
  return listDir(join(cwd, ...HOME_HIT, "src", "tmp"));
}

/** The source cache's file of an archive `key`. */
export function packPath(cwd: string, key: string): string {
  return join(cwd, ...HOME_HIT, "src", mirrorPackPath(key));
}

/** Writes the configuration `runCli`'s HIT_HOME uses, with `extra` lines appended. */
export async function writeConfig(
  cwd: string,
  extra: string,
  mirrors: string[] = [],
): Promise<void> {
  const home = join(cwd, ...HOME_HIT);
  await Deno.mkdir(home, { recursive: true });
  await Deno.writeTextFile(
    join(home, "config.yaml"),
    "build_stores:\n- dir: ./bld\nbuild_temp: ./tmp\nsource_caches:\n- dir: ./src\n" +
      mirrors.map((url) => `- url: ${url}\n`).join("") +
      "cache: ./cache\ngc_roots: ./gcroots\n" + extra,
  );
}

/** A profile with one package whose one source is libyaml at `url`; returns its name. */
export async function writeProfile(cwd: string, url: string): Promise<string> {
  await Deno.mkdir(join(cwd, "pkgs"), { recursive: true });
  await Deno.writeTextFile(
    join(cwd, "pkgs", "yamldoc.yaml"),
    `sources:\n- key: ${LIBYAML_KEY}\n  url: ${url}\n\nbuild_stages:\n- name: install\n` +
      `  handler: bash\n  bash: |\n    mkdir -p "\${ARTIFACT}/include"\n` +
      `    cp include/yaml.h "\${ARTIFACT}/include/"\n`,
  );
  await Deno.writeTextFile(
    join(cwd, "stack.yaml"),
    "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\n" +
      "packages:\n  yamldoc:\n",
  );
  return "stack.yaml";
}

/** An https server on 127.0.0.1 whose certificate a site CA signed. */
export interface SiteCaServer extends AsyncDisposable {
  /** `https://127.0.0.1:PORT`. */
  url: string;
  /** The site CA's certificate (PEM). */
  caFile: string;
}

/** Makes a site CA in `pki` (created) and serves `handler` over https with a cert it signed. */
export async function serveWithSiteCa(
  pki: string,
  handler: (request: Request) => Response | Promise<Response>,
): Promise<SiteCaServer> {
  const ca = await makeSiteCa(pki);
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(ca.cert),
    key: await Deno.readTextFile(ca.key),
    onListen() {},
  }, handler);
  return {
    url: `https://127.0.0.1:${server.addr.port}`,
    caFile: ca.ca,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
