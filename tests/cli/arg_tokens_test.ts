import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { tokenizeArgs, type TokenOptions } from "../../src/cli/arg_tokens.ts";

const OPTIONS: TokenOptions = {
  profile: { type: "string", short: "p" },
  json: { type: "boolean" },
  keep: { type: "boolean", short: "k" },
  jobs: { type: "string", short: "j" },
  verbose: { type: "boolean", short: "v" },
};

const LINES: string[][] = [
  [],
  ["stack.yaml"],
  ["-p", "stack.yaml", "--json", "debug=true"],
  ["--profile=stack.yaml", "x"],
  ["--profile", "--json"],
  ["--profile"],
  ["-p"],
  ["-pstack.yaml"],
  ["-kv", "a"],
  ["-kvj4", "b"],
  ["-kj", "4", "c"],
  ["-kj"],
  ["-j", "-k"],
  ["--unknown", "x", "--other=1", "-x", "-xyz"],
  ["--json=yes"],
  ["-", "--", "-p", "--json"],
  ["a", "--", "--"],
  ["--=x", "---p", "-=", "-p="],
  ["--jobs", "2", "-k", "--", "-v"],
];

Deno.test("tokenizeArgs() splits every command line as node:util's parseArgs does", () => {
  for (const args of LINES) {
    const { tokens } = parseArgs({
      args,
      options: OPTIONS,
      strict: false,
      allowPositionals: true,
      tokens: true,
    });
    assert.deepEqual(tokenizeArgs(args, OPTIONS), tokens, JSON.stringify(args));
  }
});
