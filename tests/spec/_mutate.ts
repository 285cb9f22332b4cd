/**
 * Seeded mutations of profile and package-spec YAML for the mutation fuzz test: a small PRNG
 * and one function per kind of damage a user can do to a file by hand. Test helper; pure.
 */

/** A seeded pseudo-random source (mulberry32), so every case replays from its seed. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An item of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/** A mulberry32 generator started at `seed`. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (items) => items[int(items.length)] };
}

/** The seed of case `index` of a run started with `runSeed`; a 32-bit integer. */
export function caseSeed(runSeed: number, index: number): number {
  return (createRng((runSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0).next() * 2 ** 32) >>> 0;
}

/** One mutation applied to a file: its kind, what exactly changed, and the new bytes. */
export interface Mutation {
  kind: MutationKind;
  description: string;
  bytes: Uint8Array;
}

/** The kinds of mutation, each a kind of damage to YAML text. */
export type MutationKind = keyof typeof MUTATORS;

interface Change {
  text?: string;
  bytes?: Uint8Array;
  description: string;
}

type Mutator = (text: string, rng: Rng) => Change | undefined;

/**
 * Applies one random applicable mutation to `text`. Kinds that do not apply to this text
 * (no key to rename, no `when` …) are skipped in favour of another.
 */
export function mutate(text: string, rng: Rng): Mutation {
  const kinds = Object.keys(MUTATORS) as MutationKind[];
  for (let attempt = 0; attempt < 20; attempt++) {
    const kind = rng.pick(kinds);
    const change = MUTATORS[kind](text, rng);
    if (change === undefined) continue;
    const bytes = change.bytes ?? new TextEncoder().encode(change.text ?? "");
    return { kind, description: change.description, bytes };
  }
  return { kind: "truncate", description: "truncate to nothing", bytes: new Uint8Array() };
}

const RENAMES: Record<string, string[]> = {
  extends: ["extend", "extends_", "Extends"],
  build_stages: ["build_stage", "buildstages", "stages"],
  dependencies: ["depends", "dependency", "deps"],
  build: ["built", "builds"],
  run: ["runs", "run_"],
  packages: ["package", "pkgs"],
  parameters: ["params", "parameter"],
  package_dirs: ["package_dir", "packagedirs"],
  hook_import_dirs: ["hook_import_dir"],
  sources: ["source", "src"],
  key: ["keys", "hash"],
  url: ["uri", "urls"],
  handler: ["handlers", "handle"],
  name: ["nam", "names"],
  before: ["befor", "before_"],
  after: ["aftr", "after_"],
  mode: ["mod", "modes"],
  when: ["wen", "when_"],
  use: ["uses", "using"],
  file: ["files", "path"],
  files: ["file", "filez"],
  bash: ["sh", "bash_"],
  defaults: ["default", "defaults_"],
  profile_links: ["profile_link", "links"],
  when_build_dependency: ["when_build_dependencies"],
  post_process: ["postprocess", "post_processes"],
  set: ["sets"],
  value: ["values", "val"],
  prepend_path: ["prepend_paths"],
  link: ["links"],
  exclude: ["excludes"],
  configure_flags: ["configure_flag"],
};

const WORDS = [
  "a",
  "x",
  "foo",
  "extends",
  "build_stages",
  "dependencies",
  "name",
  "mode",
  "when",
  "sources",
  "packages",
  "parameters",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "0",
  "-1",
  "true",
  "null",
  "~",
  "é",
  "when platform == 'linux'",
  "when ",
  "when",
  "{{name}}",
  "__",
  "",
];

const INLINE_VALUES = [
  "[a, b]",
  "[]",
  "[[x]]",
  "{k: v}",
  "{}",
  "{a: [b, {c: d}]}",
  "42",
  "-1",
  "3.5",
  "true",
  "false",
  "null",
  "''",
  "x",
  "[{}]",
  "[null]",
  "[1, 2]",
  "{when: x}",
  "{name: 1}",
];

const SPECIAL_SCALARS = [
  ".inf",
  "-.inf",
  ".nan",
  "1e400",
  "0x1F",
  "0o17",
  "2001-12-14",
  "2001-12-14t21:59:43.10-05:00",
  "!!binary aGVsbG8=",
  "!!set {a, b}",
  "!!omap [{a: 1}, {b: 2}]",
  "!!pairs [{a: 1}, {a: 2}]",
  "!!str 12",
  "!!int '7'",
  "!!float 1",
  "!!map {a: 1}",
  "!!seq [1]",
  "!!null ''",
  "!!python/object:os.system x",
  "!custom x",
  "*no_such_anchor",
  "&anchor x",
  "~",
  "-0.0",
  "1_000",
  "9007199254740993",
  "12345678901234567890123",
  "0.1",
  "'a' 'b'",
  "|\n  block",
  ">-\n  folded",
  '"\\u0000"',
  '"\\x00\\uD800"',
  "\u0000",
  "\uFEFF",
];

const SPECIAL_CHARS = [
  ":",
  "-",
  "[",
  "]",
  "{",
  "}",
  ",",
  '"',
  "'",
  "&",
  "*",
  "!",
  "|",
  ">",
  "%",
  "@",
  "`",
  "#",
  "?",
  "\n",
  "\t",
  " ",
  "\r",
  "é",
  "\u2028",
  "\u0085",
  "\uFFFD",
  "\u{1F600}",
  "\u0000",
  "\\",
];

const BAD_WHEN = [
  "platform ==",
  "(platform == 'linux'",
  "platform == 'linux')",
  "platform == 'linux' and",
  "and platform",
  "or",
  "not",
  "platform === 'linux'",
  "platform <> 'linux'",
  "platform = 'linux'",
  "platform ~= linux",
  "platform == 'linux",
  'platform == "linux',
  "platform == 'li\\'nux'",
  "'unterminated",
  "()",
  "( )",
  "platform in ['linux']",
  "platform.lower() == 'linux'",
  "platform[0]",
  "1 + 1",
  "1",
  "0",
  "-platform",
  "__import__('os')",
  "platform if True else False",
  "lambda: 0",
  "platform == 'linux' == 'linux'",
  "platform != != 'linux'",
  "not not not platform",
  "platfórm == 'linux'",
  "platform == 'linux' # comment",
  "platform\t== 'linux'",
  "'a' 'b'",
  "True == 1",
  "None",
  "",
  " ",
  "\\",
  "{{platform}}",
  "(".repeat(3000) + "platform" + ")".repeat(3000),
  "not ".repeat(3000) + "platform",
  Array.from({ length: 3000 }, (_, i) => `p${i}`).join(" and "),
];

const INSERTED_KEYS = [
  "extends",
  "when",
  "defaults",
  "sources",
  "github",
  "use",
  "skip",
  "files",
  "mode",
  "before",
  "after",
  "handler",
  "name",
  "dependencies",
  "build",
  "run",
  "build_stages",
  "profile_links",
  "post_process",
  "when_build_dependency",
  "package_dirs",
  "hook_import_dirs",
  "parameters",
  "packages",
  "file",
  "key",
  "url",
  "target",
  "link",
  "exclude",
  "set",
  "value",
  "prepend_path",
  "when platform == 'linux'",
];

const KEY_LINE = /^(\s*(?:- +)?)([A-Za-z_][\w.+-]*(?: [^:#]*)?):(?=\s|$)(.*)$/;

function lines(text: string): string[] {
  return text.split("\n");
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function keyLines(all: string[]): number[] {
  const out: number[] = [];
  all.forEach((line, i) => {
    if (KEY_LINE.test(line) && !line.trimStart().startsWith("#")) out.push(i);
  });
  return out;
}

/** The index after the block under key line `at`: deeper lines and same-indent list items. */
function blockEnd(all: string[], at: number): number {
  const match = KEY_LINE.exec(all[at])!;
  const keyIndent = match[1].length;
  let end = at + 1;
  while (end < all.length) {
    const line = all[end];
    if (line.trim() === "" || line.trimStart().startsWith("#")) {
      end++;
      continue;
    }
    const indent = indentOf(line);
    if (indent > keyIndent || (indent === keyIndent && line.trimStart().startsWith("- "))) {
      end++;
      continue;
    }
    break;
  }
  while (end > at + 1 && all[end - 1].trim() === "") end--;
  return end;
}

function insertAt(text: string, offset: number, piece: string): string {
  return text.slice(0, offset) + piece + text.slice(offset);
}

const MUTATORS = {
  truncate(text: string, rng: Rng): Change {
    const bytes = new TextEncoder().encode(text);
    const at = rng.int(bytes.length + 1);
    return { bytes: bytes.slice(0, at), description: `truncate at byte ${at} of ${bytes.length}` };
  },

  flipBytes(text: string, rng: Rng): Change | undefined {
    const bytes = new TextEncoder().encode(text);
    if (bytes.length === 0) return undefined;
    const count = 1 + rng.int(4);
    const changed: string[] = [];
    for (let i = 0; i < count; i++) {
      const at = rng.int(bytes.length);
      const value = rng.pick([rng.int(256), 0x80 + rng.int(64), 0xff, 0xc3, 0x00]);
      bytes[at] = value;
      changed.push(`byte ${at} = 0x${value.toString(16)}`);
    }
    return { bytes, description: `set ${changed.join(", ")}` };
  },

  replaceChars(text: string, rng: Rng): Change | undefined {
    if (text.length === 0) return undefined;
    let out = text;
    const changed: string[] = [];
    for (let i = 0, count = 1 + rng.int(3); i < count; i++) {
      const at = rng.int(out.length);
      const char = rng.pick(SPECIAL_CHARS);
      out = out.slice(0, at) + char + out.slice(at + 1);
      changed.push(`char ${at} = ${JSON.stringify(char)}`);
    }
    return { text: out, description: `replace ${changed.join(", ")}` };
  },

  renameKey(text: string, rng: Rng): Change | undefined {
    const all = lines(text);
    const keys = keyLines(all);
    if (keys.length === 0) return undefined;
    const known = keys.filter((i) => Object.hasOwn(RENAMES, KEY_LINE.exec(all[i])![2]));
    const at = known.length > 0 && rng.next() < 0.6 ? rng.pick(known) : rng.pick(keys);
    const [, prefix, key, rest] = KEY_LINE.exec(all[at])!;
    const renamed = Object.hasOwn(RENAMES, key) && rng.next() < 0.7
      ? rng.pick(RENAMES[key])
      : rng.pick(WORDS);
    all[at] = `${prefix}${renamed}:${rest}`;
    return {
      text: all.join("\n"),
      description: `rename key "${key}" to "${renamed}" at line ${at + 1}`,
    };
  },

  retypeValue(text: string, rng: Rng): Change | undefined {
    const all = lines(text);
    const keys = keyLines(all);
    const items = all.flatMap((line, i) => /^\s*- +\S/.test(line) ? [i] : []);
    if (keys.length + items.length === 0) return undefined;
    if (items.length > 0 && (keys.length === 0 || rng.next() < 0.2)) {
      const at = rng.pick(items);
      const value = rng.pick(INLINE_VALUES);
      const dash = /^(\s*- +)/.exec(all[at])![1];
      const end = blockEnd([`${" ".repeat(dash.length - 2)}x:`, ...all.slice(at + 1)], 0) + at;
      all.splice(at, end - at, `${dash}${value}`);
      return {
        text: all.join("\n"),
        description: `replace list item at line ${at + 1} by ${value}`,
      };
    }
    const at = rng.pick(keys);
    const [, prefix, key, rest] = KEY_LINE.exec(all[at])!;
    const end = blockEnd(all, at);
    const child = all.slice(at + 1, end).find((line) => line.trim() !== "")?.trimStart();
    // A list where a mapping belongs, and a mapping where a list belongs, most of the time.
    const value = child === undefined
      ? rng.pick(INLINE_VALUES)
      : child.startsWith("- ")
      ? rng.pick(["{a: b}", "{}", "x", "{k: [v]}", ...INLINE_VALUES])
      : rng.pick(["[a, b]", "[]", "x", "[{k: v}]", ...INLINE_VALUES]);
    all.splice(at, end - at, `${prefix}${key}: ${value}`);
    const was = rest.trim() === "" ? "its block" : JSON.stringify(rest.trim());
    return {
      text: all.join("\n"),
      description: `replace value of "${key}" at line ${at + 1} (${was}) by ${value}`,
    };
  },

  specialScalar(text: string, rng: Rng): Change | undefined {
    const all = lines(text);
    const keys = keyLines(all).filter((i) => KEY_LINE.exec(all[i])![3].trim() !== "");
    if (keys.length === 0) return undefined;
    const at = rng.pick(keys);
    const [, prefix, key] = KEY_LINE.exec(all[at])!;
    const value = rng.pick(SPECIAL_SCALARS);
    const indent = " ".repeat(prefix.length + 2);
    all[at] = `${prefix}${key}: ${value.replaceAll("\n", `\n${indent}`)}`;
    return {
      text: all.join("\n"),
      description: `set "${key}" at line ${at + 1} to ${JSON.stringify(value)}`,
    };
  },

  unquote(text: string, rng: Rng): Change | undefined {
    const quoted = [...text.matchAll(/(['"])([^'"\n]*)\1/g)];
    if (quoted.length === 0) return undefined;
    const match = rng.pick(quoted);
    const at = match.index!;
    return {
      text: text.slice(0, at) + match[2] + text.slice(at + match[0].length),
      description: `unquote ${match[0]} at offset ${at}`,
    };
  },

  openTemplate(text: string, rng: Rng): Change {
    const templates = [...text.matchAll(/\{\{[^}\n]*\}\}/g)];
    const choice = rng.int(4);
    if (choice === 0 && templates.length > 0) {
      const match = rng.pick(templates);
      const at = match.index! + match[0].length - 2;
      return {
        text: text.slice(0, at) + text.slice(at + 2),
        description: `remove "}}" of ${match[0]} at offset ${match.index}`,
      };
    }
    const piece = rng.pick(["{{", "{{pyver", "}}", "{{}}", "{{ pyver }}", "{{{{x}}}}", "{{\n}}"]);
    const at = rng.int(text.length + 1);
    return { text: insertAt(text, at, piece), description: `insert "${piece}" at offset ${at}` };
  },

  garbleWhen(text: string, rng: Rng): Change {
    const all = lines(text);
    const spots = all.flatMap((line, i) =>
      /^\s*(?:- +)?when( .*:|:.*)\s*$/.test(line) && !line.trimStart().startsWith("#") ? [i] : []
    );
    const bad = rng.pick(BAD_WHEN);
    const shown = bad.length > 60 ? `${bad.slice(0, 40)}… (${bad.length} chars)` : bad;
    if (spots.length === 0) {
      const line = rng.int(2) === 0 ? `when: ${JSON.stringify(bad)}` : `"when ${bad}":\n  x: 1`;
      return { text: `${line}\n${text}`, description: `add top-level ${JSON.stringify(shown)}` };
    }
    const at = rng.pick(spots);
    const line = all[at];
    const keyForm = /^(\s*(?:- +)?)when (.*):\s*$/.exec(line);
    if (rng.int(3) === 0) {
      // Damage the expression in place: one character removed or inserted.
      const start = line.indexOf("when") + 5;
      const pos = start + rng.int(Math.max(1, line.length - start));
      const char = rng.pick(["(", ")", "'", '"', "=", "!", "<", "&", "|", "."]);
      all[at] = rng.int(2) === 0
        ? line.slice(0, pos) + line.slice(pos + 1)
        : line.slice(0, pos) + char + line.slice(pos);
      return { text: all.join("\n"), description: `damage "when" at line ${at + 1}` };
    }
    all[at] = keyForm
      ? `${keyForm[1]}${JSON.stringify(`when ${bad}`)}:`
      : line.replace(/when:.*$/, `when: ${JSON.stringify(bad)}`);
    return {
      text: all.join("\n"),
      description: `replace "when" at line ${at + 1} by ${JSON.stringify(shown)}`,
    };
  },

  duplicateKey(text: string, rng: Rng): Change | undefined {
    const all = lines(text);
    const keys = keyLines(all);
    if (keys.length === 0) return undefined;
    const at = rng.pick(keys);
    const [, prefix, key] = KEY_LINE.exec(all[at])!;
    const end = blockEnd(all, at);
    const copy = all.slice(at, end);
    copy[0] = " ".repeat(prefix.length) + copy[0].slice(prefix.length);
    all.splice(end, 0, ...copy);
    return { text: all.join("\n"), description: `duplicate key "${key}" of line ${at + 1}` };
  },

  reindent(text: string, rng: Rng): Change | undefined {
    const all = lines(text);
    const filled = all.flatMap((line, i) => line.trim() === "" ? [] : [i]);
    if (filled.length === 0) return undefined;
    const at = rng.pick(filled);
    const indent = indentOf(all[at]);
    const delta = rng.pick([-4, -2, -1, 1, 2, 3, 4]);
    const next = Math.max(0, indent + delta);
    all[at] = " ".repeat(next) + all[at].slice(indent);
    return {
      text: all.join("\n"),
      description: `indent line ${at + 1} by ${next} instead of ${indent}`,
    };
  },

  insertTab(text: string, rng: Rng): Change {
    const all = lines(text);
    const at = rng.int(all.length);
    const where = rng.int(3);
    const line = all[at];
    const pos = where === 0 ? 0 : where === 1 ? indentOf(line) : rng.int(line.length + 1);
    all[at] = insertAt(line, pos, "\t");
    return {
      text: all.join("\n"),
      description: `insert a tab at line ${at + 1} column ${pos + 1}`,
    };
  },

  deleteLine(text: string, rng: Rng): Change | undefined {
    const all = lines(text);
    if (all.length < 2) return undefined;
    const at = rng.int(all.length);
    all.splice(at, 1);
    return { text: all.join("\n"), description: `delete line ${at + 1}` };
  },

  deepNesting(text: string, rng: Rng): Change | undefined {
    const all = lines(text);
    const keys = keyLines(all);
    if (keys.length === 0) return undefined;
    const at = rng.pick(keys);
    const [, prefix, key] = KEY_LINE.exec(all[at])!;
    const depth = rng.pick([50, 300, 1000, 5000]);
    const value = rng.int(2) === 0
      ? "[".repeat(depth) + "x" + "]".repeat(depth)
      : "{a: ".repeat(depth) + "x" + "}".repeat(depth);
    all.splice(at, blockEnd(all, at) - at, `${prefix}${key}: ${value}`);
    return {
      text: all.join("\n"),
      description: `nest the value of "${key}" at line ${at + 1} ${depth} deep`,
    };
  },

  insertKey(text: string, rng: Rng): Change | undefined {
    const all = lines(text);
    const keys = keyLines(all);
    if (keys.length === 0) return undefined;
    const at = rng.pick(keys);
    const indent = KEY_LINE.exec(all[at])![1].length;
    const key = rng.pick(INSERTED_KEYS);
    const value = rng.pick([...INLINE_VALUES, ...SPECIAL_SCALARS.slice(0, 12)]);
    all.splice(blockEnd(all, at), 0, `${" ".repeat(indent)}${key}: ${value}`);
    return {
      text: all.join("\n"),
      description: `insert "${key}: ${value}" after the block of line ${at + 1}`,
    };
  },

  aliasValue(text: string, rng: Rng): Change | undefined {
    const all = lines(text);
    const keys = keyLines(all);
    if (keys.length < 2) return undefined;
    const first = rng.int(keys.length - 1);
    const a = keys[first];
    const b = keys[first + 1 + rng.int(keys.length - first - 1)];
    const [, prefixA, keyA, restA] = KEY_LINE.exec(all[a])!;
    const [, prefixB, keyB] = KEY_LINE.exec(all[b])!;
    const endB = blockEnd(all, b);
    all.splice(b, endB - b, `${prefixB}${keyB}: *fuzz`);
    all[a] = `${prefixA}${keyA}: &fuzz${restA.trim() === "" ? "" : ` ${restA.trim()}`}`;
    return {
      text: all.join("\n"),
      description: `alias "${keyB}" (line ${b + 1}) to the value of "${keyA}" (line ${a + 1})`,
    };
  },
};
