/**
 * `hit fetch URL` against servers that misbehave as real hosts do: two fetches of one URL at
 * once, a 500 then a 200, a 429 with Retry-After, and a download cut half-way that resumes
 * with a Range request.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LIBYAML, LIBYAML_KEY, serve, serveRaw, writeAll } from "../core/_source_fixtures.ts";
import { makeTempDir, runCli, runProgram } from "./_run_cli.ts";
import { SOURCES_DIR } from "../core/_source_fixtures.ts";

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
