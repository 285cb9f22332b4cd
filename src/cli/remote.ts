/**
 * `hit remote add|list|rm` (HashDist's `hit remote` verb): the binary caches `hit build` asks
 * before building and `hit push` writes to, kept under `remotes:` in the configuration file.
 * Parsing and rendering are pure; `run` rewrites that one key of the file.
 */
import { resolve } from "node:path";
import { HitError } from "../errors.ts";
import { parseRemoteUrl, type Remote, replaceRemotes, writeConfigText } from "../core/remotes.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import { type Command, commandConfig, type CommandContext } from "./command.ts";

/** The parsed command line of `hit remote`. */
export type RemoteArgs =
  | { action: "add"; remote: Remote }
  | { action: "list" }
  | { action: "rm"; name: string };

const OPTIONS: readonly OptionSpec[] = [
  { name: "push", description: "add: push here by default (hit push, hit build --push)" },
  {
    name: "trust",
    value: "KEYFILE",
    repeatable: true,
    description: "add: accept artifacts signed by this public key (repeatable)",
  },
  {
    name: "trust-unsigned",
    description: "add: accept unsigned artifacts (only on a network you trust)",
  },
];

/**
 * Parses the arguments after `hit remote`; key files are made absolute against `cwd`.
 * @throws {HitError} (exit 2) on bad usage or a bad URL.
 */
export function parseRemoteArgs(args: string[], cwd: string): RemoteArgs {
  const { values, positionals, repeated } = parseOptions("remote", OPTIONS, args);
  const [action, ...rest] = positionals;
  const count = (n: number, usage: string) => {
    if (rest.length !== n) throw usageError("remote", `expected "hit remote ${usage}"`);
  };
  if (action !== "add" && (values.push || values.trust || values["trust-unsigned"])) {
    throw usageError("remote", `"--push", "--trust" and "--trust-unsigned" go with "add"`);
  }
  switch (action) {
    case "add": {
      count(2, "add NAME URL");
      const [name, url] = rest;
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) {
        throw usageError("remote", `bad remote name "${name}": use letters, digits, "_" and "-"`);
      }
      parseRemoteUrl(url);
      return {
        action: "add",
        remote: {
          name,
          url,
          push: values.push === true,
          trust: (repeated?.trust ?? []).map((file) => resolve(cwd, file)),
          trustUnsigned: values["trust-unsigned"] === true,
        },
      };
    }
    case "list":
      count(0, "list");
      return { action: "list" };
    case "rm":
      count(1, "rm NAME");
      return { action: "rm", name: rest[0] };
    default:
      throw usageError(
        "remote",
        action === undefined ? "expected add, list or rm" : `unknown action "${action}"`,
      );
  }
}

/** The lines of `hit remote list`. */
export function renderRemotes(remotes: Remote[]): string {
  if (remotes.length === 0) return 'no remotes (add one with "hit remote add NAME URL")\n';
  return remotes.map((remote) => {
    const notes = [
      remote.push ? "push" : undefined,
      remote.trustUnsigned
        ? "trusts unsigned"
        : `${remote.trust.length} trusted key${remote.trust.length === 1 ? "" : "s"}`,
    ].filter(Boolean);
    return `${remote.name}\t${remote.url}\t${notes.join(", ")}\n`;
  }).join("");
}

/** The `remote` command. */
export const remoteCommand: Command = {
  name: "remote",
  summary: "add, list or remove binary caches (remotes)",
  usage: `hit remote add NAME URL [--push] [--trust KEYFILE ...] [--trust-unsigned]
hit remote list
hit remote rm NAME

A remote holds built artifacts: "hit build" pulls from the remotes (in the order added) what
it would otherwise build, and "hit push" uploads to one. URL is oci://HOST[:PORT]/PREFIX (an
OCI registry over HTTPS), oci+http://… (plain HTTP, for a trusted network), file:///PATH (a
shared folder) or https://… (a static copy of such a folder, read only). Pulls accept only
artifacts signed by a --trust key unless --trust-unsigned is given. Credentials come from
HIT_REMOTE_<NAME>_USERNAME/_PASSWORD, "auth.json" beside the configuration (mode 0600), or
~/.docker/config.json, never from the URL.

examples:
  hit remote add site oci://registry.example.org/hit --push --trust keys/builder.pub
  hit remote add stick file:///media/usb/hit-cache --trust-unsigned
  hit remote rm stick`,
  options: OPTIONS,
  completion: { verbs: ["add", "list", "rm"] },
  async run(args: string[], context: CommandContext): Promise<number> {
    const parsed = parseRemoteArgs(args, context.cwd);
    const config = await commandConfig(context);
    const remotes = config.remotes ?? [];
    if (parsed.action === "list") {
      await context.stdout.write(renderRemotes(remotes));
      return 0;
    }
    let next: Remote[];
    if (parsed.action === "add") {
      if (remotes.some((remote) => remote.name === parsed.remote.name)) {
        throw new HitError(`remote add: a remote "${parsed.remote.name}" exists`, {
          hint: `remove it first with "hit remote rm ${parsed.remote.name}"`,
        });
      }
      for (const file of parsed.remote.trust) {
        await Deno.stat(file).catch(() => {
          throw new HitError(`remote add: the key file "${file}" does not exist`, {
            hint: `trust the ".pub" file that "hit key generate" wrote`,
          });
        });
      }
      next = [...remotes, parsed.remote];
    } else {
      if (!remotes.some((remote) => remote.name === parsed.name)) {
        throw new HitError(`remote rm: no remote "${parsed.name}"`, {
          hint: `list them with "hit remote list"`,
        });
      }
      next = remotes.filter((remote) => remote.name !== parsed.name);
    }
    const text = await Deno.readTextFile(config.file);
    await writeConfigText(config.file, replaceRemotes(text, next));
    const verb = parsed.action === "add" ? "added" : "removed";
    const name = parsed.action === "add" ? parsed.remote.name : parsed.name;
    await context.stdout.write(`${verb} remote "${name}" in ${config.file}\n`);
    return 0;
  },
};
