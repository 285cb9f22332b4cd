/**
 * `hit config`: the configuration file's path, its keys and their values, and setting one.
 */
import { loadConfig } from "../core/config.ts";
import {
  checkConfigKey,
  CONFIG_KEYS,
  configValue,
  setConfigValue,
  writeConfigFile,
} from "../core/config_keys.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";

const OPTIONS: readonly OptionSpec[] = [
  { name: "json", description: "with list: print one JSON object of the keys" },
];

const ACTIONS = ["path", "list", "get", "set"] as const;

/** The parsed command line of `hit config`. */
export type ConfigArgs =
  | { action: "path" }
  | { action: "list"; json: boolean }
  | { action: "get"; key: string }
  | { action: "set"; key: string; value: string };

/**
 * Parses the arguments after `hit config`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parseConfigArgs(args: string[]): ConfigArgs {
  const { values, positionals } = parseOptions("config", OPTIONS, args);
  const [action, ...rest] = positionals;
  const expected: Record<string, number> = { path: 0, list: 0, get: 1, set: 2 };
  if (action === undefined || !(ACTIONS as readonly string[]).includes(action)) {
    throw usageError(
      "config",
      action === undefined ? "missing the action" : `unknown action "${action}"`,
      `use one of ${ACTIONS.join(", ")}`,
    );
  }
  if (rest.length !== expected[action]) {
    throw usageError("config", `"config ${action}" takes ${expected[action]} argument(s)`);
  }
  if (action === "list") return { action, json: values.json === true };
  if (action === "get") return { action, key: rest[0] };
  if (action === "set") return { action, key: rest[0], value: rest[1] };
  return { action: "path" };
}

/** The `config` command. */
export const configCommand: Command = {
  name: "config",
  summary: "show the configuration file, its keys, or set one",
  usage: `hit config path | list [--json] | get KEY | set KEY VALUE

path prints the configuration file in use (--config, $HIT_HOME or ~/.hashdist); list prints
every key with its value; get one; set rewrites one key in the file (relative paths are taken
from the file's folder). The keys: ${CONFIG_KEYS.join(", ")}.

examples:
  hit config list
  hit config set build_temp /scratch/hit-tmp
  cd "$(hit config get build_store)"`,
  options: OPTIONS,
  completion: { verbs: ["path", "list", "get", "set"] },
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseConfigArgs(args);
    const config = await commandConfig(context);
    if (parsed.action === "path") {
      await context.stdout.write(config.file + "\n");
    } else if (parsed.action === "list") {
      const entries = CONFIG_KEYS.map((key) => [key, configValue(config, key)] as const);
      await context.stdout.write(
        parsed.json
          ? JSON.stringify(
            Object.fromEntries(
              entries.map(([key, value]) => [key, key === "mirrors" ? config.mirrors : value]),
            ),
            null,
            2,
          ) + "\n"
          : entries.map(([key, value]) => `${key}: ${value.replaceAll("\n", " ")}\n`).join(""),
      );
    } else if (parsed.action === "get") {
      const value = configValue(config, checkConfigKey(parsed.key));
      await context.stdout.write(value === "" ? "" : value + "\n");
    } else {
      const key = checkConfigKey(parsed.key);
      const text = await Deno.readTextFile(config.file);
      await writeConfigFile(config.file, setConfigValue(text, config.file, key, parsed.value));
      // Loading it again makes the folders it names, as every command would.
      const updated = await loadConfig(config.file, { create: false });
      await context.stdout.write(`${key}: ${configValue(updated, key)}\n`);
    }
    return 0;
  },
};
