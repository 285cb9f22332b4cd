import assert from "node:assert/strict";
import {
  createSchedule,
  recordFinish,
  runSchedule,
  type ScheduleNode,
  type SkipReason,
  stopSchedule,
  takeStarts,
} from "../../src/stages/scheduler.ts";

/** root → a, b, c; a + b → ab; c → cc; lone has no dependencies. */
const DIAMOND: ScheduleNode[] = [
  { name: "a", deps: ["root"] },
  { name: "ab", deps: ["a", "b"] },
  { name: "b", deps: ["root"] },
  { name: "c", deps: ["root"] },
  { name: "cc", deps: ["c"] },
  { name: "lone", deps: [] },
  { name: "root", deps: [] },
];

Deno.test("createSchedule() puts the longest chain first, then the most dependants, then the order", () => {
  const schedule = createSchedule(DIAMOND, { cpus: 4 });
  assert.deepEqual(schedule.waiting, ["root", "a", "b", "c", "ab", "cc", "lone"]);
  assert.deepEqual(schedule.dependants.get("root"), ["a", "b", "c"]);
});

Deno.test("createSchedule() ignores dependencies outside the run and rejects a cycle or no CPUs", () => {
  const schedule = createSchedule([{ name: "x", deps: ["built-before", "x2"] }, {
    name: "x2",
    deps: [],
  }], { cpus: 1 });
  assert.deepEqual(schedule.deps.get("x"), ["x2"]);
  assert.throws(
    () => createSchedule([{ name: "p", deps: ["q"] }, { name: "q", deps: ["p"] }], { cpus: 2 }),
    /cycle/,
  );
  assert.throws(() => createSchedule(DIAMOND, { cpus: 0 }), /positive whole number/);
});

Deno.test("takeStarts() splits the free CPUs evenly among ready packages, extras to the first", () => {
  const schedule = createSchedule(DIAMOND, { cpus: 5 });
  assert.deepEqual(takeStarts(schedule), [{ name: "root", cpus: 3 }, { name: "lone", cpus: 2 }]);
  assert.deepEqual(takeStarts(schedule), [], "no CPU is free");
  recordFinish(schedule, "root", "built");
  assert.deepEqual(takeStarts(schedule), [
    { name: "a", cpus: 1 },
    { name: "b", cpus: 1 },
    { name: "c", cpus: 1 },
  ]);
  recordFinish(schedule, "lone", "built");
  recordFinish(schedule, "c", "built");
  // Two running with one CPU each: the three free CPUs all go to the one ready package.
  assert.deepEqual(takeStarts(schedule), [{ name: "cc", cpus: 3 }]);
});

Deno.test("takeStarts() never holds more CPUs than the budget and gives each start one at least", () => {
  const nodes = Array.from({ length: 9 }, (_, i) => ({ name: `p${i}`, deps: [] }));
  const schedule = createSchedule(nodes, { cpus: 4 });
  const first = takeStarts(schedule);
  assert.equal(first.length, 4);
  assert.ok(first.every((start) => start.cpus === 1));
  recordFinish(schedule, "p0", "built");
  assert.deepEqual(takeStarts(schedule), [{ name: "p4", cpus: 1 }]);
  assert.equal([...schedule.running.values()].reduce((sum, cpus) => sum + cpus, 0), 4);
});

Deno.test("takeStarts() with the machine's every CPU has twice the slots, the budget at most each", () => {
  // A chain and a lone package on 2 CPUs: the lone one does not wait for the chain's first.
  const nodes = [
    { name: "ncurses", deps: [] },
    { name: "readline", deps: ["ncurses"] },
    { name: "zlib", deps: [] },
    { name: "png", deps: ["zlib"] },
    { name: "bzip2", deps: [] },
  ];
  const schedule = createSchedule(nodes, { cpus: 2, machineCpus: 2 });
  assert.equal(schedule.slots, 4);
  // Three ready packages share four slots; a fixed split of 2 CPUs would have started two.
  assert.deepEqual(takeStarts(schedule), [
    { name: "ncurses", cpus: 2 },
    { name: "zlib", cpus: 1 },
    { name: "bzip2", cpus: 1 },
  ]);
  assert.deepEqual(takeStarts(schedule), [], "every slot is held");
  recordFinish(schedule, "zlib", "built");
  assert.deepEqual(takeStarts(schedule), [{ name: "png", cpus: 1 }]);
  recordFinish(schedule, "ncurses", "built");
  recordFinish(schedule, "bzip2", "built");
  // Alone with three free slots: no more than the budget.
  assert.deepEqual(takeStarts(schedule), [{ name: "readline", cpus: 2 }]);
  assert.equal([...schedule.running.values()].reduce((sum, cpus) => sum + cpus, 0), 3);
});

Deno.test("takeStarts() with a budget other than the machine's CPUs never holds more than the budget", () => {
  const nodes = Array.from({ length: 6 }, (_, i) => ({ name: `p${i}`, deps: [] }));
  const schedule = createSchedule(nodes, { cpus: 4, machineCpus: 8 });
  assert.equal(schedule.slots, 4);
  assert.deepEqual(takeStarts(schedule).map((start) => start.cpus), [1, 1, 1, 1]);
  const lone = createSchedule([{ name: "p", deps: [] }], { cpus: 4, machineCpus: 8 });
  assert.deepEqual(takeStarts(lone), [{ name: "p", cpus: 4 }]);
  // More than the machine has (-j 4 on 2 CPUs): still the budget, as asked.
  assert.equal(createSchedule(nodes, { cpus: 4, machineCpus: 2 }).slots, 4);
});

Deno.test("takeStarts() in serial mode starts one package at a time with every CPU", () => {
  const schedule = createSchedule(DIAMOND, { cpus: 8, serial: true });
  assert.deepEqual(takeStarts(schedule), [{ name: "root", cpus: 8 }]);
  recordFinish(schedule, "root", "built");
  assert.deepEqual(takeStarts(schedule), [{ name: "a", cpus: 8 }]);
  assert.deepEqual(takeStarts(schedule), []);
});

Deno.test("recordFinish() of a failure stops the run: nothing starts, every waiting package is skipped", () => {
  const schedule = createSchedule(DIAMOND, { cpus: 2 });
  takeStarts(schedule);
  const skipped = recordFinish(schedule, "root", "failed");
  assert.deepEqual(skipped.map((skip) => skip.name), ["a", "b", "c", "ab", "cc"]);
  assert.ok(skipped.every((skip) => skip.reason.kind === "stopped"));
  assert.deepEqual(takeStarts(schedule), []);
  assert.deepEqual([...schedule.running.keys()], ["lone"], "lone goes on running");
});

Deno.test("recordFinish() with keepGoing skips only what depends on the failure", () => {
  const schedule = createSchedule(DIAMOND, { cpus: 8, keepGoing: true });
  takeStarts(schedule);
  recordFinish(schedule, "root", "built");
  takeStarts(schedule);
  const skipped = recordFinish(schedule, "a", "failed");
  assert.deepEqual(skipped, [{ name: "ab", reason: { kind: "dependency", failed: "a" } }]);
  recordFinish(schedule, "c", "built");
  // lone (4 CPUs) and b (1) still run.
  assert.deepEqual(takeStarts(schedule), [{ name: "cc", cpus: 3 }]);
});

Deno.test("stopSchedule() skips every waiting package and starts nothing more", () => {
  const schedule = createSchedule(DIAMOND, { cpus: 2 });
  takeStarts(schedule);
  assert.equal(stopSchedule(schedule).length, 5);
  recordFinish(schedule, "root", "built");
  assert.deepEqual(takeStarts(schedule), []);
});

/** A deterministic pseudo-random DAG of `count` packages (each may depend on earlier ones). */
function randomDag(count: number, seed: number): ScheduleNode[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return Array.from({ length: count }, (_, i) => ({
    name: `n${i}`,
    deps: Array.from({ length: i }, (_, j) => `n${j}`).filter(() => next() < 0.15),
  }));
}

Deno.test("runSchedule() respects dependencies and the budget, and builds everything", async () => {
  for (const seed of [1, 2, 3]) {
    const nodes = randomDag(30, seed);
    const schedule = createSchedule(nodes, { cpus: 3 });
    const finished = new Set<string>();
    const held = new Map<string, number>();
    let peak = 0;
    await runSchedule(schedule, async (name, cpus) => {
      for (const dep of nodes.find((node) => node.name === name)!.deps) {
        assert.ok(finished.has(dep), `${name} started before ${dep} finished`);
      }
      held.set(name, cpus);
      const total = [...held.values()].reduce((sum, n) => sum + n, 0);
      assert.ok(total <= 3, `${total} CPUs held`);
      peak = Math.max(peak, held.size);
      await new Promise((resolve) => setTimeout(resolve, (name.length * 7 + cpus) % 5));
      held.delete(name);
      finished.add(name);
      return "built";
    });
    assert.equal(finished.size, nodes.length);
    assert.ok(peak > 1, "independent packages overlap");
  }
});

Deno.test("runSchedule() after an abort starts nothing more and waits for running builds", async () => {
  const controller = new AbortController();
  const schedule = createSchedule(DIAMOND, { cpus: 2 });
  const started: string[] = [];
  const skipped: [string, SkipReason][] = [];
  let ended = 0;
  await runSchedule(schedule, async (name) => {
    started.push(name);
    if (name === "root") controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 20));
    ended++;
    return "failed";
  }, { signal: controller.signal, onSkip: (name, reason) => skipped.push([name, reason]) });
  assert.deepEqual(started, ["root", "lone"]);
  assert.equal(ended, 2);
  assert.deepEqual(skipped.map(([name]) => name), ["a", "b", "c", "ab", "cc"]);
});

Deno.test("runSchedule() throws an error of the build function once the others have ended", async () => {
  const schedule = createSchedule(DIAMOND, { cpus: 2 });
  let loneEnded = false;
  await assert.rejects(
    runSchedule(schedule, async (name) => {
      if (name === "root") throw new Error("boom");
      await new Promise((resolve) => setTimeout(resolve, 20));
      loneEnded = true;
      return "built";
    }),
    /boom/,
  );
  assert.ok(loneEnded);
  assert.deepEqual(schedule.waiting, []);
});
