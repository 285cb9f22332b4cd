/**
 * `hit build-write-files [--key K] FILE` (HASHDIST.md §5.6): writes the files a JSON document
 * describes, each created exclusively, from inside a build job.
 */
import { dirname, resolve } from "node:path";
import { HitError } from "../errors.ts";
import { formatStoreJson } from "../core/build_store.ts";
import { substituteTemplate } from "../core/job_vars.ts";
import { isMap, type Value } from "../spec/values.ts";
import { type OptionSpec, parseOptions, usageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";
import { selectKey } from "./create_links.ts";
import { readJsonInput } from "./json_input.ts";

const OPTIONS: readonly OptionSpec[] = [
  { name: "key", value: "K", description: `"/"-separated path of the file list (default "/")` },
];

/** One file to write. */
export interface FileEntry {
  target: string;
  text?: string[];
  object?: Value;
  executable: boolean;
  expandvars: boolean;
}

/**
 * Checks the file list of a `build-write-files` document.
 * @throws {HitError} for an entry without a target, without text or object, or with both
 * `object` and `expandvars`.
 */
export function parseFileEntries(value: unknown): FileEntry[] {
  if (!Array.isArray(value)) throw new HitError("write files: expected a list of file entries");
  return value.map((entry, i) => {
    if (!isMap(entry as Value) || typeof (entry as Record<string, unknown>).target !== "string") {
      throw new HitError(`write files: entry ${i + 1} needs a "target"`);
    }
    const { target, text, object, executable, expandvars } = entry as Record<string, unknown>;
    if (text === undefined && object === undefined) {
      throw new HitError(`write files: entry "${target}" needs "text" or "object"`);
    }
    if (object !== undefined && expandvars) {
      throw new HitError(`write files: entry "${target}" cannot expand variables in an "object"`);
    }
    if (text !== undefined && !Array.isArray(text)) {
      throw new HitError(`write files: "text" of "${target}" must be a list of lines`);
    }
    return {
      target: target as string,
      text: text === undefined ? undefined : (text as unknown[]).map(String),
      object: object as Value | undefined,
      executable: executable === true,
      expandvars: expandvars === true,
    };
  });
}

/** Writes `entries` relative to `cwd`; every target must not exist yet. */
export async function writeFileEntries(
  entries: FileEntry[],
  options: { cwd: string; env: Readonly<Record<string, string>> },
): Promise<void> {
  for (const entry of entries) {
    const path = resolve(options.cwd, substituteTemplate(entry.target, options.env));
    const content = entry.object !== undefined
      ? formatStoreJson(entry.object)
      : entry.expandvars
      ? substituteTemplate(entry.text!.join("\n"), options.env)
      : entry.text!.join("\n");
    await Deno.mkdir(dirname(path), { recursive: true });
    try {
      await Deno.writeTextFile(path, content, {
        createNew: true,
        mode: entry.executable ? 0o755 : 0o644,
      });
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) {
        throw new HitError(`write files: "${path}" already exists`);
      }
      throw error;
    }
  }
}

/** The `build-write-files` command. */
export const buildWriteFilesCommand: Command = {
  name: "build-write-files",
  summary: "write the files a JSON document lists (inside build jobs)",
  usage: `hit build-write-files [--key K] FILE

Writes each {target, text | object, executable?, expandvars?} entry of the JSON FILE,
relative to the current folder; an existing file is an error.

example:
  hit build-write-files --key files $in0`,
  options: OPTIONS,
  async run(args: string[], context: CommandContext): Promise<number> {
    const { values, positionals } = parseOptions("build-write-files", OPTIONS, args);
    if (positionals.length !== 1) throw usageError("build-write-files", "expected one FILE");
    const document = await readJsonInput("write files", resolve(context.cwd, positionals[0]));
    const entries = parseFileEntries(selectKey(document, (values.key as string) ?? "/"));
    await writeFileEntries(entries, { cwd: context.cwd, env: context.env });
    return 0;
  },
};
