import assert from "node:assert/strict";
import {
  type OptionSpec,
  parseGlobalArgs,
  parseOptions,
  quoteList,
  splitOverrides,
  takeGlobalOptions,
  wantsHelp,
} from "../../src/cli/args.ts";
import { HitError, USAGE_EXIT } from "../../src/errors.ts";

Deno.test("parseGlobalArgs() reads options up to the command and keeps the rest for it", () => {
  assert.deepEqual(parseGlobalArgs(["--config", "c.yaml", "status", "--json", "x"]), {
    configPath: "c.yaml",
    help: false,
    version: false,
    command: "status",
    args: ["--json", "x"],
  });
  assert.equal(parseGlobalArgs(["--config-file=d.yaml", "show"]).configPath, "d.yaml");
  assert.equal(parseGlobalArgs(["--help"]).help, true);
  assert.equal(parseGlobalArgs(["--version"]).version, true);
  assert.deepEqual(parseGlobalArgs([]), { help: false, version: false, args: [] });
});

Deno.test("parseGlobalArgs() rejects unknown options and a missing --config value", () => {
  for (const args of [["--bogus", "status"], ["--config"], ["--config", "--help"]]) {
    assert.throws(() => parseGlobalArgs(args), (error) => {
      assert.ok(error instanceof HitError);
      assert.equal(error.exitCode, USAGE_EXIT);
      return true;
    });
  }
});

Deno.test("parseOptions() keeps every value of a repeatable option in order", () => {
  const options: OptionSpec[] = [
    { name: "mirror", value: "DIR", repeatable: true, description: "" },
    { name: "output", short: "o", value: "X", description: "" },
  ];
  assert.deepEqual(parseOptions("x", options, ["--mirror", "a", "-o", "1", "--mirror=b"]), {
    values: { mirror: "b", output: "1" },
    positionals: [],
    repeated: { mirror: ["a", "b"] },
  });
  assert.deepEqual(parseOptions("x", options, ["p"]), { values: {}, positionals: ["p"] });
});

Deno.test("parseOptions() keeps the last value of a repeated option and args after --", () => {
  const options = [{ name: "profile", short: "p", value: "PATH", description: "" }];
  assert.deepEqual(parseOptions("x", options, ["-p", "a", "b", "--profile", "c", "--", "-d"]), {
    values: { profile: "c" },
    positionals: ["b", "-d"],
  });
});

Deno.test("splitOverrides() takes NAME=VALUE but not a .yaml profile with '='", () => {
  assert.deepEqual(splitOverrides("x", ["a=1", "dir=x.yaml", "p.yaml", "b="]), {
    overrides: { a: "1", b: "" },
    others: ["dir=x.yaml", "p.yaml"],
  });
});

Deno.test("wantsHelp() sees -h or --help before --", () => {
  assert.equal(wantsHelp(["a", "--help"]), true);
  assert.equal(wantsHelp(["-h"]), true);
  assert.equal(wantsHelp(["--", "--help"]), false);
  assert.equal(wantsHelp(["a"]), false);
});

Deno.test("quoteList() joins quoted names with commas and or", () => {
  assert.equal(quoteList(["a"]), `"a"`);
  assert.equal(quoteList(["a", "b"]), `"a" or "b"`);
  assert.equal(quoteList(["a", "b", "c"]), `"a", "b" or "c"`);
});

Deno.test("takeGlobalOptions() takes --config anywhere before --, and leaves the rest", () => {
  assert.deepEqual(takeGlobalOptions(["p.yaml", "--config", "c.yaml", "--json"]), {
    configPath: "c.yaml",
    args: ["p.yaml", "--json"],
  });
  assert.deepEqual(takeGlobalOptions(["--config-file=c.yaml", "p"]), {
    configPath: "c.yaml",
    args: ["p"],
  });
  assert.deepEqual(takeGlobalOptions(["p", "--", "cmd", "--config", "x"]), {
    args: ["p", "--", "cmd", "--config", "x"],
  });
  assert.throws(() => takeGlobalOptions(["--config"]), /option "--config" needs a value PATH/);
});

Deno.test("parseOptions() suggests the closest option for a typo", () => {
  const options = [{ name: "json", description: "" }, {
    name: "jobs",
    value: "N",
    description: "",
  }];
  assert.throws(
    () => parseOptions("status", options, ["--jsno"]),
    (error: HitError) => error.hint === 'did you mean "--json"?' && error.exitCode === USAGE_EXIT,
  );
});

Deno.test("parseGlobalArgs() takes --json only after --version", () => {
  assert.equal(parseGlobalArgs(["--version", "--json"]).json, true);
  assert.throws(() => parseGlobalArgs(["--json", "status"]), /unknown option "--json"/);
});
