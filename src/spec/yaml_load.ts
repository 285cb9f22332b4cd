/**
 * Parses YAML text into plain values, turning every parser complaint into a `HitError` with
 * file, line and column. Positions of keys are found lazily, only when an error needs one.
 */
import jsYaml from "js-yaml";
import { HitError } from "../errors.ts";
import type { Value } from "./values.ts";

// js-yaml follows PyYAML's leniency where the corpus needs it (flow sequences indented less
// than their key, pkgs/mesa.yaml) and is about ten times faster than `yaml` on the corpus.
// PyYAML reads YAML 1.1, but the corpus has no 1.1-only scalars (INVENTORY.md), so the 1.2
// core schema gives the same values.

/**
 * Parses one YAML document. An empty document is `null`.
 * @throws {HitError} with the file, line and column of the first syntax error.
 */
export function parseYaml(text: string, file: string): Value {
  try {
    // A duplicated key is an error, with its line. PyYAML let the last one win silently
    // (HASHDIST.md §1.5); the one corpus file that has one, examples/mpi4py.linux.yaml,
    // shows why that hurts: its second `extends` quietly replaces the first.
    // The core schema: strings, numbers, booleans and null only. The default schema would
    // turn `2001-12-14` into a Date, which no HashDist value is.
    const value = jsYaml.load(text, { filename: file, schema: jsYaml.CORE_SCHEMA });
    if (text.includes("&")) checkAliases(value, file);
    return value === undefined ? null : value as Value;
  } catch (error) {
    if (error instanceof HitError) throw error;
    if (error instanceof jsYaml.YAMLException) {
      const { mark, reason } = error as YamlException;
      const duplicate = /duplicated mapping key/.test(reason);
      throw new HitError(`parse YAML: ${reason}`, {
        location: {
          file,
          line: mark ? mark.line + 1 : undefined,
          column: mark ? mark.column + 1 : undefined,
        },
        hint: duplicate ? "remove one of the two keys (HashDist used the last one)" : undefined,
        cause: error,
      });
    }
    throw new HitError(`parse YAML: ${error instanceof Error ? error.message : error}`, {
      location: { file },
      cause: error,
    });
  }
}

/** The most nodes a document may expand to through aliases (the corpus's largest: ~2,000). */
const MAX_EXPANDED_NODES = 1_000_000;

/**
 * Rejects what aliases can make of a document: a value that contains itself (every later walk
 * would follow it until the stack overflows) and a "billion laughs" of aliases of aliases.
 */
function checkAliases(value: unknown, file: string): void {
  const sizes = new Map<object, number>();
  const open = new Set<object>();
  const size = (node: unknown): number => {
    if (typeof node !== "object" || node === null) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (open.has(node)) {
      throw new HitError("parse YAML: an alias refers to a node that contains it", {
        location: { file },
        hint: "copy the value instead of aliasing it from inside itself",
      });
    }
    open.add(node);
    let total = 1;
    for (const item of Array.isArray(node) ? node : Object.values(node)) {
      total = Math.min(total + size(item), MAX_EXPANDED_NODES + 1);
    }
    open.delete(node);
    sizes.set(node, total);
    return total;
  };
  if (size(value) > MAX_EXPANDED_NODES) {
    throw new HitError("parse YAML: aliases expand the document beyond a million values", {
      location: { file },
      hint: "write the values out instead of aliasing aliases",
    });
  }
}

/** The fields of js-yaml's exception that messages use (the package ships no types). */
interface YamlException {
  reason: string;
  mark?: { line: number; column: number };
}

/** A path into a document: mapping keys and list indexes. */
export type ValuePath = (string | number)[];

/** The 1-based line and column of the node at `path` in `text`, as near as can be found. */
export function locate(
  text: string,
  path: ValuePath,
): { line: number; column: number } | undefined {
  // Block-style YAML, as spec files are written, read line by line: each step looks for a
  // key (or the n-th list item) at the shallowest level of the current block. A step into
  // flow style (`{...}`, `[...]`) stops at the nearest position found so far.
  const lines = text.split("\n");
  let block = { from: 0, to: lines.length };
  let found: { line: number; column: number } | undefined;
  for (const step of path) {
    const hit = typeof step === "string"
      ? findKey(lines, block, step)
      : findItem(lines, block, step);
    if (!hit) break;
    found = { line: hit.line + 1, column: hit.column + 1 };
    block = hit.block;
  }
  return found;
}

interface Hit {
  line: number;
  column: number;
  /** The lines of the value found. */
  block: { from: number; to: number };
}

/** Where a line's content starts: after its indentation and any `- ` list markers. */
function contentColumn(line: string): number {
  const match = /^(\s*(?:-\s+)*)/.exec(line)!;
  return match[1].length;
}

function isBlank(line: string): boolean {
  return /^\s*(#.*)?$/.test(line);
}

function indentOf(line: string): number {
  return /^\s*/.exec(line)![0].length;
}

/**
 * The end of the block that starts at `line`: the lines indented at least to `column` (a list
 * item's content), or, for a key's value, more than `column` or a list at `column` itself.
 */
function blockEnd(
  lines: string[],
  line: number,
  column: number,
  options: { to: number; keyValue: boolean },
): number {
  for (let i = line + 1; i < options.to; i++) {
    if (isBlank(lines[i])) continue;
    const indent = indentOf(lines[i]);
    const item = /^-(\s|$)/.test(lines[i].slice(indent));
    if (indent < column || (options.keyValue && indent === column && !item)) return i;
  }
  return options.to;
}

function findKey(
  lines: string[],
  block: { from: number; to: number },
  key: string,
): Hit | undefined {
  let level = Infinity;
  for (let i = block.from; i < block.to; i++) {
    if (!isBlank(lines[i])) level = Math.min(level, contentColumn(lines[i]));
  }
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^(["']?)${escaped}\\1\\s*:(\\s|$)`);
  for (let i = block.from; i < block.to; i++) {
    const column = contentColumn(lines[i]);
    if (column !== level || !pattern.test(lines[i].slice(column))) continue;
    const to = blockEnd(lines, i, column, { to: block.to, keyValue: true });
    return { line: i, column, block: { from: i + 1, to } };
  }
  return undefined;
}

function findItem(
  lines: string[],
  block: { from: number; to: number },
  index: number,
): Hit | undefined {
  let level = Infinity;
  for (let i = block.from; i < block.to; i++) {
    if (!isBlank(lines[i])) level = Math.min(level, indentOf(lines[i]));
  }
  let count = 0;
  for (let i = block.from; i < block.to; i++) {
    const line = lines[i];
    if (isBlank(line) || indentOf(line) !== level || !/^\s*-(\s|$)/.test(line)) continue;
    if (count++ < index) continue;
    const column = level + 2;
    const end = blockEnd(lines, i, column, { to: block.to, keyValue: false });
    return { line: i, column, block: { from: i, to: end } };
  }
  return undefined;
}
