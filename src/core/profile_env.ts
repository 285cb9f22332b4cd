/**
 * The environment of a built profile (for `hit load`, `hit env`, `hit shell`): `HASHSTACK`,
 * its `bin` on `PATH`, and the `when_build_dependency` commands its packages declare, read
 * from the profile artifact's own `build.json` and evaluated against the user's environment.
 */
import { basename, join, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { artifactDir } from "./build_store.ts";
import { readGcRoots } from "./gc_roots.ts";
import { substituteJobVars } from "./job_vars.ts";

/** One variable change: set, or put in front of or behind the current value. */
export interface EnvChange {
  name: string;
  value: string;
  op: "set" | "prepend" | "append";
  /** Separator for prepend and append: `:` for paths, a space for flags. */
  separator: string;
}

/**
 * Finds the profile artifact folder that `name` means: a profile link or artifact folder, or
 * the base name of a link registered as a gc root (`hit load default`).
 * @throws {HitError} when nothing matches.
 */
export async function findProfileDir(
  name: string,
  options: { cwd: string; gcRoots: string },
): Promise<string> {
  const path = resolve(options.cwd, name);
  try {
    await Deno.stat(join(path, "artifact.json"));
    return await Deno.realPath(path);
  } catch {
    // Not a profile folder: try the gc roots.
  }
  const matches = (await readGcRoots(options.gcRoots)).filter((root) =>
    root.state === "live" && basename(root.link) === name
  );
  if (matches.length === 1 && matches[0].state === "live") return matches[0].artifact.dir;
  if (matches.length > 1) {
    throw new HitError(`find profile "${name}": several built profiles have that name`, {
      hint: `give the path of one: ${
        matches.map((root) => root.state === "live" ? root.link : "").join(", ")
      }`,
    });
  }
  throw new HitError(`find profile "${name}": no built profile by that name or path`, {
    hint: `build it first with "hit build ${name.endsWith(".yaml") ? name : `${name}.yaml`}", ` +
      `or give the path of its link`,
  });
}

/**
 * The environment changes of the profile artifact in `dir`.
 * @throws {HitError} when its `build.json` is unreadable or names an unknown variable.
 */
export async function profileEnvChanges(dir: string, store: string): Promise<EnvChange[]> {
  let spec: { build?: { import?: { id: string; ref: string | null }[]; commands?: unknown[] } };
  try {
    spec = JSON.parse(await Deno.readTextFile(join(dir, "build.json")));
  } catch (error) {
    throw new HitError(`read profile "${dir}": no readable build.json`, { cause: error });
  }
  const vars: Record<string, string> = { ARTIFACT: dir };
  for (const entry of spec.build?.import ?? []) {
    if (entry.ref) vars[`${entry.ref}_DIR`] = artifactDir(store, entry.id);
  }
  const changes: EnvChange[] = [
    { name: "HASHSTACK", value: dir, op: "set", separator: ":" },
    { name: "PATH", value: join(dir, "bin"), op: "prepend", separator: ":" },
  ];
  for (const command of spec.build?.commands ?? []) {
    const node = command as Record<string, unknown>;
    for (const [key, op, separator] of OPS) {
      if (typeof node[key] !== "string") continue;
      const value = substituteJobVars(String(node.value ?? node.nohash_value ?? ""), vars);
      changes.push({ name: node[key] as string, value, op, separator });
    }
  }
  return changes;
}

const OPS: [string, EnvChange["op"], string][] = [
  ["set", "set", ":"],
  ["prepend_path", "prepend", ":"],
  ["append_path", "append", ":"],
  ["prepend_flag", "prepend", " "],
  ["append_flag", "append", " "],
];

/** Applies `changes` to `env`, returning the new environment. */
export function applyEnvChanges(
  env: Readonly<Record<string, string>>,
  changes: EnvChange[],
): Record<string, string> {
  const out = { ...env };
  for (const change of changes) {
    const old = out[change.name] ?? "";
    out[change.name] = change.op === "set" || old === ""
      ? change.value
      : change.op === "prepend"
      ? change.value + change.separator + old
      : old + change.separator + change.value;
  }
  return out;
}

/** Shells `hit load` writes code for. */
export type ShellKind = "bash" | "zsh" | "fish";

/** Shell code that applies `changes` when evaluated by `shell`. */
export function renderEnvChanges(changes: EnvChange[], shell: ShellKind): string {
  return changes.map((change) => renderChange(change, shell) + "\n").join("");
}

function renderChange(change: EnvChange, shell: ShellKind): string {
  const value = shell === "fish" ? quoteFish(change.value) : quoteSh(change.value);
  const name = change.name;
  if (shell === "fish") {
    if (change.op === "set") return `set -gx ${name} ${value};`;
    // fish keeps PATH-like variables as lists; other variables as one string.
    if (name.endsWith("PATH") && change.separator === ":") {
      return change.op === "prepend"
        ? `set -gx ${name} ${value} $${name};`
        : `set -gx ${name} $${name} ${value};`;
    }
    return change.op === "prepend"
      ? `set -gx ${name} ${value}(set -q ${name}; and echo '${change.separator}'$${name});`
      : `set -gx ${name} (set -q ${name}; and echo $${name}'${change.separator}')${value};`;
  }
  if (change.op === "set") return `export ${name}=${value}`;
  const sep = change.separator;
  return change.op === "prepend"
    ? `export ${name}=${value}"\${${name}:+${sep}\$${name}}"`
    : `export ${name}="\${${name}:+\$${name}${sep}}"${value}`;
}

/** Single-quotes a value for sh: `'` becomes `'\''`. */
function quoteSh(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Single-quotes a value for fish, where `\` and `'` are escaped inside quotes. */
function quoteFish(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}
