/**
 * Pull-before-build overlaps the fetching of sources: while a static HTTP remote (served by the
 * test from a `file://` remote's folder) holds back its answer about one package, the source of
 * another package, which no remote has, is already downloaded.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LIBYAML, LIBYAML_KEY, serve, SOURCES_DIR } from "../core/_source_fixtures.ts";
import { makeTempDir, runCli } from "./_run_cli.ts";

/** `held` (no sources) and `fetched` (the libyaml tarball from `url`), independent. */
async function writeProfile(dir: string, url: string): Promise<string> {
  await Deno.mkdir(join(dir, "pkgs"), { recursive: true });
  const stages =
    'build_stages:\n- name: run\n  handler: bash\n  bash: |\n    mkdir -p "$ARTIFACT"\n' +
    '    echo done > "$ARTIFACT/done"\n';
  await Deno.writeTextFile(join(dir, "pkgs", "held.yaml"), stages);
  await Deno.writeTextFile(
    join(dir, "pkgs", "fetched.yaml"),
    `sources:\n- key: ${LIBYAML_KEY}\n  url: ${url}\n${stages}`,
  );
  const profile = join(dir, "stack.yaml");
  await Deno.writeTextFile(
    profile,
    "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\n" +
      "packages:\n  held:\n  fetched:\n",
  );
  return profile;
}

Deno.test("hit build fetches the sources of what it builds while a pull goes on", async () => {
  await using dir = await makeTempDir();
  const folder = join(dir.path, "cache");
  let sourceServed!: () => void;
  const served = new Promise<void>((resolve) => sourceServed = resolve);
  let heldAfterSource: boolean | undefined;
  await using server = serve(async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path === `/${LIBYAML}`) {
      sourceServed();
      return new Response(await Deno.readFile(join(SOURCES_DIR, LIBYAML)));
    }
    if (path.startsWith("/cache/held/") && heldAfterSource === undefined) {
      // Held until the other package's source was asked for (30 s at most, then the test fails).
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 30_000);
      });
      heldAfterSource = await Promise.race([served.then(() => true), timeout]);
      clearTimeout(timer);
    }
    try {
      return new Response(await Deno.readFile(join(folder, path.slice("/cache/".length))));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const sourceUrl = `${server.url}/${LIBYAML}`;

  // A builder puts "held" alone into a folder remote.
  const builder = join(dir.path, "builder");
  await Deno.mkdir(builder);
  const profile = await writeProfile(builder, sourceUrl);
  const made = await runCli(["build", profile, "--package", "held"], { cwd: builder });
  assert.equal(made.code, 0, made.stderr);
  const stored = join(builder, ".home", ".hit", "bld", "held");
  const [hash] = [...Deno.readDirSync(stored)].map((entry) => entry.name);
  const id = (await Deno.readTextFile(join(stored, hash, "id"))).trim();
  const add = await runCli(["remote", "add", "usb", `file://${folder}`, "--push"], {
    cwd: builder,
  });
  assert.equal(add.code, 0, add.stderr);
  const pushed = await runCli(["push", id], { cwd: builder });
  assert.equal(pushed.code, 0, pushed.stderr);

  // A node reads the same folder over HTTP.
  const node = join(dir.path, "node");
  await Deno.mkdir(node);
  const added = await runCli(
    ["remote", "add", "site", `${server.url}/cache`, "--trust-unsigned"],
    { cwd: node },
  );
  assert.equal(added.code, 0, added.stderr);
  const result = await runCli(["build", await writeProfile(node, sourceUrl), "-o", "stack"], {
    cwd: node,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /\[held\] pulled /);
  assert.match(result.stderr, /\[fetched\] built in/);
  assert.equal(heldAfterSource, true, "the source was fetched only after the pull");
});
