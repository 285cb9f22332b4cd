/**
 * `hit key generate NAME`: an ed25519 key pair for signing pushed artifacts, written to the
 * `keys/` folder beside the configuration (`NAME.key`, mode 0600, and `NAME.pub` to give to
 * those who pull). Parsing is pure; `run` writes the two files.
 */
import { dirname, join } from "node:path";
import { generateKeyPair } from "../core/artifact_signing.ts";
import { parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";

/** The folder of signing keys for the configuration file `configFile`. */
export function keysDir(configFile: string): string {
  return join(dirname(configFile), "keys");
}

/**
 * Parses the arguments after `hit key`: the name of the key to generate.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseKeyArgs(args: string[]): { name: string } {
  const { positionals } = parseOptions("key", [], args);
  if (positionals[0] !== "generate" || positionals.length !== 2) {
    throw usageError("key", `expected "hit key generate NAME"`);
  }
  return { name: positionals[1] };
}

/** The `key` command. */
export const keyCommand: Command = {
  name: "key",
  summary: "generate a key pair that signs pushed artifacts",
  usage: `hit key generate NAME

Writes an ed25519 key pair into the "keys" folder beside the configuration: NAME.key (secret,
mode 0600; "hit push" signs with it) and NAME.pub (give it to those who pull, for
"hit remote add … --trust NAME.pub").

example:
  hit key generate builder`,
  options: [],
  completion: { verbs: ["generate"] },
  async run(args: string[], context: CommandContext): Promise<number> {
    const { name } = parseKeyArgs(args);
    const config = await commandConfig(context);
    const files = await generateKeyPair(keysDir(config.file), name);
    await context.stdout.write(`secret key: ${files.secret}\npublic key: ${files.public}\n`);
    return 0;
  },
};
