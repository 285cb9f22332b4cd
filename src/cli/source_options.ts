/**
 * The options every command that could reach the network shares: `--offline` (or the
 * environment's `HIT_OFFLINE`) and `--mirror DIR|URL` (repeatable, tried before the
 * configuration's mirrors). Pure: the environment and working folder are passed in.
 */
import { resolve } from "node:path";
import type { Config } from "../core/config.ts";
import type { OptionSpec, ParsedOptions } from "./args.ts";

/** What the source options of one command line say. */
export interface SourceArgs {
  offline: boolean;
  /** Extra mirrors from `--mirror`, as given. */
  mirrors: string[];
}

/** `--offline` and `--mirror`, for a command's option list. */
export const SOURCE_OPTIONS: readonly OptionSpec[] = [
  {
    name: "offline",
    description: "use no network at all (also HIT_OFFLINE=1): sources must be cached or mirrored",
  },
  {
    name: "mirror",
    value: "DIR",
    repeatable: true,
    description: "a mirror (a bundle folder, or a URL) to try first; repeatable",
  },
];

/** The source options of parsed options whose list included `SOURCE_OPTIONS`. */
export function sourceArgs(parsed: ParsedOptions): SourceArgs {
  return { offline: parsed.values.offline === true, mirrors: parsed.repeated?.mirror ?? [] };
}

/**
 * Whether a command runs offline: `--offline`, or `HIT_OFFLINE` set to anything but empty,
 * `0`, `false` or `no`.
 */
export function isOffline(flag: boolean, env: Readonly<Record<string, string | undefined>>) {
  if (flag) return true;
  const value = (env.HIT_OFFLINE ?? "").trim().toLowerCase();
  return value !== "" && value !== "0" && value !== "false" && value !== "no";
}

/**
 * `config` with the command line's mirrors first (folders taken from `cwd`), then its own.
 */
export function withMirrors(config: Config, mirrors: readonly string[], cwd: string): Config {
  if (mirrors.length === 0) return config;
  const extra = mirrors.map((mirror) =>
    /^[a-z][a-z0-9+.-]*:/i.test(mirror) ? mirror : resolve(cwd, mirror)
  );
  return { ...config, mirrors: [...extra, ...config.mirrors] };
}
