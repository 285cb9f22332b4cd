/**
 * `hit push`: uploads artifacts and their run-time closure to a remote, skipping those it
 * holds, signed with the user's key; one line per artifact (bytes, rate) and a summary.
 * `hit build --push` uses the same `pushClosure`. Parsing and rendering are pure.
 */
import { dirname, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { pushArtifact, storedClosure } from "../core/artifact_push.ts";
import { readSecretKey } from "../core/artifact_signing.ts";
import type { Config } from "../core/config.ts";
import { loadNetworkConfig } from "../core/network_config.ts";
import { openRemote, type Remote } from "../core/remotes.ts";
import { resolveProfile } from "../spec/resolve.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";
import { formatBytes } from "./format_bytes.ts";
import { keysDir } from "./key.ts";

/** The parsed command line of `hit push`. */
export interface PushArgs {
  /** Profile files, profile links or artifact ids, as given. */
  targets: string[];
  to?: string;
  key?: string;
}

const OPTIONS: readonly OptionSpec[] = [
  { name: "to", value: "NAME", description: "the remote (default: the first added with --push)" },
  { name: "key", value: "NAME", description: "sign with keys/NAME.key (default: the only key)" },
];

const ID = /^[^/\s]+\/[a-z0-9]{32}$/;

/**
 * Parses the arguments after `hit push`.
 * @throws {HitError} (exit 2) on bad usage.
 */
export function parsePushArgs(args: string[]): PushArgs {
  const { values, positionals } = parseOptions("push", OPTIONS, args);
  if (positionals.length === 0) {
    throw usageError("push", "name a profile, a profile link or an artifact id");
  }
  return {
    targets: positionals,
    to: values.to as string | undefined,
    key: values.key as string | undefined,
  };
}

/** One line of push progress: what was pushed, how much, how fast. */
export function renderPushLine(
  id: string,
  outcome: { status: "pushed" | "present"; bytes: number },
  seconds: number,
  remote: string,
): string {
  if (outcome.status === "present") return `[${id}] already on "${remote}"\n`;
  const rate = seconds > 0 ? `, ${formatBytes(outcome.bytes / seconds)}/s` : "";
  return `[${id}] pushed ${formatBytes(outcome.bytes)} in ${seconds.toFixed(1)} s${rate}\n`;
}

/**
 * The remote to push to: `name`, else the first remote added with `--push`.
 * @throws {HitError} when there is no such remote.
 */
export function pushTarget(config: Config, name: string | undefined): Remote {
  const remotes = config.remotes ?? [];
  const found = name === undefined
    ? remotes.find((remote) => remote.push)
    : remotes.find((remote) => remote.name === name);
  if (found !== undefined) return found;
  throw new HitError(
    name === undefined ? "push: no remote is marked for pushing" : `push: no remote "${name}"`,
    { hint: `add one with "hit remote add NAME URL --push", or name one with "--to NAME"` },
  );
}

/**
 * Pushes `ids` and their closure to `remote`, printing a line per artifact to stderr and a
 * summary to stdout.
 * @throws {HitError} on the first artifact that fails.
 */
export async function pushClosure(
  ids: string[],
  remote: Remote,
  config: Config,
  context: CommandContext,
  keyName?: string,
): Promise<void> {
  const secret = await signingKey(config, keyName);
  if (secret === undefined) {
    await context.stderr.write(
      `warning: no signing key: pushing unsigned (make one with "hit key generate NAME")\n`,
    );
  }
  const target = await openRemote(remote, {
    env: context.env,
    configDir: dirname(config.file),
    network: () => loadNetworkConfig(context.env, config),
  });
  const closure = await storedClosure(config.buildStore, ids);
  let pushed = 0;
  let bytes = 0;
  const started = performance.now();
  for (const id of closure) {
    const began = performance.now();
    const outcome = await pushArtifact(target, config.buildStore, id, {
      secret,
      tempParent: config.buildTemp,
    });
    if (outcome.status === "pushed") pushed++;
    bytes += outcome.bytes;
    const seconds = (performance.now() - began) / 1000;
    await context.stderr.write(renderPushLine(id, outcome, seconds, remote.name));
  }
  const seconds = (performance.now() - started) / 1000;
  await context.stdout.write(
    `pushed ${pushed} artifacts (${formatBytes(bytes)}) to "${remote.name}" in ${
      seconds.toFixed(1)
    } s, ${closure.length - pushed} already there\n`,
  );
}

async function signingKey(
  config: Config,
  name: string | undefined,
): Promise<{ name: string; key: CryptoKey } | undefined> {
  const dir = keysDir(config.file);
  if (name !== undefined) return await readSecretKey(resolve(dir, `${name}.key`));
  const keys = (await Array.fromAsync(Deno.readDir(dir)).catch(() => []))
    .map((entry) => entry.name).filter((file) => file.endsWith(".key")).sort();
  if (keys.length === 0) return undefined;
  if (keys.length > 1) {
    throw new HitError(`push: ${keys.length} signing keys in ${dir}`, {
      hint: `choose one with "--key NAME"`,
    });
  }
  return await readSecretKey(resolve(dir, keys[0]));
}

/**
 * The artifact ids a push target names: an id, a profile link or folder in the store, or a
 * profile file (its profile artifact and every package of it, build-only ones too, which
 * must be built).
 * @throws {HitError} when it names none.
 */
async function artifactIdsOf(target: string, context: CommandContext): Promise<string[]> {
  if (ID.test(target)) return [target];
  if (target.endsWith(".yaml")) {
    const resolved = await resolveProfile(target, { overrides: {}, cwd: context.cwd });
    return [...resolved.packages.values()].map((pkg) => pkg.artifactId)
      .concat(resolved.profileArtifactId);
  }
  const path = resolve(context.cwd, target);
  try {
    return [(await Deno.readTextFile(resolve(await Deno.realPath(path), "id"))).trim()];
  } catch {
    throw new HitError(`push: "${target}" is not an artifact id, a profile or a profile link`, {
      hint: `give NAME/HASH, a profile file, or the link "hit build" made`,
    });
  }
}

/** The `push` command. */
export const pushCommand: Command = {
  name: "push",
  summary: "upload artifacts and their closure to a remote",
  usage: `hit push PROFILE|LINK|ARTIFACT-ID ... [--to NAME] [--key NAME]

Uploads each artifact and every artifact it depends on to the remote NAME (default: the first
added with --push), skipping those already there, signed with the key from "hit key
generate". A profile file stands for its profile artifact and every package of it, build-only
ones too; a link or an id for that artifact and its run-time closure. The first push of an id
wins.

examples:
  hit push mystack.yaml
  hit push ./mystack --to site
  hit push zlib/cwfxs3bhjvlxoczwlxlexklpeoewybcn`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parsePushArgs(args);
    const config = await commandConfig(context);
    const remote = pushTarget(config, parsed.to);
    const ids: string[] = [];
    for (const target of parsed.targets) ids.push(...await artifactIdsOf(target, context));
    await pushClosure(ids, remote, config, context, parsed.key);
    return 0;
  },
};
