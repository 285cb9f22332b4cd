/**
 * `hit fetch URL` against servers that misbehave as real hosts do: two fetches of one URL at
 * once, a 429 with Retry-After then a 500, and a download cut half-way that resumes with a
 * Range request; and a site CA trusted by `hit fetch PROFILE` and `hit build`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LIBYAML, LIBYAML_KEY, serve, serveRaw, writeAll } from "../core/_source_fixtures.ts";
import { makeTempDir, runCli, runProgram } from "./_run_cli.ts";
import { SOURCES_DIR } from "../core/_source_fixtures.ts";
import { packPath, serveWithSiteCa, writeConfig, writeProfile } from "./_fetch_fixtures.ts";

const LIBYAML_BYTES = await Deno.readFile(join(SOURCES_DIR, LIBYAML));
const SOURCE_CACHE = [".home", ".hit", "src"];

/** Whether a process waits (blocked in flock) for one of the lock files in `dir`. */
async function someoneWaitsOn(dir: string): Promise<boolean> {
  const inodes = new Set<string>();
  try {
    for await (const entry of Deno.readDir(dir)) {
      inodes.add(String((await Deno.stat(join(dir, entry.name))).ino));
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  // Deno asks for all permissions to read /proc; cat needs none.
  const locks = (await runProgram("cat", ["/proc/locks"], {})).stdout;
  // A waiter's line reads "N: -> FLOCK ADVISORY WRITE PID MAJ:MIN:INODE START END".
  return locks.split("\n").some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1] === "->" && inodes.has(fields[6]?.split(":")[2]);
  });
}

Deno.test("two hit fetch URL of one URL at once download it once", async () => {
  await using dir = await makeTempDir();
  const locks = join(dir.path, ...SOURCE_CACHE, "locks");
  let release = () => {};
  const released = new Promise<void>((done) => release = done);
  await using server = serveRaw(async (conn) => {
    await writeAll(conn, `HTTP/1.1 200 OK\r\ncontent-length: ${LIBYAML_BYTES.length}\r\n\r\n`);
    await writeAll(conn, LIBYAML_BYTES.subarray(0, 4000));
    // The rest once the other fetch waits (or, were it not waiting, once it asked too).
    await released;
    await writeAll(conn, LIBYAML_BYTES.subarray(4000));
  });
  const url = `${server.url}/${LIBYAML}`;
  const first = runCli(["fetch", url], { cwd: dir.path });
  const second = runCli(["fetch", url], { cwd: dir.path });
  try {
    for (let i = 0; i < 1200; i++) {
      if (server.connections() > 1 || await someoneWaitsOn(locks)) break;
      await new Promise((done) => setTimeout(done, 50));
    }
  } finally {
    release();
  }
  const results = await Promise.all([first, second]);
  const expected = {
    code: 0,
    stdout: `sources:\n- key: ${LIBYAML_KEY}\n  url: ${url}\n`,
    stderr: `fetched ${url}: 83.1 KiB\n`,
  };
  assert.deepEqual(results, [expected, expected]);
  assert.equal(server.connections(), 1, "the second fetch took the first one's file");
  // A later fetch of the URL downloads it again: its bytes may have changed since.
  const later = await runCli(["fetch", url, "-q"], { cwd: dir.path });
  assert.equal(later.code, 0, later.stderr);
  assert.equal(server.connections(), 2);
});

Deno.test("hit fetch URL waits out a 429's Retry-After and retries a 500", async () => {
  await using dir = await makeTempDir();
  const answered: { status: number; at: number }[] = [];
  await using server = serve(() => {
    const status = [429, 500, 200][answered.length] ?? 404;
    answered.push({ status, at: performance.now() });
    if (status === 429) {
      return new Response("later", { status, headers: { "retry-after": "2" } });
    }
    return status === 200 ? new Response(LIBYAML_BYTES.slice()) : new Response("oops", { status });
  });
  const url = `${server.url}/${LIBYAML}`;
  const result = await runCli(["fetch", url], { cwd: dir.path });
  assert.deepEqual(result, {
    code: 0,
    stdout: `sources:\n- key: ${LIBYAML_KEY}\n  url: ${url}\n`,
    stderr: `fetched ${url}: 83.1 KiB\n`,
  });
  assert.deepEqual(answered.map((answer) => answer.status), [429, 500, 200]);
  // The first retry waits the 2 s asked for, not the usual first wait of 1 s.
  const waited = answered[1].at - answered[0].at;
  assert.ok(waited >= 1900, `retried the 429 after ${waited} ms`);
});

Deno.test("hit fetch URL resumes a download cut half-way with a Range request", async () => {
  await using dir = await makeTempDir();
  const size = LIBYAML_BYTES.length;
  const half = size >> 1;
  await using server = serveRaw(async (conn, index, head) => {
    const range = /^range: bytes=(\d+)-\r$/im.exec(head);
    if (index > 0 && range !== null) {
      const from = Number(range[1]);
      await writeAll(
        conn,
        `HTTP/1.1 206 Partial Content\r\ncontent-range: bytes ${from}-${size - 1}/${size}\r\n` +
          `content-length: ${size - from}\r\netag: "v1"\r\nconnection: close\r\n\r\n`,
      );
      await writeAll(conn, LIBYAML_BYTES.subarray(from));
      return;
    }
    await writeAll(
      conn,
      `HTTP/1.1 200 OK\r\ncontent-length: ${size}\r\naccept-ranges: bytes\r\netag: "v1"\r\n` +
        `connection: close\r\n\r\n`,
    );
    // The first answer stops half-way; a later one without a Range gets everything.
    await writeAll(conn, index === 0 ? LIBYAML_BYTES.subarray(0, half) : LIBYAML_BYTES);
  });
  const url = `${server.url}/${LIBYAML}`;
  const result = await runCli(["fetch", url, "-q"], { cwd: dir.path });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `sources:\n- key: ${LIBYAML_KEY}\n  url: ${url}\n`);
  assert.equal(server.connections(), 2);
  assert.match(server.heads[1], new RegExp(`^range: bytes=${half}-\r$`, "im"));
  assert.deepEqual(await Deno.readFile(packPath(dir.path, LIBYAML_KEY)), LIBYAML_BYTES);
});

Deno.test("hit fetch PROFILE and hit build trust a site CA (ca_file, SSL_CERT_FILE)", async () => {
  await using dir = await makeTempDir();
  await using https = await serveWithSiteCa(
    join(dir.path, "pki"),
    () => new Response(LIBYAML_BYTES.slice()),
  );
  const url = `${https.url}/${LIBYAML}`;
  const profile = await writeProfile(dir.path, url);
  await writeConfig(dir.path, `ca_file: ${https.caFile}\n`);
  const fetched = await runCli(["fetch", profile], { cwd: dir.path });
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.equal(fetched.stdout, "2 sources, 0 already cached, 83.1 KiB fetched\n");
  const words = `fetched "yamldoc": ${LIBYAML_KEY} from "${url}" (83.1 KiB in `;
  const line = `${words.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\d+\\.\\d s\\)`;
  assert.match(fetched.stderr, new RegExp(`^${line}$`, "m"));
  await Deno.chmod(packPath(dir.path, LIBYAML_KEY), 0o644);
  await Deno.remove(packPath(dir.path, LIBYAML_KEY));
  await writeConfig(dir.path, "");
  const built = await runCli(["build", profile, "--sandbox", "none"], {
    cwd: dir.path,
    env: { SSL_CERT_FILE: https.caFile },
  });
  assert.equal(built.code, 0, built.stderr);
  // Not a terminal: hit build's plain lines say the download's size and time as hit fetch's do.
  assert.match(built.stderr, new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${line}$`, "m"));
  assert.deepEqual(await Deno.readFile(packPath(dir.path, LIBYAML_KEY)), LIBYAML_BYTES);
});
