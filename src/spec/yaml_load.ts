/**
 * Parses YAML text into plain values, turning every parser complaint into a `HitError` with
 * file, line and column. Positions of keys are found lazily, only when an error needs one.
 */
import jsYaml from "js-yaml";
import { isMap as isYamlMap, isSeq, LineCounter, parseDocument } from "yaml";
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
  const lineCounter = new LineCounter();
  // A second, position-keeping parser, used only on the error path. It tolerates errors and
  // still builds a document, so a position is usually found even where it is strict.
  const document = parseDocument(text, {
    uniqueKeys: false,
    lineCounter,
    logLevel: "silent",
    prettyErrors: false,
  });
  let node: unknown = document.contents;
  let offset: number | undefined = rangeStart(node);
  for (const step of path) {
    if (isYamlMap(node) && typeof step === "string") {
      const pair = node.items.find((item) =>
        String((item.key as { value?: unknown } | null)?.value) === step
      );
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof step === "number") {
      node = node.items[step];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  if (offset === undefined) return undefined;
  const position = lineCounter.linePos(offset);
  return { line: position.line, column: position.col };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}
