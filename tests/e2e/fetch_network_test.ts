/**
 * `hit fetch` and `hit build` against servers that behave like the hosts of the corpus:
 * redirects across ports and loopback addresses, loops, stalls, mirrors that redirect or
 * stall, a proxy that alone knows a host name, an https server signed by a site CA, and
 * Ctrl-C in the middle of a download.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  LIBYAML,
  LIBYAML_KEY,
  listDir,
  serve,
  serveRaw,
  serveSources,
  SOURCES_DIR,
  writeAll,
} from "../core/_source_fixtures.ts";
import { mirrorPackPath } from "./_source_server.ts";
import { HIT, hitEnv, makeTempDir, runCli } from "./_run_cli.ts";
import {
  HOME_HIT,
  packPath,
  serveWithSiteCa,
  tempFiles,
  writeConfig,
  writeProfile,
} from "./_fetch_fixtures.ts";
import { startSmallStackServer } from "./_small_stack.ts";

const LIBYAML_BYTES = await Deno.readFile(join(SOURCES_DIR, LIBYAML));
/** A 3-hop chain: port A → port B → 127.0.0.2 → (relative) the file there. */
function redirectChain() {
  const last = serve((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/step") {
      return new Response(null, { status: 307, headers: { location: `/files/${LIBYAML}` } });
    }
    return path === `/files/${LIBYAML}`
      ? new Response(LIBYAML_BYTES.slice())
      : new Response("not found", { status: 404 });
  }, { hostname: "127.0.0.2" });
  const middle = serve(() => Response.redirect(`${last.url}/step`, 301));
  const first = serve(() => Response.redirect(`${middle.url}/${LIBYAML}`, 302));
  return {
    url: `${first.url}/${LIBYAML}`,
    finalUrl: `${last.url}/files/${LIBYAML}`,
    servers: [first, middle, last],
    async [Symbol.asyncDispose]() {
      for (const server of [first, middle, last]) await server[Symbol.asyncDispose]();
    },
  };
}

Deno.test("hit fetch URL follows a 3-hop chain across ports and addresses", async () => {
  await using dir = await makeTempDir();
  await using chain = redirectChain();
  const result = await runCli(["fetch", chain.url], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 0,
    stdout: `sources:\n- key: ${LIBYAML_KEY}\n  url: ${chain.url}\n`,
    stderr: `fetched ${chain.url} (redirected to ${chain.finalUrl}): 83.1 KiB\n`,
  });
  assert.deepEqual(chain.servers.map((server) => server.requests.length), [1, 1, 2]);
  assert.deepEqual(await tempFiles(dir.path), []);
});

Deno.test("hit fetch PROFILE and hit build fetch a source that redirects to another host", async () => {
  await using dir = await makeTempDir();
  await using chain = redirectChain();
  const profile = await writeProfile(dir.path, chain.url);
  const fetched = await runCli(["fetch", profile], { cwd: dir.path });
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.equal(fetched.stdout, "2 sources, 0 already cached, 83.1 KiB fetched\n");
  await Deno.chmod(packPath(dir.path, LIBYAML_KEY), 0o644);
  await Deno.remove(packPath(dir.path, LIBYAML_KEY));
  const built = await runCli(["build", profile, "--sandbox", "none", "-q"], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);
  assert.equal(built.stdout, "Profile build successful, link at: stack\n");
  assert.deepEqual(await Deno.readFile(packPath(dir.path, LIBYAML_KEY)), LIBYAML_BYTES);
  assert.deepEqual(chain.servers.map((server) => server.requests.length), [2, 2, 4]);
});

Deno.test("hit fetch URL names a redirect loop; nothing is left in the cache", async () => {
  await using dir = await makeTempDir();
  await using server = serve((request) =>
    new Response(null, {
      status: 302,
      headers: { location: new URL(request.url).pathname === "/a.tar.gz" ? "/b" : "/a.tar.gz" },
    })
  );
  const url = `${server.url}/a.tar.gz`;
  const result = await runCli(["fetch", url], { cwd: dir.path });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr.split("\n")[0],
    `error: fetch "${url}": redirect loop: "${server.url}/b" leads back to "${url}" ` +
      `("${url}" -> "${server.url}/b")`,
  );
  assert.doesNotMatch(result.stderr, /internal error/);
  assert.equal(server.requests.length, 2, "a loop is not retried");
  assert.deepEqual(await tempFiles(dir.path), []);
});

Deno.test("hit fetch URL fails a stalled server after HIT_FETCH_STALL_TIMEOUT", async () => {
  await using dir = await makeTempDir();
  await using server = serveRaw(async (conn, _index, _head, closing) => {
    await writeAll(conn, `HTTP/1.1 200 OK\r\ncontent-length: ${LIBYAML_BYTES.length}\r\n\r\n`);
    await writeAll(conn, LIBYAML_BYTES.subarray(0, 2000));
    await closing;
  });
  const url = `${server.url}/${LIBYAML}`;
  const start = performance.now();
  const result = await runCli(["fetch", url], {
    cwd: dir.path,
    env: { HIT_FETCH_STALL_TIMEOUT: "0.5" },
  });
  const seconds = (performance.now() - start) / 1000;
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr.split("\n")[0],
    `error: fetch "${url}": stalled: no data for 0.5 s (after 2000 bytes) (after 3 attempts)`,
  );
  // Three stalls of 0.5 s and the waits of 1 s and 2 s between them, and hit's start.
  assert.ok(seconds >= 4.5 && seconds < 60, `took ${seconds} s`);
  assert.deepEqual(await tempFiles(dir.path), []);
});

Deno.test("hit fetch PROFILE moves on from a mirror that redirects elsewhere or stalls", async () => {
  await using dir = await makeTempDir();
  await using origin = serveSources();
  const mirrored = serve(
    (request) =>
      new URL(request.url).pathname === `/m/${mirrorPackPath(LIBYAML_KEY)}`
        ? new Response(LIBYAML_BYTES.slice())
        : new Response("not found", { status: 404 }),
    { hostname: "127.0.0.2" },
  );
  await using _mirrored = mirrored;
  await using redirecting = serve((request) =>
    Response.redirect(`${mirrored.url}${new URL(request.url).pathname}`, 302)
  );
  await using stalling = serveRaw(async (_conn, _index, _head, closing) => await closing);
  const profile = await writeProfile(dir.path, `${origin.url}/${LIBYAML}`);
  await writeConfig(dir.path, "fetch_connect_timeout: 0.5\n", [`${stalling.url}/m`]);
  const viaStall = await runCli(["fetch", profile, "-q"], { cwd: dir.path });
  assert.equal(viaStall.code, 0, viaStall.stderr);
  assert.equal(origin.requests.length, 1, "the URL after the stalled mirror");
  assert.ok(stalling.connections() >= 1);
  await Deno.chmod(packPath(dir.path, LIBYAML_KEY), 0o644);
  await Deno.remove(packPath(dir.path, LIBYAML_KEY));
  await writeConfig(dir.path, "", [`${redirecting.url}/m`]);
  const viaRedirect = await runCli(["fetch", profile, "-q"], { cwd: dir.path });
  assert.equal(viaRedirect.code, 0, viaRedirect.stderr);
  assert.deepEqual([mirrored.requests.length, origin.requests.length], [1, 1]);
});

Deno.test("hit fetch URL KEY --mirror asks the mirror before the URL", async () => {
  await using dir = await makeTempDir();
  await using gone = serve(() => new Response("gone", { status: 404 }));
  const mirror = join(dir.path, "mirror");
  await Deno.mkdir(join(mirror, "packs", "tar.gz"), { recursive: true });
  await Deno.writeFile(join(mirror, mirrorPackPath(LIBYAML_KEY)), LIBYAML_BYTES);
  const url = `${gone.url}/${LIBYAML}`;
  const result = await runCli(["fetch", url, LIBYAML_KEY, "--mirror", "mirror", "-q"], {
    cwd: dir.path,
  });
  assert.deepEqual(result, {
    code: 0,
    stdout: `sources:\n- key: ${LIBYAML_KEY}\n  url: ${url}\n`,
    stderr: "",
  });
  assert.equal(gone.requests.length, 0);
  assert.deepEqual(await Deno.readFile(packPath(dir.path, LIBYAML_KEY)), LIBYAML_BYTES);
});

Deno.test("hit fetch URL goes through http_proxy, which alone knows the host name", async () => {
  await using dir = await makeTempDir();
  await using origin = serveSources();
  const passed: string[] = [];
  await using proxy = serve(async (request) => {
    passed.push(request.url);
    const url = new URL(request.url);
    if (url.host !== "tarballs.test:81") return new Response("unknown host", { status: 502 });
    return await fetch(`${origin.url}${url.pathname}`);
  });
  const url = `http://tarballs.test:81/${LIBYAML}`;
  const result = await runCli(["fetch", url, "-q"], {
    cwd: dir.path,
    env: { http_proxy: proxy.url, NO_PROXY: "127.0.0.2" },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `sources:\n- key: ${LIBYAML_KEY}\n  url: ${url}\n`);
  assert.deepEqual(passed, [url]);
  const direct = await runCli(["fetch", `${origin.url}/${LIBYAML}`, "-q"], {
    cwd: dir.path,
    env: { http_proxy: proxy.url, no_proxy: "*" },
  });
  assert.equal(direct.code, 0, direct.stderr);
  assert.deepEqual(passed, [url], "no_proxy=* goes direct");
});

for (const command of ["fetch", "build"]) {
  Deno.test(`Ctrl-C stops hit ${command} in the middle of a download and leaves no temp file`, async () => {
    await using dir = await makeTempDir();
    let started = () => {};
    const sent = new Promise<void>((done) => started = done);
    await using server = serveRaw(async (conn, _index, _head, closing) => {
      await writeAll(conn, `HTTP/1.1 200 OK\r\ncontent-length: ${LIBYAML_BYTES.length}\r\n\r\n`);
      await writeAll(conn, LIBYAML_BYTES.subarray(0, 4000));
      started();
      await closing;
    });
    const url = `${server.url}/${LIBYAML}`;
    const args = command === "fetch"
      ? ["fetch", url]
      : ["build", await writeProfile(dir.path, url), "--sandbox", "none"];
    const child = new Deno.Command(HIT, {
      args,
      cwd: dir.path,
      clearEnv: true,
      env: await hitEnv({ cwd: dir.path }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      await sent;
      // The temp file holds the first bytes: the download is under way.
      for (let i = 0; i < 600; i++) {
        const files = await tempFiles(dir.path);
        const sizes = await Promise.all(
          files.map((name) => Deno.stat(join(dir.path, ...HOME_HIT, "src", "tmp", name))),
        );
        if (sizes.some((info) => info.size > 0)) break;
        await new Promise((done) => setTimeout(done, 50));
      }
      child.kill("SIGINT");
      const output = await child.output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 130, stderr);
      assert.match(stderr, /interrupted/);
      assert.doesNotMatch(stderr, /internal error/);
      assert.deepEqual(await tempFiles(dir.path), []);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already ended.
      }
    }
  });
}

Deno.test("hit fetch with a site CA: refused without it, trusted through ca_file", async () => {
  await using dir = await makeTempDir();
  await using https = await serveWithSiteCa(
    join(dir.path, "pki"),
    () => new Response(LIBYAML_BYTES.slice()),
  );
  const secure = `${https.url}/${LIBYAML}`;
  // http → https on the same host, as many corpus hosts now answer.
  await using plain = serve(() => Response.redirect(secure, 301));
  const url = `${plain.url}/${LIBYAML}`;
  const refused = await runCli(["fetch", url], { cwd: dir.path });
  assert.equal(refused.code, 1);
  const port = new URL(https.url).port;
  assert.match(
    refused.stderr,
    new RegExp(
      `^error: fetch "${url}": TLS: the certificate of "127\\.0\\.0\\.1:${port}" was refused`,
    ),
  );
  assert.match(
    refused.stderr,
    /\nhint: if a site CA signs it, name its PEM file in the configuration \("ca_file: PATH"\) or in SSL_CERT_FILE\n$/,
  );
  await writeConfig(dir.path, `ca_file: ${https.caFile}\n`);
  const trusted = await runCli(["fetch", url, "-q"], { cwd: dir.path });
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.equal(trusted.stdout, `sources:\n- key: ${LIBYAML_KEY}\n  url: ${url}\n`);
});

Deno.test("hit fetch REPO --git BRANCH goes through the proxy for ls-remote and the fetch", async () => {
  await using dir = await makeTempDir();
  await using origin = await startSmallStackServer(dir.path);
  const passed: string[] = [];
  await using proxy = serve(async (request) => {
    passed.push(request.url);
    const url = new URL(request.url);
    if (url.host !== "git.test:81") return new Response("unknown host", { status: 502 });
    return await fetch(`${origin.url}${url.pathname}${url.search}`);
  });
  const repo = "http://git.test:81/tiny.git";
  const result = await runCli(["fetch", repo, "--git", "main"], {
    cwd: dir.path,
    env: { HTTP_PROXY: proxy.url },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `sources:\n- key: git:${origin.commit}\n  url: ${repo}\n`);
  assert.ok(passed.includes(`${repo}/info/refs?service=git-upload-pack`), passed.join("\n"));
  assert.ok(passed.every((url) => url.startsWith(`${repo}/`)), passed.join("\n"));
});

Deno.test("hit fetch --git with git missing from PATH says so, with no stack trace", async () => {
  await using dir = await makeTempDir();
  // A PATH with what scripts/hit itself needs, and no git.
  const bin = join(dir.path, "bin");
  await Deno.mkdir(bin);
  for (const tool of ["bash", "dirname", "grep"]) {
    await Deno.symlink(`/usr/bin/${tool}`, join(bin, tool));
  }
  const result = await runCli(["fetch", "http://127.0.0.1:9/repo.git", "--git", "main"], {
    cwd: dir.path,
    env: { PATH: bin },
  });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  const lines = result.stderr.split("\n");
  assert.equal(
    lines[0],
    `error: fetch "http://127.0.0.1:9/repo.git": the git program is not installed`,
  );
  // Deno may put its own folder first.
  assert.ok(lines[1].startsWith('  searched PATH "') && lines[1].endsWith(`${bin}"`), lines[1]);
  assert.deepEqual(lines.slice(2), ["hint: install git, or put it on PATH", ""]);
});

Deno.test("hit fetch URL without a key admits nothing cut short, with or without Content-Length", async () => {
  await using dir = await makeTempDir();
  const half = LIBYAML_BYTES.subarray(0, LIBYAML_BYTES.length >> 1);
  await using unsized = serveRaw(async (conn) => {
    await writeAll(conn, "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n");
    await writeAll(conn, half);
  });
  const url = `${unsized.url}/${LIBYAML}`;
  const cut = await runCli(["fetch", url], { cwd: dir.path });
  assert.equal(cut.code, 1);
  const lines = cut.stderr.split("\n");
  assert.equal(lines[0], `error: fetch "${url}": the download is not a readable tar.gz archive`);
  assert.match(cut.stderr, /\nhint: the server may have cut the download short/);
  await using sized = serveRaw(async (conn) => {
    await writeAll(
      conn,
      `HTTP/1.1 200 OK\r\ncontent-length: ${LIBYAML_BYTES.length}\r\nconnection: close\r\n\r\n`,
    );
    await writeAll(conn, half);
  });
  const sizedUrl = `${sized.url}/${LIBYAML}`;
  const lost = await runCli(["fetch", sizedUrl], {
    cwd: dir.path,
    env: { HIT_FETCH_STALL_TIMEOUT: "5" },
  });
  assert.equal(lost.code, 1);
  assert.match(
    lost.stderr.split("\n")[0],
    new RegExp(
      `^error: fetch "${sizedUrl}": (connection lost after ${half.length} of ${LIBYAML_BYTES.length} bytes|connection lost: .*) \\(after 3 attempts\\)$`,
    ),
  );
  assert.equal(sized.connections(), 3);
  assert.deepEqual(await listDir(join(dir.path, ...HOME_HIT, "src", "packs")), []);
  assert.deepEqual(await tempFiles(dir.path), []);
});

Deno.test("hit fetch PROFILE and hit build retry a 500 and honour a 429's Retry-After", async () => {
  await using dir = await makeTempDir();
  const answers: number[] = [];
  await using server = serve(() => {
    // Per run: first a 500, then a 429 asking for 1 s, then the file.
    const turn = answers.length % 3;
    answers.push(turn === 0 ? 500 : turn === 1 ? 429 : 200);
    if (turn === 0) return new Response("oops", { status: 500 });
    if (turn === 1) return new Response("later", { status: 429, headers: { "retry-after": "1" } });
    return new Response(LIBYAML_BYTES.slice());
  });
  const profile = await writeProfile(dir.path, `${server.url}/${LIBYAML}`);
  const fetched = await runCli(["fetch", profile, "-q"], { cwd: dir.path });
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.deepEqual(answers, [500, 429, 200]);
  await Deno.chmod(packPath(dir.path, LIBYAML_KEY), 0o644);
  await Deno.remove(packPath(dir.path, LIBYAML_KEY));
  const built = await runCli(["build", profile, "--sandbox", "none", "-q"], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);
  assert.deepEqual(answers, [500, 429, 200, 500, 429, 200]);
  assert.deepEqual(await Deno.readFile(packPath(dir.path, LIBYAML_KEY)), LIBYAML_BYTES);
});
