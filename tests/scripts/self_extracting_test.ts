import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { renderLauncher, shellQuote, writeSelfExtracting } from "../../scripts/_self_extracting.ts";
import { makeTempDir, runProgram, type TempDir } from "../e2e/_run_cli.ts";

const FLAGS = ["--allow-read", "--ignore-env=A,B", "--odd=a b'c"];

// A payload whose `deno` is a shell script printing what it was started with, so the real
// launcher runs in milliseconds.
async function writeFakeOneFile(dir: string, extraBytes = 0): Promise<string> {
  const payload = join(dir, "payload");
  await Deno.mkdir(payload);
  await Deno.writeTextFile(
    join(payload, "deno"),
    `#!/bin/sh\nprintf '%s\\n' "DENO_DIR=$DENO_DIR" "DENO_NO_UPDATE_CHECK=$DENO_NO_UPDATE_CHECK" "$@"\n`,
    { mode: 0o755 },
  );
  await Deno.writeTextFile(join(payload, "main.js"), "");
  if (extraBytes > 0) {
    await Deno.writeFile(
      join(payload, "filler"),
      randomBytes(extraBytes),
    );
  }
  const out = join(dir, "dist", "hit");
  await writeSelfExtracting(payload, out, { flags: FLAGS, denoVersion: "9.9.9" });
  return out;
}

function run(program: string, args: string[], env: Record<string, string>) {
  return runProgram(program, args, { env: { PATH: "/usr/bin:/bin", ...env } });
}

async function listDir(path: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(path))).map((entry) => entry.name).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

async function withFakeOneFile(): Promise<TempDir & { hit: string; home: string }> {
  const dir = await makeTempDir("hit-one-file-");
  const home = join(dir.path, "home");
  await Deno.mkdir(home);
  return Object.assign(dir, { hit: await writeFakeOneFile(dir.path), home });
}

Deno.test("shellQuote() leaves plain flags alone and single-quotes the rest", () => {
  assert.equal(
    shellQuote("--ignore-env=LOG_TOKENS,LOG_STREAM"),
    "--ignore-env=LOG_TOKENS,LOG_STREAM",
  );
  assert.equal(shellQuote("a b"), "'a b'");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

Deno.test("renderLauncher() sets the payload offset to the header's own length in bytes", () => {
  const template =
    "#!/bin/sh\n# é @HIT_VERSION@ @DENO_VERSION@\nat=@PAYLOAD_OFFSET@ sum=@PAYLOAD_SHA256@\n" +
    "exec run @RUN_FLAGS@\n";
  const header = renderLauncher(template, {
    denoVersion: "2.9.6",
    sha256: "ab",
    flags: ["-x", "a b"],
  });
  const offset = Number(header.match(/at=(\d+)/)![1]);
  assert.equal(offset, new TextEncoder().encode(header).length);
  assert.match(header, /sum=ab\nexec run -x 'a b'\n$/);
  assert.throws(
    () => renderLauncher("@NOPE@", { denoVersion: "", sha256: "", flags: [] }),
    /unknown placeholder "@NOPE@"/,
  );
});

Deno.test("the launcher unpacks into HOME/.cache/hit/SHA256 once and runs the runtime with the flags", async () => {
  await using dir = await withFakeOneFile();
  const first = await run(dir.hit, ["build", "a b", "it's"], { HOME: dir.home });
  const cache = join(dir.home, ".cache", "hit");
  const [sha256] = (await listDir(cache)).filter((name) => /^[0-9a-f]{64}$/.test(name));
  const final = join(cache, sha256);
  assert.deepEqual(first, {
    code: 0,
    stdout: [
      `DENO_DIR=${cache}/deno-dir`,
      "DENO_NO_UPDATE_CHECK=1",
      "run",
      "--quiet",
      ...FLAGS,
      `${final}/main.js`,
      "build",
      "a b",
      "it's",
      "",
    ].join("\n"),
    stderr: "",
  });
  assert.deepEqual(await listDir(cache), [sha256]);
  assert.deepEqual(await listDir(final), ["deno", "main.js", "run_flags"]);
  assert.equal(
    await Deno.readTextFile(join(final, "run_flags")),
    `# The flags of \`deno run\` for main.js, written by scripts/compile.ts.\n${
      FLAGS.join("\n")
    }\n`,
  );
  // A later run starts what is in the cache and does not unpack again.
  await Deno.writeTextFile(join(final, "deno"), "#!/bin/sh\necho from the cache\n");
  assert.deepEqual(await run(dir.hit, [], { HOME: dir.home }), {
    code: 0,
    stdout: "from the cache\n",
    stderr: "",
  });
});

Deno.test("the launcher uses an absolute XDG_CACHE_HOME and ignores a relative one", async () => {
  await using dir = await withFakeOneFile();
  const xdg = join(dir.path, "xdg");
  const absolute = await run(dir.hit, [], { HOME: dir.home, XDG_CACHE_HOME: xdg });
  assert.equal(absolute.code, 0, absolute.stderr);
  assert.match(absolute.stdout, new RegExp(`^DENO_DIR=${xdg}/hit/deno-dir$`, "m"));
  assert.deepEqual(await listDir(dir.home), []);
  const relative = await run(dir.hit, [], { HOME: dir.home, XDG_CACHE_HOME: "rel" });
  assert.equal(relative.code, 0, relative.stderr);
  assert.match(relative.stdout, new RegExp(`^DENO_DIR=${dir.home}/.cache/hit/deno-dir$`, "m"));
});

Deno.test("the launcher without HOME or XDG_CACHE_HOME says which to set and writes nothing", async () => {
  await using dir = await withFakeOneFile();
  assert.deepEqual(await run(dir.hit, ["--version"], {}), {
    code: 1,
    stdout: "",
    stderr: "hit: cannot find a folder to unpack into: set HOME or XDG_CACHE_HOME\n",
  });
});

Deno.test("the launcher refuses a truncated file and leaves no folder behind", async () => {
  await using dir = await withFakeOneFile();
  const bytes = await Deno.readFile(dir.hit);
  await Deno.writeFile(dir.hit, bytes.subarray(0, bytes.length - 100));
  const result = await run(dir.hit, ["--version"], { HOME: dir.home });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /^hit: cannot unpack ".*\/hit": the file is damaged or incomplete \(its payload has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\); download it again\n$/,
  );
  assert.deepEqual(await listDir(join(dir.home, ".cache", "hit")), []);
});

Deno.test("the launcher's first runs at once all succeed and leave one folder", async () => {
  await using dir = await makeTempDir("hit-one-file-");
  // A payload big enough that the runs overlap while unpacking.
  const hit = await writeFakeOneFile(dir.path, 8 << 20);
  const home = join(dir.path, "home");
  await Deno.mkdir(home);
  const results = await Promise.all([1, 2, 3, 4].map(() => run(hit, ["x"], { HOME: home })));
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  const cache = join(home, ".cache", "hit");
  const names = await listDir(cache);
  assert.equal(names.length, 1, `left in the cache: ${names.join(", ")}`);
  assert.deepEqual(await listDir(join(cache, names[0])), [
    "deno",
    "filler",
    "main.js",
    "run_flags",
  ]);
});
