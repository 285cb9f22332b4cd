import assert from "node:assert/strict";
import { join } from "node:path";
import { FileLock, withLock } from "../../src/core/locks.ts";

Deno.test("withLock() serialises work on one lock file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "locks", "a.lock");
    const events: string[] = [];
    const work = (name: string) =>
      withLock(path, async () => {
        events.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        events.push(`${name} out`);
      });
    await Promise.all([work("a"), work("b")]);
    assert.deepEqual(events.slice(0, 2), [events[0], events[0].replace("in", "out")]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileLock is released when the holding process is killed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "b.lock");
    const holder = new Deno.Command("flock", { args: [path, "sleep", "30"] }).spawn();
    await new Promise((resolve) => setTimeout(resolve, 200));
    holder.kill("SIGKILL");
    await holder.status;
    const lock = await FileLock.acquire(path);
    lock.release();
    lock.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileLock shared locks coexist, and an exclusive one waits for them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "c.lock");
    const first = await FileLock.acquire(path, { shared: true });
    const second = await FileLock.acquire(path, { shared: true });
    let exclusive = false;
    const waiting = FileLock.acquire(path).then((lock) => {
      exclusive = true;
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(exclusive, false);
    first.release();
    second.release();
    (await waiting).release();
    assert.equal(exclusive, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
