import assert from "node:assert/strict";
import type { Command } from "../../src/cli/command.ts";
import { findCommand } from "../../src/cli/command.ts";
import { renderCommandHelp, renderMainHelp } from "../../src/cli/help.ts";
import { HitError, USAGE_EXIT } from "../../src/errors.ts";

const COMMANDS: Command[] = [
  {
    name: "status",
    aliases: ["st"],
    summary: "list packages",
    usage: "hit status [PROFILE]\n\nexample:\n  hit status p.yaml",
    options: [{ name: "profile", short: "p", value: "PATH", description: "profile file" }],
    run: () => Promise.resolve(0),
  },
  {
    name: "show",
    summary: "print things",
    usage: "hit show X",
    options: [],
    run: () => Promise.resolve(0),
  },
];

Deno.test("renderMainHelp() lists every command with its summary and the global options", () => {
  const text = renderMainHelp(COMMANDS);
  assert.match(text, /^usage: hit \[--config PATH\] COMMAND/m);
  assert.match(text, /^ {2}status {3}list packages \(alias st\)$/m);
  assert.match(text, /^ {2}show {5}print things$/m);
  assert.match(text, /--config PATH/);
  assert.ok(text.endsWith("\n"));
});

Deno.test("renderCommandHelp() shows usage, example and options with -h/--help", () => {
  assert.equal(
    renderCommandHelp(COMMANDS[0]),
    [
      "list packages",
      "",
      "usage: hit status [PROFILE]",
      "",
      "example:",
      "  hit status p.yaml",
      "",
      "options:",
      "  -p, --profile PATH   profile file",
      "  -h, --help           show this help",
      "",
      "aliases: st",
      "",
    ].join("\n"),
  );
});

Deno.test("findCommand() finds names and aliases and suggests close names", () => {
  assert.equal(findCommand("st", COMMANDS).name, "status");
  assert.throws(() => findCommand("stats", COMMANDS), (error) => {
    assert.ok(error instanceof HitError);
    assert.equal(error.message, `unknown command "stats"`);
    assert.equal(error.hint, `did you mean "status"?`);
    assert.equal(error.exitCode, USAGE_EXIT);
    return true;
  });
});
