import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatBytes } from "../../src/cli/fetch.ts";
import { serve, type TestServer } from "../core/_source_fixtures.ts";
import { archiveKeyOf, mirrorPackPath } from "./_source_server.ts";
import { corpusWorkspace, makeTempDir, runCli } from "./_run_cli.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/pypi/", import.meta.url));

/** A small real sdist: `NAME-VERSION/setup.py` and `PKG-INFO`, packed by GNU tar. */
async function makeSdist(name: string, version: string): Promise<Uint8Array> {
  await using dir = await makeTempDir("hit-sdist-");
  const top = `${name}-${version}`;
  await Deno.mkdir(join(dir.path, top));
  await Deno.writeTextFile(
    join(dir.path, top, "setup.py"),
    `from setuptools import setup\nsetup(name="${name}", version="${version}")\n`,
  );
  await Deno.writeTextFile(
    join(dir.path, top, "PKG-INFO"),
    `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`,
  );
  const tar = await new Deno.Command("tar", {
    args: ["czf", `${top}.tar.gz`, top],
    cwd: dir.path,
  }).output();
  assert.ok(tar.success, new TextDecoder().decode(tar.stderr));
  return await Deno.readFile(join(dir.path, `${top}.tar.gz`));
}

interface PackageIndex extends AsyncDisposable {
  url: string;
  server: TestServer;
  /** The sdists served, by file name. */
  sdists: Map<string, Uint8Array>;
}

/**
 * Serves the recorded JSON at `/pypi/...` with every file URL moved to this server, and the
 * test's own sdists at those URLs. Sdist entries get the SHA-256 and size of the test's
 * sdist, unless `keepDigests` (then they no longer match).
 */
async function startIndex(options: { keepDigests?: boolean } = {}): Promise<PackageIndex> {
  const sdists = new Map([
    ["six-1.16.0.tar.gz", await makeSdist("six", "1.16.0")],
    ["requests-2.27.1.tar.gz", await makeSdist("requests", "2.27.1")],
  ]);
  const documents = new Map<string, string>();
  const routes: [string, string][] = [
    ["/pypi/six/json", "six.json"],
    ["/pypi/requests/json", "requests.json"],
    ["/pypi/requests/2.27.1/json", "requests-2.27.1.json"],
  ];
  let base = "";
  const server = serve((request) => {
    const path = new URL(request.url).pathname;
    const document = documents.get(path);
    if (document !== undefined) return Response.json(JSON.parse(document));
    const sdist = sdists.get(path.slice(path.lastIndexOf("/") + 1));
    if (sdist !== undefined && path.startsWith("/packages/")) return new Response(sdist.slice());
    return new Response("not found", { status: 404, statusText: "Not Found" });
  });
  base = server.url;
  for (const [path, name] of routes) {
    const document = JSON.parse(await Deno.readTextFile(join(FIXTURES, name)));
    const files = [...document.urls, ...Object.values(document.releases ?? {}).flat()];
    for (const file of files as Record<string, unknown>[]) {
      file.url = base + new URL(file.url as string).pathname;
      const bytes = sdists.get(file.filename as string);
      if (bytes !== undefined && !options.keepDigests) {
        (file.digests as Record<string, string>).sha256 = createHash("sha256").update(bytes)
          .digest("hex");
        file.size = bytes.length;
      }
    }
    documents.set(path, JSON.stringify(document));
  }
  return {
    url: `${base}/pypi`,
    server,
    sdists,
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}

/** The pack of `key` in the default source cache that `runCli` sets up. */
function packPath(cwd: string, key: string): string {
  return join(cwd, ".home", ".hit", "src", mirrorPackPath(key));
}

Deno.test("hit skeleton-pypi six writes pkgs/six.yaml and fetches the sdist into the cache", async () => {
  await using dir = await makeTempDir();
  await using index = await startIndex();
  const sdist = index.sdists.get("six-1.16.0.tar.gz")!;
  const key = archiveKeyOf("six-1.16.0.tar.gz", sdist);
  const url = `${index.server.url}/packages/71/39/171f1c67cd00715f190ba0b100d606d440a28c93c` +
    `7714febeca8b79af85e/six-1.16.0.tar.gz`;
  const result = await runCli(["skeleton-pypi", "six", "--index", index.url], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 0,
    stdout: "wrote pkgs/six.yaml\n",
    stderr: `using sdist six-1.16.0.tar.gz (the only sdist)\n` +
      `fetched ${url}: ${formatBytes(sdist.length)}\n`,
  });
  assert.equal(
    await Deno.readTextFile(join(dir.path, "pkgs", "six.yaml")),
    [
      "# six 1.16.0: Python 2 and 3 compatibility utilities",
      `# Written by "hit skeleton-pypi six --index ${index.url}" from ${index.url}/six/json`,
      "extends: [setuptools_package]",
      "",
      "dependencies:",
      "  build: [python, setuptools]",
      "  run: [python]",
      "",
      "sources:",
      `- key: ${key}`,
      `  url: ${url}`,
      "",
    ].join("\n"),
  );
  assert.deepEqual(await Deno.readFile(packPath(dir.path, key)), sdist);
  assert.deepEqual(index.server.requests, [
    "/pypi/six/json",
    new URL(url).pathname,
  ]);
});

const PROFILE = "test.dolfin.yaml";
const PYPI_PROFILE = `extends:
- file: debian.yaml

packages:
  python:
    host: true
  requests:
`;

Deno.test("hit skeleton-pypi NAME==VERSION -p maps requirements to the profile's packages, and hit status loads the spec", async () => {
  await using dir = await corpusWorkspace(PROFILE);
  await Deno.writeTextFile(join(dir.path, "pypi.yaml"), PYPI_PROFILE);
  await using index = await startIndex();
  const args = ["skeleton-pypi", "requests==2.27.1", "-p", "pypi.yaml", "--index", index.url];
  // The corpus has its own pkgs/requests.yaml.
  const refused = await runCli(args, { cwd: dir.path });
  assert.deepEqual(refused, {
    code: 2,
    stdout: "",
    stderr: `error: skeleton-pypi: "pkgs/requests.yaml" already exists\n` +
      `hint: give --overwrite-existing to replace it\n`,
  });
  // -p takes a PROFILE as every command does: here the profile's name without ".yaml".
  const named = await runCli(args.map((arg) => arg === "pypi.yaml" ? "pypi" : arg), {
    cwd: dir.path,
  });
  assert.deepEqual(named, {
    code: 2,
    stdout: "",
    stderr: `note: profile "pypi" is the file "${join(dir.path, "pypi.yaml")}"\n` + refused.stderr,
  });
  assert.deepEqual(index.server.requests, []);

  const result = await runCli([...args, "--overwrite-existing", "-q"], { cwd: dir.path });
  assert.deepEqual(result, { code: 0, stdout: "wrote pkgs/requests.yaml\n", stderr: "" });
  const sdist = index.sdists.get("requests-2.27.1.tar.gz")!;
  const spec = await Deno.readTextFile(join(dir.path, "pkgs", "requests.yaml"));
  assert.equal(
    spec,
    [
      "# requests 2.27.1: Python HTTP for Humans.",
      `# Written by "hit ${args.join(" ")} --overwrite-existing -q" from ` +
      `${index.url}/requests/2.27.1/json`,
      "# Requirements with no package spec found (add specs, then list them below):",
      "#   urllib3 (<1.27,>=1.21.1)",
      "# Requirements for some environments only (list them where they apply):",
      `#   chardet (<5,>=3.0.2) ; python_version < "3"`,
      `#   idna (<3,>=2.5) ; python_version < "3"`,
      `#   charset-normalizer (~=2.0.0) ; python_version >= "3"`,
      `#   idna (<4,>=2.5) ; python_version >= "3"`,
      "# Optional extras, left out: socks, use_chardet_on_py3",
      "extends: [setuptools_package]",
      "",
      "dependencies:",
      "  build: [python, setuptools]",
      "  run: [certifi, python]",
      "",
      "sources:",
      `- key: ${archiveKeyOf("requests-2.27.1.tar.gz", sdist)}`,
      `  url: ${index.server.url}/packages/60/f3/26ff3767f099b73e0efa138a9998da67890793bfa475` +
      `d8278f84a30fec77/requests-2.27.1.tar.gz`,
      "",
    ].join("\n"),
  );

  const status = await runCli(["status", "pypi.yaml"], { cwd: dir.path });
  assert.equal(status.stderr, "");
  assert.equal(status.code, 0);
  const names = status.stdout.trimEnd().split("\n").map((line) => line.split(/\s+/)[0]).sort();
  assert.deepEqual(names, ["certifi", "patchelf", "python", "requests", "setuptools"]);
});

Deno.test("hit skeleton-pypi tries the configured pypi_mirror, then pypi_index", async () => {
  await using dir = await makeTempDir();
  await using index = await startIndex();
  const config = join(dir.path, "config.yaml");
  await Deno.writeTextFile(
    config,
    `build_stores:\n- dir: ./bld\nbuild_temp: ./tmp\nsource_caches:\n- dir: ./src\n` +
      `cache: ./cache\ngc_roots: ./gcroots\n` +
      `pypi_mirror: ${index.server.url}/mirror\npypi_index: ${index.url}\n`,
  );
  const result = await runCli(
    ["--config", config, "skeleton-pypi", "six", "-o", "out", "-v"],
    { cwd: dir.path },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "wrote out/six.yaml\n");
  assert.match(result.stderr, new RegExp(`^metadata from ${index.url}/six/json\n`));
  assert.deepEqual(index.server.requests.slice(0, 2), ["/mirror/six/json", "/pypi/six/json"]);
  const key = archiveKeyOf("six-1.16.0.tar.gz", index.sdists.get("six-1.16.0.tar.gz")!);
  await Deno.stat(join(dir.path, "src", mirrorPackPath(key)));
});

Deno.test("hit skeleton-pypi fails when the sdist does not have the SHA-256 the index lists", async () => {
  await using dir = await makeTempDir();
  await using index = await startIndex({ keepDigests: true });
  const result = await runCli(["skeleton-pypi", "six", "--index", index.url, "-q"], {
    cwd: dir.path,
  });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  const lines = result.stderr.split("\n");
  assert.match(
    lines[0],
    /^error: fetch "http:\/\/127\.0\.0\.1:\d+\/packages\/.*six-1\.16\.0\.tar\.gz": keys did not match: expected "tar\.gz:[a-z2-7]{32}", got "tar\.gz:[a-z2-7]{32}"$/,
  );
  assert.equal(lines[1], "  the sdist does not have the SHA-256 the index lists for it");
  await assert.rejects(() => Deno.stat(join(dir.path, "pkgs")), Deno.errors.NotFound);
});

Deno.test("hit skeleton-pypi of an unknown project exits 1 naming each index tried", async () => {
  await using dir = await makeTempDir();
  await using index = await startIndex();
  const result = await runCli(["skeleton-pypi", "nosuch", "--index", index.url], {
    cwd: dir.path,
  });
  assert.deepEqual(result, {
    code: 1,
    stdout: "",
    stderr: `error: look up "nosuch" on the package index: no index answered\n` +
      `  tried "${index.url}/nosuch/json": HTTP 404 Not Found\n` +
      `hint: check the project name on the index\n`,
  });
});

Deno.test("hit skeleton-pypi rejects bad usage with exit 2", async () => {
  await using dir = await makeTempDir();
  assert.deepEqual(await runCli(["skeleton-pypi"], { cwd: dir.path }), {
    code: 2,
    stdout: "",
    stderr: `error: skeleton-pypi: missing the project name\n` +
      `hint: run "hit help skeleton-pypi" for its usage\n`,
  });
  assert.deepEqual(await runCli(["skeleton-pypi", "six>=1"], { cwd: dir.path }), {
    code: 2,
    stdout: "",
    stderr: `error: skeleton-pypi: bad project "six>=1": expected NAME or NAME==VERSION\n` +
      `hint: for example "six" or "six==1.16.0"\n`,
  });
  const help = await runCli(["skeleton-pypi", "--help"], { cwd: dir.path });
  assert.equal(help.code, 0);
  assert.equal(help.stderr, "");
  assert.match(help.stdout, /^usage: hit skeleton-pypi NAME\[==VERSION\]/m);
  assert.match(help.stdout, /^examples:\n {2}hit skeleton-pypi /m);
  assert.match(help.stdout, /^ {2}-q, --quiet /m);
});
