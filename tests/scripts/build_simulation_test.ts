import assert from "node:assert/strict";
import { lowerBound, type SimPackage, simulate } from "../../scripts/_build_simulation.ts";

const serialPhase = (seconds: number) => ({ seconds, busy: 1 });
const makePhase = (seconds: number) => ({ seconds, busy: 2 });

Deno.test("simulate() runs independent serial packages side by side, one at a time in turn", () => {
  const packages: SimPackage[] = [
    { name: "a", deps: [], profile: [serialPhase(10)] },
    { name: "b", deps: [], profile: [serialPhase(10)] },
  ];
  assert.ok(Math.abs(simulate(packages, 2, "scheduled") - 10) < 0.2);
  assert.ok(Math.abs(simulate(packages, 2, "serial") - 20) < 0.2);
  assert.equal(lowerBound(packages, 2), 10);
});

Deno.test("simulate() lets a make phase use the core a configuring package leaves idle", () => {
  // b: 10 s of make on 2 cores (20 CPU s); a: 10 s of configure. Together 30 CPU s on 2 cores.
  const packages: SimPackage[] = [
    { name: "a", deps: [], profile: [serialPhase(10)] },
    { name: "b", deps: [], profile: [makePhase(10)] },
  ];
  assert.equal(lowerBound(packages, 2), 15);
  const scheduled = simulate(packages, 2, "scheduled");
  assert.ok(Math.abs(scheduled - 15) < 0.3, `scheduled ${scheduled}`);
  assert.ok(Math.abs(simulate(packages, 2, "serial") - 20) < 0.3);
  // On 8 cores both start with 8 jobs: 9 runnable on 8 cores share them, so the configure gets
  // 8/9 of a core until the make (20 CPU s at 8 × 8/9) ends at 2.8 s, then a whole one: 10.3 s.
  const wide = simulate(packages, 8, "scheduled");
  assert.ok(Math.abs(wide - 10.3) < 0.2, `8 cores: ${wide}`);
});

Deno.test("simulate() and lowerBound() follow dependencies", () => {
  const packages: SimPackage[] = [
    { name: "ncurses", deps: [], profile: [serialPhase(5), makePhase(5)] },
    { name: "readline", deps: ["ncurses"], profile: [serialPhase(4)] },
  ];
  // Alone on 2 cores: ncurses 5 + 10/2 = 10 s, then readline 4 s.
  assert.equal(lowerBound(packages, 2), 14);
  assert.ok(Math.abs(simulate(packages, 2, "scheduled") - 14) < 0.3);
});
