/**
 * A corpus of bad paths (missing, a file where a folder belongs and the reverse, a FIFO, an
 * unreadable file, special `/proc` paths) through every command that takes a path, the global
 * `--config` and `HIT_HOME`: each is a clear error, never an internal error with a stack.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HIT, hitEnv, makeTempDir, runProgram } from "./_run_cli.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));

/** The bad paths, made in `dir`; each name says what is wrong with it. */
async function makeBadPaths(dir: string): Promise<Record<string, string>> {
  await Deno.writeTextFile(join(dir, "file.yaml"), "not: [a, profile\n");
  await Deno.mkdir(join(dir, "folder.yaml"));
  const fifo = await new Deno.Command("mkfifo", { args: [join(dir, "fifo.yaml")] }).output();
  assert.ok(fifo.success, "mkfifo");
  await Deno.writeTextFile(join(dir, "unreadable.yaml"), "packages: {}\n", { mode: 0o000 });
  return {
    missing: join(dir, "no", "such.yaml"),
    "a file as a folder": join(dir, "file.yaml", "sub.yaml"),
    "a folder as a file": join(dir, "folder.yaml"),
    "a file": join(dir, "file.yaml"),
    fifo: join(dir, "fifo.yaml"),
    unreadable: join(dir, "unreadable.yaml"),
    "/proc": "/proc/self/nonexistent/x.yaml",
  };
}

/**
 * Every command line that takes a path, with `P` where the path goes (`T` where a missing path
 * is fine: a TARGET folder to be made).
 */
const COMMANDS: string[][] = [
  ["status", "P"],
  ["build", "P"],
  ["build", EXAMPLE, "-o", "P/sub/link"],
  ["develop", "P"],
  ["develop", EXAMPLE, "T"],
  ["bdir", "greet", "-p", "P"],
  ["bdir", "greet", "T", "-p", EXAMPLE],
  ["show", "script", "greet", "-p", "P"],
  ["log", "greet", "-p", "P"],
  ["why", "greet", "-p", "P"],
  ["graph", "P"],
  ["load", "P"],
  ["shell", "P", "--", "true"],
  ["fetch", "--profile", "P"],
  ["mirror", "export", "P", "-o", "out.tar"],
  ["mirror", "verify", "P"],
  ["mirror", "import", "P"],
  ["rm", "P"],
  ["create-links", "P"],
  ["build-write-files", "P"],
  ["build-unpack-sources", "--input", "P"],
  ["build-postprocess", "--write-protect", "P"],
  ["--config", "P", "status", EXAMPLE],
];

Deno.test("every command given a bad path says what is wrong, never with a stack trace", async () => {
  await using dir = await makeTempDir();
  const bad = await makeBadPaths(dir.path);
  const env = await hitEnv({ cwd: dir.path });
  const runs = COMMANDS.flatMap((line) =>
    Object.entries(bad).filter(([kind]) => !(kind === "missing" && line.includes("T"))).map((
      [kind, path],
    ) => ({ kind, args: line.map((arg) => arg.replace(/^[PT]/, path)), env }))
  );
  runs.push(
    ...Object.entries(bad).map(([kind, path]) => ({
      kind: `HIT_HOME ${kind}`,
      args: ["status", EXAMPLE],
      env: { ...env, HIT_HOME: path },
    })),
  );
  const failures: string[] = [];
  // A few at a time: each is a whole `hit` process.
  for (let i = 0; i < runs.length; i += 4) {
    await Promise.all(
      runs.slice(i, i + 4).map(async ({ kind, args, env }) => {
        const start = performance.now();
        const result = await runProgram("timeout", ["30", HIT, ...args], { cwd: dir.path, env });
        const took = performance.now() - start;
        if (took > 2500) console.log(Math.round(took), args.join(" "));
        const what = `hit ${args.join(" ")} (${kind}): exit ${result.code}\n${result.stderr}`;
        if (result.code === 124) failures.push(`hung: ${what}`);
        else if (/internal error| {4}at file:/.test(result.stderr)) failures.push(what);
        else if (result.code !== 0 && !/^error: /m.test(result.stderr)) failures.push(what);
      }),
    );
  }
  assert.deepEqual(failures, []);
});
