import assert from "node:assert/strict";
import {
  applyEvent,
  chooseProgressMode,
  formatClock,
  formatElapsed,
  guessStage,
  initialProgress,
  type ProgressState,
  ProgressWriter,
  renderPlainLine,
  renderProgress,
} from "../../src/cli/build_progress.ts";
import { bufferWriter } from "../../src/cli/output.ts";
import { HitError } from "../../src/errors.ts";
import type { BuildEvent } from "../../src/stages/build_profile.ts";

/** Three builds running 73–74 s into a run of four, one done, one cached; now is 75 s. */
function runningState(): ProgressState {
  const events: [BuildEvent, number][] = [
    [{
      type: "plan",
      toBuild: ["zlib", "png", "a-very-long-package-name-indeed", "xz"],
      cached: [
        "patchelf",
      ],
    }, 0],
    [{ type: "start", name: "zlib", id: "zlib/x", cpus: 2 }, 1000],
    [{ type: "start", name: "a-very-long-package-name-indeed", id: "a/x", cpus: 1 }, 2000],
    [{ type: "start", name: "xz", id: "xz/x", cpus: 1 }, 2000],
    [{ type: "output", name: "zlib", line: "checking for gcc... gcc" }, 3000],
    [
      { type: "output", name: "xz", line: "libtool: compile:  gcc -DHAVE_CONFIG_H -I. -c a.c" },
      3000,
    ],
    [{ type: "output", name: "xz", line: "" }, 3000],
    [{ type: "done", name: "png", id: "png/x", seconds: 3, status: "built" }, 3000],
  ];
  return events.reduce((state, [event, at]) => applyEvent(state, event, at), initialProgress(0));
}

Deno.test("applyEvent() counts packages and tracks each running build's stage and last line", () => {
  const state = runningState();
  assert.deepEqual(
    { ...state, running: state.running.map((build) => build.name) },
    {
      startedAt: 0,
      total: 4,
      cached: 1,
      built: 1,
      failed: 0,
      skipped: 0,
      fetching: undefined,
      fetchBytes: undefined,
      running: ["zlib", "a-very-long-package-name-indeed", "xz"],
    },
  );
  assert.deepEqual(state.running[2], {
    name: "xz",
    cpus: 1,
    startedAt: 2000,
    stage: "compile",
    lastLine: "libtool: compile:  gcc -DHAVE_CONFIG_H -I. -c a.c",
  });
  const error = new HitError("x");
  const after = [
    { type: "failed", name: "zlib", id: "zlib/x", seconds: 1, error },
    { type: "skipped", name: "other", reason: { kind: "stopped" } },
    { type: "stopped", name: "xz", id: "xz/x", seconds: 1 },
  ].reduce((s, event) => applyEvent(s, event as BuildEvent, 5000), state);
  assert.equal(after.failed, 1);
  assert.equal(after.skipped, 2);
  assert.deepEqual(after.running.map((build) => build.name), ["a-very-long-package-name-indeed"]);
});

Deno.test("applyEvent() strips escapes, controls and tabs from output lines", () => {
  const state = applyEvent(
    applyEvent(initialProgress(0), { type: "start", name: "a", id: "a/x", cpus: 1 }, 0),
    { type: "output", name: "a", line: "\x1b[1;32mok\x1b[0m\there\r" },
    0,
  );
  assert.equal(state.running[0].lastLine, "ok here");
});

Deno.test("guessStage() follows configure, compile and install output, else keeps the stage", () => {
  assert.equal(guessStage("checking for gcc... gcc", "starting"), "configure");
  assert.equal(guessStage("-- Detecting C compiler ABI info", "starting"), "configure");
  assert.equal(guessStage("gcc -O2 -c adler32.c", "configure"), "compile");
  assert.equal(guessStage("  CC       liblzma_la-common.lo", "configure"), "compile");
  assert.equal(guessStage("[ 42%] Building C object src/x.c.o", "configure"), "compile");
  assert.equal(guessStage("libtool: install: cp foo /x/lib", "compile"), "install");
  assert.equal(guessStage("/usr/bin/install -c -m 644 zlib.h /x/include", "compile"), "install");
  assert.equal(guessStage("ranlib libfoo.a", "install"), "install");
  assert.equal(guessStage("make[2]: Entering directory '/b'", "compile"), "compile");
  assert.equal(guessStage("Hello from a bash stage", "starting"), "running");
});

Deno.test("renderProgress() at 120 columns shows name, CPUs, stage, elapsed and last line", () => {
  assert.equal(
    renderProgress(runningState(), { width: 120, now: 75_000 }),
    [
      "1/4 done, 0 failed, 1 cached  1:15",
      "  zlib                      -j2   configure   1:14  checking for gcc... gcc",
      "  a-very-long-package-nam…  -j1   starting    1:13",
      "  xz                        -j1   compile     1:13  libtool: compile:  gcc -DHAVE_CONFIG_H -I. -c a.c",
    ].join("\n"),
  );
});

Deno.test("renderProgress() shows the bytes of the download under way, of its size when known", () => {
  const fetching = [
    { type: "plan", toBuild: ["zlib"], cached: [] },
    { type: "fetch", name: "zlib", key: "tar.gz:x" },
    { type: "fetch", name: "zlib", key: "tar.gz:x", bytes: 1536 * 1024, total: 3 * 1024 * 1024 },
  ].reduce((state, event) => applyEvent(state, event as BuildEvent, 0), initialProgress(0));
  assert.equal(
    renderProgress(fetching, { width: 120, now: 2000 }),
    "0/1 done, 0 failed, 0 cached  0:02  fetching the sources of zlib  1.5 MiB / 3.0 MiB",
  );
  const unsized = applyEvent(
    fetching,
    { type: "fetch", name: "zlib", key: "tar.gz:y", bytes: 10 },
    0,
  );
  assert.ok(renderProgress(unsized, { width: 120, now: 2000 }).endsWith("zlib  10 B"));
});

Deno.test("renderProgress() at 80 columns cuts the last line before the last column", () => {
  const text = renderProgress(runningState(), { width: 80, now: 75_000 });
  assert.equal(
    text.split("\n")[3],
    "  xz                        -j1   compile     1:13  libtool: compile:  gcc -DH…",
  );
  assert.ok(text.split("\n").every((line) => [...line].length <= 79));
});

Deno.test("renderProgress() at 40 columns drops the last line and narrows the names", () => {
  assert.equal(
    renderProgress(runningState(), { width: 40, now: 75_000 }),
    [
      "1/4 done, 0 failed, 1 cached  1:15",
      "  zlib           -j2   configure   1:14",
      "  a-very-long-…  -j1   starting    1:13",
      "  xz             -j1   compile     1:13",
    ].join("\n"),
  );
});

Deno.test("renderProgress() at 20 columns keeps only names and elapsed times", () => {
  assert.equal(
    renderProgress(runningState(), { width: 20, now: 75_000 }),
    ["1/4 done, 0 failed…", "  zlib     1:14", "  a-ver…   1:13", "  xz       1:13"].join("\n"),
  );
});

Deno.test("renderProgress() fits the terminal's height, shows fetching, and colours", () => {
  assert.equal(
    renderProgress(runningState(), { width: 60, height: 4, now: 75_000, color: true }),
    [
      "\x1b[1m1/4 done\x1b[0m, 0 failed, 1 cached  1:15",
      "  zlib  -j2   configure   1:14\x1b[2m  checking for gcc... gcc\x1b[0m",
      "  … and 2 more",
    ].join("\n"),
  );
  const fetching = applyEvent(initialProgress(0), { type: "fetch", name: "zlib", key: "k" }, 0);
  assert.equal(
    renderProgress(fetching, { width: 80, now: 3_000 }),
    "0/0 done, 0 failed, 0 cached  0:03  fetching the sources of zlib",
  );
  const failed = { ...fetching, failed: 2 };
  assert.ok(
    renderProgress(failed, { width: 80, now: 0, color: true }).includes("\x1b[31m2 failed\x1b[0m"),
  );
});

Deno.test("renderPlainLine() prints one timestamped line per event worth a line", () => {
  const time = new Date(2024, 0, 2, 9, 5, 7);
  const line = (event: BuildEvent, verbose = false) => renderPlainLine(event, { time, verbose });
  assert.equal(
    line({ type: "plan", toBuild: ["a", "b"], cached: ["c"] }),
    "09:05:07 2 to build, 1 already built\n",
  );
  assert.equal(line({ type: "plan", toBuild: [], cached: ["c"] }), undefined);
  assert.equal(
    line({ type: "start", name: "a", id: "a/x", cpus: 2 }),
    "09:05:07 [a] building a/x\n",
  );
  assert.equal(line({ type: "output", name: "a", line: "hi" }), undefined);
  assert.equal(line({ type: "output", name: "a", line: "hi" }, true), "09:05:07 [a] hi\n");
  assert.equal(
    line({ type: "done", name: "a", id: "a/x", seconds: 12.34, status: "built" }),
    "09:05:07 [a] built in 12.3 s\n",
  );
  assert.equal(
    line({ type: "done", name: "a", id: "a/x", seconds: 0.04, status: "cached" }),
    "09:05:07 [a] already built in 0.0 s\n",
  );
  assert.equal(
    line({ type: "failed", name: "a", id: "a/x", seconds: 3.06, error: new HitError("x") }),
    "09:05:07 [a] FAILED after 3.1 s\n",
  );
  assert.equal(
    line({ type: "stopped", name: "a", id: "a/x", seconds: 1 }),
    "09:05:07 [a] stopped after 1.0 s\n",
  );
  assert.equal(
    line({ type: "skipped", name: "b", reason: { kind: "dependency", failed: "a" } }),
    '09:05:07 [b] not built: it needs "a", which failed\n',
  );
  assert.equal(
    line({ type: "skipped", name: "b", reason: { kind: "stopped" } }),
    "09:05:07 [b] not built: the build stopped\n",
  );
  assert.equal(line({ type: "fetch", name: "a", key: "k" }), undefined);
  assert.equal(
    line({
      type: "fetched",
      name: "a",
      key: "tar.gz:k",
      url: "http://h/a.tar.gz",
      bytes: 1536,
      seconds: 0.25,
    }),
    '09:05:07 fetched "a": tar.gz:k from "http://h/a.tar.gz" (1.5 KiB in 0.3 s)\n',
  );
  assert.equal(line({ type: "linked", link: "l", dir: "d", upToDate: false }), undefined);
});

Deno.test("chooseProgressMode() is live only on a terminal that is not dumb, without --quiet", () => {
  assert.equal(chooseProgressMode({ isTerminal: true, term: "xterm", quiet: false }), "live");
  assert.equal(chooseProgressMode({ isTerminal: false, term: "xterm", quiet: false }), "plain");
  assert.equal(chooseProgressMode({ isTerminal: true, term: "dumb", quiet: false }), "plain");
  assert.equal(chooseProgressMode({ isTerminal: true, quiet: true }), "quiet");
});

Deno.test("formatElapsed() and formatClock() pad minutes, seconds and hours", () => {
  assert.equal(formatElapsed(0), "0:00");
  assert.equal(formatElapsed(75.9), "1:15");
  assert.equal(formatElapsed(3600 + 62), "1:01:02");
  assert.equal(formatClock(new Date(2024, 0, 2, 23, 0, 9)), "23:00:09");
});

/** Options of a writer with a fixed clock and a 60×10 terminal. */
function writerOptions(mode: "live" | "plain" | "quiet", verbose = false) {
  return {
    mode,
    verbose,
    now: () => 1000,
    clock: () => new Date(2024, 0, 2, 9, 5, 7),
    size: () => ({ columns: 60, rows: 10 }),
    interval: 60_000,
  };
}

Deno.test("ProgressWriter in plain mode writes each line as it comes, nothing when quiet", async () => {
  const out = bufferWriter();
  {
    await using writer = new ProgressWriter(out, writerOptions("plain"));
    writer.event({ type: "start", name: "a", id: "a/x", cpus: 1 });
    writer.event({ type: "output", name: "a", line: "quiet" });
    writer.event({ type: "done", name: "a", id: "a/x", seconds: 1, status: "built" });
  }
  assert.equal(out.text(), "09:05:07 [a] building a/x\n09:05:07 [a] built in 1.0 s\n");
  const quiet = bufferWriter();
  {
    await using writer = new ProgressWriter(quiet, writerOptions("quiet"));
    writer.event({ type: "start", name: "a", id: "a/x", cpus: 1 });
  }
  assert.equal(quiet.text(), "");
});

Deno.test("ProgressWriter in live mode redraws the block and leaves ended builds above it", async () => {
  const out = bufferWriter({ isTerminal: true });
  {
    await using writer = new ProgressWriter(out, writerOptions("live", true));
    writer.event({ type: "plan", toBuild: ["a"], cached: [] });
    writer.event({ type: "start", name: "a", id: "a/x", cpus: 1 });
    writer.event({ type: "output", name: "a", line: "hello" });
    writer.event({ type: "done", name: "a", id: "a/x", seconds: 1, status: "built" });
  }
  assert.equal(
    out.text(),
    "\r\x1b[J\x1b[1m0/1 done\x1b[0m, 0 failed, 0 cached  0:00\n" +
      "\r\x1b[1A\x1b[J\x1b[1m0/1 done\x1b[0m, 0 failed, 0 cached  0:00\n  a  -j1   starting    0:00\n" +
      "\r\x1b[2A\x1b[J09:05:07 [a] hello\n09:05:07 [a] built in 1.0 s\n" +
      "\x1b[1m1/1 done\x1b[0m, 0 failed, 0 cached  0:00\n" +
      "\r\x1b[1A\x1b[J",
  );
});

Deno.test("the progress view shows Slurm jobs: queued, then building on their node", () => {
  const time = new Date(2024, 0, 2, 9, 5, 7);
  const line = (event: BuildEvent) => renderPlainLine(event, { time, verbose: false });
  assert.equal(
    line({ type: "queued", name: "b", id: "b/x", job: "12", waiting: "dependencies" }),
    "09:05:07 [b] queued as Slurm job 12, waiting for its dependencies\n",
  );
  assert.equal(
    line({ type: "queued", name: "b", id: "b/x", job: "12", waiting: "resources" }),
    "09:05:07 [b] queued as Slurm job 12, waiting for resources\n",
  );
  assert.equal(
    line({ type: "start", name: "b", id: "b/x", node: "node7" }),
    "09:05:07 [b] building b/x on node7\n",
  );
  let state = applyEvent(initialProgress(0), { type: "plan", toBuild: ["b"], cached: [] }, 0);
  state = applyEvent(state, {
    type: "queued",
    name: "b",
    id: "b/x",
    job: "12",
    waiting: "resources",
  }, 1);
  assert.deepEqual(state.running, []);
  state = applyEvent(state, { type: "start", name: "b", id: "b/x", node: "node7" }, 2);
  assert.equal(state.running[0].stage, "on node7");
  assert.match(renderProgress(state, { width: 80, now: 3000 }), /^ {2}b\s+on node7\s+0:02$/m);
});

Deno.test("ProgressWriter with NO_COLOR keeps the live block and drops only the colour", async () => {
  const out = bufferWriter({ isTerminal: true });
  {
    await using writer = new ProgressWriter(out, { ...writerOptions("live"), color: false });
    writer.event({ type: "plan", toBuild: ["a"], cached: [] });
  }
  assert.equal(out.text(), "\r\x1b[J0/1 done, 0 failed, 0 cached  0:00\n\r\x1b[1A\x1b[J");
});
