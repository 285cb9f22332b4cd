/**
 * The configuration as named keys, for `hit config`: each key's value in a loaded
 * configuration, and setting one key by rewriting only its block of the file (comments and the
 * other keys stay), checked by parsing the result and written atomically.
 */
import { dirname, join } from "node:path";
import { HitError } from "../errors.ts";
import { closeNames } from "../spec/close_names.ts";
import { type Config, parseConfig } from "./config.ts";
import { fileError } from "./file_error.ts";

/** The keys `hit config` knows, in the order `list` prints them. */
export const CONFIG_KEYS = [
  "build_store",
  "source_cache",
  "mirrors",
  "build_temp",
  "cache",
  "gc_roots",
  "sandbox",
] as const;

/** A key of `CONFIG_KEYS`. */
export type ConfigKey = typeof CONFIG_KEYS[number];

/**
 * Checks that `key` is a configuration key.
 * @throws {HitError} (with close names) when it is not.
 */
export function checkConfigKey(key: string): ConfigKey {
  if ((CONFIG_KEYS as readonly string[]).includes(key)) return key as ConfigKey;
  const close = closeNames(key, CONFIG_KEYS);
  throw new HitError(`config: unknown key "${key}"`, {
    hint: close.length > 0
      ? `did you mean ${close.map((name) => `"${name}"`).join(" or ")}?`
      : `the keys are ${CONFIG_KEYS.join(", ")}`,
    exitCode: 2,
  });
}

/** The value of `key` in `config`, as text (mirrors one per line; unset sandbox: auto). */
export function configValue(config: Config, key: ConfigKey): string {
  switch (key) {
    case "build_store":
      return config.buildStore;
    case "source_cache":
      return config.sourceCache;
    case "mirrors":
      return config.mirrors.join("\n");
    case "build_temp":
      return config.buildTemp;
    case "cache":
      return config.cache;
    case "gc_roots":
      return config.gcRoots;
    case "sandbox":
      return config.sandbox ?? "auto";
  }
}

/**
 * The text of the configuration file `file` (holding `text`) with `key` set to `value`.
 * @throws {HitError} when the key cannot be set this way, or the result is not a valid
 * configuration.
 */
export function setConfigValue(text: string, file: string, key: ConfigKey, value: string): string {
  const config = parseConfig(text, file);
  const quoted = JSON.stringify(value);
  let updated: string;
  switch (key) {
    case "mirrors":
      throw new HitError(`config: "mirrors" cannot be set as one value`, {
        hint: `edit "source_caches" in ${file}, or give --mirror to the commands that fetch`,
        exitCode: 2,
      });
    case "build_store":
      updated = replaceBlock(text, "build_stores", `build_stores:\n- dir: ${quoted}\n`);
      break;
    case "source_cache":
      updated = replaceBlock(
        text,
        "source_caches",
        `source_caches:\n- dir: ${quoted}\n` +
          config.mirrors.map((url) => `- url: ${JSON.stringify(url)}\n`).join(""),
      );
      break;
    default:
      updated = replaceBlock(text, key, `${key}: ${quoted}\n`);
  }
  parseConfig(updated, file);
  return updated;
}

// The block of a top-level key: its line and the indented or `-` lines after it.
function replaceBlock(text: string, key: string, block: string): string {
  const lines = text.endsWith("\n") || text === "" ? text : text + "\n";
  const all = lines.split(/(?<=\n)/);
  const start = all.findIndex((line) => line.startsWith(`${key}:`));
  if (start < 0) return lines + block;
  let end = start + 1;
  while (end < all.length && /^[ \t-]/.test(all[end])) end++;
  return [...all.slice(0, start), block, ...all.slice(end)].join("");
}

/**
 * Writes `text` to the configuration file `file` atomically (a temp file, then rename).
 * @throws {HitError} when it cannot be written.
 */
export async function writeConfigFile(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.config.yaml.${Deno.pid}.tmp`);
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, file);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw fileError(`config: write "${file}"`, error, file);
  }
}
