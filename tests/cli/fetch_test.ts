import assert from "node:assert/strict";
import { join } from "node:path";
import {
  fetchCommand,
  formatBytes,
  normaliseFetchUrl,
  parseFetchArgs,
  renderFetchProgress,
  renderSourcesFragment,
} from "../../src/cli/fetch.ts";
import type { CommandContext } from "../../src/cli/command.ts";
import { bufferWriter } from "../../src/cli/output.ts";
import { HitError } from "../../src/errors.ts";
import {
  LIBYAML,
  LIBYAML_KEY,
  makeTempDir,
  serveSources,
  SOURCES_DIR,
} from "../core/_source_fixtures.ts";

Deno.test("parseFetchArgs() takes URL and an optional KEY, positional or --key", () => {
  assert.deepEqual(parseFetchArgs(["x.tar.gz"]), {
    mode: "url",
    url: "x.tar.gz",
    key: undefined,
    type: undefined,
    quiet: false,
    offline: false,
    mirrors: [],
    json: false,
  });
  assert.deepEqual(parseFetchArgs(["x", LIBYAML_KEY, "--type", "tar.gz", "-q", "--offline"]), {
    mode: "url",
    url: "x",
    key: LIBYAML_KEY,
    type: "tar.gz",
    quiet: true,
    offline: true,
    mirrors: [],
    json: false,
  });
  const keyOf = (args: string[]) => {
    const parsed = parseFetchArgs(args);
    return parsed.mode === "url" ? parsed.key : undefined;
  };
  assert.equal(keyOf(["--key", LIBYAML_KEY, "x"]), LIBYAML_KEY);
  assert.equal(keyOf(["x", LIBYAML_KEY, `--key=${LIBYAML_KEY}`]), LIBYAML_KEY);
});

Deno.test("parseFetchArgs() takes a profile: -p, or a first argument naming a .yaml/.yml file", () => {
  const isFile = (path: string) => path === "stack.yaml" || path === "s.yml";
  assert.deepEqual(parseFetchArgs(["stack.yaml", "a=1", "--dry-run", "-j", "2"], isFile), {
    mode: "profile",
    profile: "stack.yaml",
    overrides: { a: "1" },
    dryRun: true,
    jobs: 2,
    quiet: false,
    offline: false,
    mirrors: [],
    json: false,
  });
  const yml = parseFetchArgs(["s.yml", "--mirror", "/m1", "--mirror=m2", "--offline"], isFile);
  assert.deepEqual([yml.mode, yml.offline, yml.mirrors], ["profile", true, ["/m1", "m2"]]);
  assert.equal(parseFetchArgs(["-p", "other.yaml"], isFile).mode, "profile");
  // A URL ending in .yaml that is no file here is a URL; so is a URL holding "=".
  assert.equal(parseFetchArgs(["http://h/x.yaml"], isFile).mode, "url");
  assert.deepEqual(parseFetchArgs(["http://h/get?f=x.tar.gz"], isFile), {
    mode: "url",
    url: "http://h/get?f=x.tar.gz",
    key: undefined,
    type: undefined,
    quiet: false,
    offline: false,
    mirrors: [],
    json: false,
  });
});

Deno.test("parseFetchArgs() rejects URL options with a profile and profile options with a URL", () => {
  const isFile = (path: string) => path === "stack.yaml";
  for (
    const args of [
      ["stack.yaml", "--key", LIBYAML_KEY],
      ["stack.yaml", "extra"],
      ["-p", "stack.yaml", "stack.yaml"],
      ["stack.yaml", "-j", "0"],
      ["x.tar.gz", "--dry-run"],
      ["x.tar.gz", "-j", "2"],
    ]
  ) {
    assert.throws(
      () => parseFetchArgs(args, isFile),
      (error) => error instanceof HitError && error.exitCode === 2,
      args.join(" "),
    );
  }
});

Deno.test("parseFetchArgs() rejects a missing URL, extra arguments and two different keys", () => {
  for (
    const args of [
      [],
      ["a", "b", "c"],
      ["x", LIBYAML_KEY, "--key", "tar.gz:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
      ["x", "--bogus"],
    ]
  ) {
    assert.throws(
      () => parseFetchArgs(args),
      (error) => error instanceof HitError && error.exitCode === 2,
      args.join(" "),
    );
  }
});

Deno.test("normaliseFetchUrl() makes local paths absolute file: URLs", () => {
  assert.equal(normaliseFetchUrl("a/x.tar.gz", "/w"), "file:/w/a/x.tar.gz");
  assert.equal(normaliseFetchUrl("/abs/x.tar.gz", "/w"), "file:/abs/x.tar.gz");
  assert.equal(normaliseFetchUrl("file:rel/x.zip", "/w"), "file:/w/rel/x.zip");
  assert.equal(normaliseFetchUrl("file:/abs/x.zip", "/w"), "file:/abs/x.zip");
  assert.equal(normaliseFetchUrl("file:///abs/x.zip", "/w"), "file:///abs/x.zip");
  assert.equal(normaliseFetchUrl("http://127.0.0.1/x.zip", "/w"), "http://127.0.0.1/x.zip");
});

Deno.test("renderSourcesFragment() prints the paste-ready sources entry", () => {
  assert.equal(
    renderSourcesFragment(LIBYAML_KEY, "http://127.0.0.1/y.tar.gz"),
    `sources:\n- key: ${LIBYAML_KEY}\n  url: http://127.0.0.1/y.tar.gz\n`,
  );
});

Deno.test("renderFetchProgress() shows bytes, percentage and mean rate", () => {
  assert.equal(
    renderFetchProgress({ url: "u", bytes: 1536, total: 3072, elapsedMs: 1000 }),
    "fetching u  1.5 KiB / 3.0 KiB (50%)  1.5 KiB/s",
  );
  assert.equal(renderFetchProgress({ url: "u", bytes: 10, elapsedMs: 0 }), "fetching u  10 B");
  assert.equal(
    renderFetchProgress({ url: "u", bytes: 0, total: 0, elapsedMs: 5 }),
    "fetching u  0 B / 0 B (100%)  0 B/s",
  );
});

Deno.test("formatBytes() uses binary units with one decimal", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1.0 KiB");
  assert.equal(formatBytes(1256888), "1.2 MiB");
  assert.equal(formatBytes(5 * 1024 ** 3), "5.0 GiB");
});

async function runFetch(args: string[], options: { home: string; terminal: boolean }) {
  const stdout = bufferWriter();
  const stderr = bufferWriter({ isTerminal: options.terminal });
  // Only the fields `fetch` reads; the context type also carries what other commands need.
  const context: Partial<CommandContext> = {
    stdout,
    stderr,
    env: { HOME: options.home, HIT_HOME: options.home },
    cwd: options.home,
    noColor: false,
  };
  const code = await fetchCommand.run(args, context as CommandContext);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

Deno.test("fetchCommand draws live progress on a terminal and clears it", async () => {
  await using dir = await makeTempDir();
  await using server = serveSources();
  const url = `${server.url}/${LIBYAML}`;
  const result = await runFetch([url], { home: dir.path, terminal: true });
  assert.equal(result.code, 0);
  assert.equal(result.stdout, renderSourcesFragment(LIBYAML_KEY, url));
  const clear = "\r\x1b[2K";
  assert.ok(result.stderr.startsWith(`${clear}fetching ${url}  `), result.stderr);
  assert.match(result.stderr, /83\.1 KiB \/ 83\.1 KiB \(100%\)/);
  assert.ok(result.stderr.endsWith(`${clear}fetched ${url}: 83.1 KiB\n`), result.stderr);
});

Deno.test("fetchCommand prints one plain line when stderr is not a terminal", async () => {
  await using dir = await makeTempDir();
  const path = join(SOURCES_DIR, LIBYAML);
  const result = await runFetch([path, LIBYAML_KEY], { home: dir.path, terminal: false });
  assert.deepEqual(result, {
    code: 0,
    stdout: renderSourcesFragment(LIBYAML_KEY, `file:${path}`),
    stderr: `fetched file:${path}: 83.1 KiB\n`,
  });
  const quiet = await runFetch([path, "-q"], { home: dir.path, terminal: true });
  assert.equal(quiet.stderr, "");
});
