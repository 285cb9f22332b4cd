import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseRunFlags, selfCommand, selfLayout } from "../src/self_command.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

Deno.test("parseRunFlags() keeps one flag a line and drops blank lines and comments", () => {
  assert.deepEqual(parseRunFlags("# flags\n--allow-read\n\n  --no-prompt  \n# end\n"), [
    "--allow-read",
    "--no-prompt",
  ]);
});

Deno.test("selfLayout() from source runs src/main.ts with scripts/run_flags", () => {
  assert.deepEqual(
    selfLayout("from source", { runtime: "/opt/deno", moduleUrl: "file:///p/src/self_command.ts" }),
    {
      mode: "from source",
      runtime: "/opt/deno",
      main: "/p/src/main.ts",
      flagsFile: "/p/scripts/run_flags",
      // Not the whole checkout: only what `deno run src/main.ts` reads.
      readOnly: [
        "/opt/deno",
        "/p/scripts/run_flags",
        "/p/src",
        "/p/deno.json",
        "/p/deno.lock",
        "/p/node_modules",
      ],
    },
  );
});

Deno.test("selfLayout() of the self-extracting file runs main.js with the payload's run_flags", () => {
  const payload = "/home/u/.cache/hit/ab12";
  assert.deepEqual(
    selfLayout("self-extracting", {
      runtime: `${payload}/deno`,
      // The code-split bundle: this module is in a chunk beside main.js.
      moduleUrl: `file://${payload}/chunk-4TQ2ZK7B.js`,
    }),
    {
      mode: "self-extracting",
      runtime: `${payload}/deno`,
      main: `${payload}/main.js`,
      flagsFile: `${payload}/run_flags`,
      readOnly: [`${payload}/deno`, payload],
    },
  );
});

Deno.test("selfLayout() of a compiled binary is the binary alone", () => {
  assert.deepEqual(
    selfLayout("compiled", { runtime: "/usr/local/bin/hit", moduleUrl: "file:///tmp/x/src/a.ts" }),
    { mode: "compiled", runtime: "/usr/local/bin/hit", readOnly: ["/usr/local/bin/hit"] },
  );
});

Deno.test("selfCommand() from source runs this Deno on src/main.ts with every run flag", async () => {
  const flags = parseRunFlags(await Deno.readTextFile(join(ROOT, "scripts", "run_flags")));
  assert.ok(flags.includes("--unstable-worker-options"));
  const command = selfCommand();
  assert.deepEqual(command, {
    argv: [Deno.execPath(), "run", "--quiet", ...flags, join(ROOT, "src", "main.ts")],
    readOnly: [
      Deno.execPath(),
      join(ROOT, "scripts", "run_flags"),
      ...["src", "deno.json", "deno.lock", "node_modules"].map((part) => join(ROOT, part)),
    ],
    env: { DENO_NO_UPDATE_CHECK: "1", DENO_DIR: "/tmp/hit-deno-dir" },
  });
});
