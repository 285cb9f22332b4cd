/**
 * A small stack for source tests that builds in seconds: `yamldoc` (the real libyaml tarball,
 * served over HTTP), `tinygit` (a git repository made here with `git`, served over git's dumb
 * HTTP protocol) and `greeting` (only a bundled `files:` entry). One `Deno.serve` server on
 * 127.0.0.1 serves both and counts requests. Test helper; writes only into the folders given.
 */
import { join } from "node:path";
import { LIBYAML, LIBYAML_KEY, serve, SOURCES_DIR } from "../core/_source_fixtures.ts";

/** The packages of the small stack. */
export const SMALL_PACKAGES = ["greeting", "tinygit", "yamldoc"];

// Every file of the artifact linked into the profile.
const LINK_ALL = `profile_links:\n- link: "*/**/*"\n`;

/** The served small stack: its server and where each source is. */
export interface SmallStackServer extends AsyncDisposable {
  url: string;
  requests: string[];
  /** The libyaml tarball's URL. */
  tarballUrl: string;
  /** The git repository's URL and its commit. */
  gitUrl: string;
  commit: string;
  /** Serves `bytes` at `/NAME` from now on; returns the URL. */
  publish(name: string, bytes: Uint8Array): string;
}

/** Makes the git repository `tiny.git` in `dir` and serves it and libyaml on 127.0.0.1. */
export async function startSmallStackServer(dir: string): Promise<SmallStackServer> {
  const work = join(dir, "tiny-work");
  const bare = join(dir, "tiny.git");
  await Deno.mkdir(work, { recursive: true });
  await Deno.writeTextFile(
    join(work, "Makefile"),
    "install:\n\tmkdir -p $(PREFIX)/bin\n\tcp tiny.sh $(PREFIX)/bin/tiny\n",
  );
  await Deno.writeTextFile(join(work, "tiny.sh"), "#!/bin/sh\necho tiny 1.0\n");
  await Deno.chmod(join(work, "tiny.sh"), 0o755);
  await git(work, "init", "-q", "-b", "main");
  await git(work, "add", ".");
  await git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tiny 1.0");
  const commit = (await git(work, "rev-parse", "HEAD")).trim();
  await git(dir, "clone", "-q", "--bare", work, bare);
  // The dumb HTTP protocol needs the ref and pack lists that `update-server-info` writes.
  await git(bare, "update-server-info");
  const files = new Map<string, Uint8Array>([
    [`/${LIBYAML}`, await Deno.readFile(join(SOURCES_DIR, LIBYAML))],
  ]);
  const server = serve(async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    const bytes = files.get(path);
    if (bytes !== undefined) return new Response(bytes.slice());
    if (path.startsWith("/tiny.git/") && !path.includes("..")) {
      try {
        return new Response(await Deno.readFile(join(bare, path.slice("/tiny.git/".length))));
      } catch {
        // Not in the repository: git asks for files it may not have.
      }
    }
    return new Response("not found", { status: 404 });
  });
  return {
    url: server.url,
    requests: server.requests,
    tarballUrl: `${server.url}/${LIBYAML}`,
    gitUrl: `${server.url}/tiny.git`,
    commit,
    publish(name, bytes) {
      files.set(`/${name}`, bytes);
      return `${server.url}/${name}`;
    },
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}

/** Where the small stack's sources are. */
export type SmallStackPlaces = Pick<SmallStackServer, "tarballUrl" | "gitUrl" | "commit">;

/** The spec files and profile of the small stack in `dir`; returns the profile's path. */
export async function writeSmallStack(
  dir: string,
  server: SmallStackPlaces,
  options: { tarball?: { key: string; url: string } } = {},
): Promise<string> {
  await writeSmallSpecs(join(dir, "pkgs"), server, options);
  const profile = join(dir, "stack.yaml");
  await Deno.writeTextFile(
    profile,
    "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\npackages:\n" +
      SMALL_PACKAGES.map((name) => `  ${name}:\n`).join(""),
  );
  return profile;
}

/** The spec files of the small stack's packages in the package folder `pkgs`. */
export async function writeSmallSpecs(
  pkgs: string,
  server: SmallStackPlaces,
  options: { tarball?: { key: string; url: string } } = {},
): Promise<void> {
  await Deno.mkdir(join(pkgs, "greeting"), { recursive: true });
  const tarball = options.tarball ?? { key: LIBYAML_KEY, url: server.tarballUrl };
  await Deno.writeTextFile(
    join(pkgs, "yamldoc.yaml"),
    `sources:\n- key: ${tarball.key}\n  url: ${tarball.url}\n\nbuild_stages:\n` +
      `- name: install\n  handler: bash\n  bash: |\n` +
      `    mkdir -p "\${ARTIFACT}/include"\n    cp include/yaml.h "\${ARTIFACT}/include/"\n`,
  );
  await Deno.writeTextFile(
    join(pkgs, "tinygit.yaml"),
    `sources:\n- key: git:${server.commit}\n  url: ${server.gitUrl}\n\nbuild_stages:\n` +
      `- name: install\n  handler: bash\n  bash: |\n    make install PREFIX="\${ARTIFACT}"\n` +
      LINK_ALL,
  );
  await Deno.writeTextFile(join(pkgs, "greeting", "greeting.txt"), "hello from a bundle\n");
  await Deno.writeTextFile(
    join(pkgs, "greeting", "greeting.yaml"),
    `build_stages:\n- name: install\n  handler: bash\n  files: [greeting.txt]\n  bash: |\n` +
      `    mkdir -p "\${ARTIFACT}/share"\n    cp _hashdist/greeting.txt "\${ARTIFACT}/share/"\n` +
      LINK_ALL,
  );
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const output = await new Deno.Command("git", {
    args,
    cwd,
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin", HOME: cwd, GIT_CONFIG_NOSYSTEM: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return new TextDecoder().decode(output.stdout);
}
