import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { SOURCE_KEYS, SOURCES_DIR } from "../core/_source_fixtures.ts";
import { netnsUnavailable } from "./_probe_netns.ts";
import {
  type CliResult,
  CORPUS_DIR,
  HIT,
  hitEnv,
  makeTempDir,
  runCli,
  runProgram,
} from "./_run_cli.ts";
import { run, stackProfile, statusIds, TARBALLS } from "./_real_stack.ts";
import { startSmallStackServer, writeSmallSpecs } from "./_small_stack.ts";

/**
 * The corpus packages of the air-gapped stack (patchelf, which every corpus package needs to
 * build; zlib; png on zlib; xz from a .tar.xz), and two of the test's own: `tinygit` from a git
 * repository, `greeting` from a bundled `files:` entry.
 */
const CORPUS_PACKAGES = ["patchelf", "zlib", "png", "xz"];
const PACKAGES = [...CORPUS_PACKAGES, "greeting", "tinygit"].sort();

/**
 * Runs `hit ARGS` as `runCli` does, but inside a new network namespace (`unshare -n`) whose
 * only interface is loopback, left down: there is no network at all, not even 127.0.0.1.
 */
async function runCliOffNetwork(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  return await runProgram("/usr/bin/unshare", ["-n", "--", HIT, ...args], {
    cwd: options.cwd,
    env: await hitEnv(options),
  });
}

/** The network a command run by `runCliOffNetwork` would see: `ip -o link` in a new namespace. */
async function namespaceLinks(): Promise<string[]> {
  const ip = ["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip"].find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  })!;
  const result = await run("/usr/bin/unshare", ["-n", "--", ip, "-o", "link", "show"], "/");
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim().split("\n");
}

/** Files under `dir`, recursively, as sorted relative paths; [] when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (prefix: string) => {
    try {
      for await (const entry of Deno.readDir(join(dir, prefix))) {
        const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
        if (entry.isDirectory) await walk(path);
        else found.push(path);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  };
  await walk("");
  return found.sort();
}

const unavailable = netnsUnavailable();

Deno.test({
  name: "air gap: fetch and export where connected; import and build offline in a namespace " +
    "with no network give the same artifact ids",
  ignore: unavailable !== undefined,
  async fn(t) {
    await using near = await makeTempDir("hit-e2e-airgap-near-");
    await using far = await makeTempDir("hit-e2e-airgap-far-");
    const cwd = await Deno.realPath(near.path);
    let connectedIds: Record<string, string> = {};
    let profileInBundle = "";
    const keys: Record<string, string> = {};

    // A later step makes no sense after a failed one: stop there.
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!await t.step(name, fn)) throw new Error(`stopped after the failed step "${name}"`);
    };

    await step("the connected side fetches every source and exports a bundle", async () => {
      await using server = await startSmallStackServer(cwd);
      const sources: Record<string, { key: string; url: string }> = {};
      for (const name of CORPUS_PACKAGES) {
        const file = TARBALLS[name];
        const url = server.publish(file, await Deno.readFile(join(SOURCES_DIR, file)));
        sources[name] = { key: SOURCE_KEYS[file], url };
        keys[name] = SOURCE_KEYS[file];
      }
      await writeSmallSpecs(join(cwd, "specs"), server);
      // A relative parent, so that the bundle's copy of the profile stands on its own.
      const extendsFile = relative(cwd, join(CORPUS_DIR, "debian.yaml"));
      await Deno.writeTextFile(
        join(cwd, "stack.yaml"),
        stackProfile(sources, { extendsFile, packages: "  tinygit:\n  greeting:\n" }),
      );

      const fetched = await runCli(["fetch", "stack.yaml"], { cwd });
      assert.equal(fetched.code, 0, fetched.stderr);
      // Four archives, one git commit, and the build-script bundles (packages without bundled
      // files of their own can share one).
      assert.match(fetched.stdout, /^10 sources, 0 already cached, 4\.\d MiB fetched\n$/);
      for (const name of CORPUS_PACKAGES) {
        assert.equal(server.requests.filter((path) => path === `/${TARBALLS[name]}`).length, 1);
      }
      const again = await runCli(["fetch", "stack.yaml"], { cwd });
      assert.equal(again.stdout, "10 sources, 10 already cached, 0 B fetched\n");

      const exported = await runCli(["mirror", "export", "stack.yaml", "-o", "airgap.tar"], {
        cwd,
      });
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(
        exported.stdout,
        /^exported 10 sources \([\d.]+ MiB\) and \d+ files to airgap\.tar\n/,
      );
      profileInBundle = /hit build --offline (\S+)/.exec(exported.stdout)![1];
      // Below profiles/, the layout of the files from their common folder (which depends on
      // where the corpus and the temp folders are).
      assert.match(profileInBundle, /^profiles\/(.+\/)?[^/]+\/stack\.yaml$/);
      assert.ok(profileInBundle.endsWith(`${cwd.split("/").at(-1)}/stack.yaml`), profileInBundle);
      const status = await runCli(["status", "stack.yaml", "--json"], { cwd });
      const rows = JSON.parse(status.stdout) as { name: string; artifact_id: string }[];
      connectedIds = Object.fromEntries(rows.map((row) => [row.name, row.artifact_id]));
      assert.deepEqual(Object.keys(connectedIds).sort(), PACKAGES);
    });

    await Deno.copyFile(join(cwd, "airgap.tar"), join(far.path, "airgap.tar"));
    const farCwd = await Deno.realPath(far.path);
    const cache = join(farCwd, ".home", ".hit", "src");

    await step("the namespace has no network: loopback only, and down", async () => {
      const links = await namespaceLinks();
      assert.equal(links.length, 1, links.join("\n"));
      assert.match(links[0], /^1: lo: <LOOPBACK> .* state DOWN /);
    });

    await step("the far side verifies and imports the bundle with no network", async () => {
      const verified = await runCliOffNetwork(["mirror", "verify", "airgap.tar"], { cwd: farCwd });
      assert.equal(verified.code, 0, verified.stderr);
      assert.match(verified.stdout, /^airgap\.tar: 10 sources and \d+ files checked, all good\n$/);
      const imported = await runCliOffNetwork(["mirror", "import", "airgap.tar"], { cwd: farCwd });
      assert.equal(imported.code, 0, imported.stderr);
      assert.equal(imported.stdout, `imported 10 sources into ${cache} (0 already there)\n`);
      const untar = await run("tar", ["-xf", "airgap.tar", "profiles"], farCwd);
      assert.deepEqual(untar, { code: 0, stdout: "", stderr: "" });
    });

    await step("two missing sources are both listed, and nothing is built", async () => {
      const aside = join(farCwd, "aside");
      await Deno.mkdir(aside);
      const packs = ["zlib", "xz"].map((name) => join("packs", ...keys[name].split(":")));
      for (const [i, pack] of packs.entries()) {
        await Deno.rename(join(cache, pack), join(aside, `${i}`));
      }
      const envs: Record<string, string>[] = [{}, { HIT_OFFLINE: "1" }];
      for (const env of envs) {
        const args = ["build", ...("HIT_OFFLINE" in env ? [] : ["--offline"]), profileInBundle];
        const result = await runCliOffNetwork(args, { cwd: farCwd, env });
        assert.equal(result.code, 1);
        assert.equal(result.stdout, "");
        const lines = result.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 4, result.stderr);
        assert.equal(
          lines[0],
          "error: build offline: 2 sources are missing from the source cache and its mirrors",
        );
        // In build order: xz before zlib.
        assert.match(
          lines[1],
          new RegExp(`^  "xz": ${keys.xz} from "http://127\\.0\\.0\\.1:\\d+/`),
        );
        assert.match(
          lines[2],
          new RegExp(`^  "zlib": ${keys.zlib} from "http://127\\.0\\.0\\.1:\\d+/`),
        );
        assert.ok(
          lines[3].startsWith(
            `hint: on a machine with network, run "hit fetch ${profileInBundle}"`,
          ),
          lines[3],
        );
      }
      assert.deepEqual(await filesUnder(join(farCwd, ".home", ".hit", "bld")), []);
      for (const [i, pack] of packs.entries()) {
        await Deno.rename(join(aside, `${i}`), join(cache, pack));
      }
    });

    await t.step(
      "without --offline, a build whose sources are cached needs no network",
      async () => {
        const built = await runCliOffNetwork(
          ["build", profileInBundle, "--package", "patchelf", "-q"],
          { cwd: farCwd },
        );
        assert.deepEqual(built, { code: 0, stdout: "built 1, already built 0\n", stderr: "" });
      },
    );

    await t.step(
      "hit build --offline builds the stack with the connected side's artifact ids",
      async () => {
        const built = await runCliOffNetwork(["build", "--offline", profileInBundle, "-q"], {
          cwd: farCwd,
        });
        assert.equal(built.code, 0, built.stderr);
        assert.equal(built.stdout, "Profile build successful, link at: stack\n");
        assert.deepEqual(await statusIds(farCwd, profileInBundle), connectedIds);
        const xz = await run(join(farCwd, "stack", "bin", "xz"), ["--version"], farCwd);
        assert.match(xz.stdout, /^xz \(XZ Utils\) 5\.4\.1\n/);
        const tiny = await run(join(farCwd, "stack", "bin", "tiny"), [], farCwd);
        assert.equal(tiny.stdout, "tiny 1.0\n");
        assert.equal(
          await Deno.readTextFile(join(farCwd, "stack", "share", "greeting.txt")),
          "hello from a bundle\n",
        );
      },
    );
  },
});
