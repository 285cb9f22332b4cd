import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { readLogTail } from "../../src/stages/log_pipes.ts";
import { writeGzippedLog } from "../../src/core/build_log.ts";

async function withLog(
  text: string,
  check: (log: Deno.FsFile, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hit-log-" });
  try {
    await Deno.writeTextFile(join(dir, "build.log"), text);
    using log = await Deno.open(join(dir, "build.log"), { read: true, append: true });
    await check(log, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readLogTail() gives the last lines of a log larger than the part it reads", async () => {
  const lines = Array.from({ length: 100_000 }, (_, i) => `line ${i} ${"x".repeat(i % 50)}`);
  await withLog(lines.join("\n") + "\n", async (log) => {
    assert.deepEqual(await readLogTail(log, 3), lines.slice(-3));
    assert.deepEqual(await readLogTail(log, 20), lines.slice(-20));
  });
  await withLog("only\nthree\nlines", async (log) => {
    assert.deepEqual(await readLogTail(log, 20), ["only", "three", "lines"]);
  });
  await withLog("", async (log) => {
    assert.deepEqual(await readLogTail(log, 20), []);
  });
});

Deno.test("readLogTail() drops the cut first line of a log with one huge line", async () => {
  await withLog("y".repeat(1 << 20) + "\nend\n", async (log) => {
    assert.deepEqual(await readLogTail(log, 20), ["end"]);
  });
});

Deno.test("writeGzippedLog() writes the whole log gzipped into a new read-only file", async () => {
  const text = Array.from({ length: 200_000 }, (_, i) => `output ${i}`).join("\n");
  await withLog(text, async (log, dir) => {
    await readLogTail(log, 1);
    const path = join(dir, "build.log.gz");
    await writeGzippedLog(log, path);
    assert.equal(new TextDecoder().decode(gunzipSync(await Deno.readFile(path))), text);
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o444);
    await assert.rejects(writeGzippedLog(log, path), Deno.errors.AlreadyExists);
  });
});
