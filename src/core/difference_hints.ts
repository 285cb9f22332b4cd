/**
 * One-line guesses at why two builds of a file differ, from the bytes around the first
 * difference: an embedded date or time, the build folder's path, a different member order in an
 * archive, a random name. Pure.
 */

/** What a hint may know about the builds besides the two files. */
export interface DifferenceHintContext {
  /** Folders whose paths in a file mean "the build folder's path" (build folders, build temp). */
  buildPaths?: readonly string[];
}

/** The hints, as printed. */
export const HINTS = {
  date: "an embedded date or time: make the build use SOURCE_DATE_EPOCH instead of the clock",
  buildPath: "the build folder's path is embedded (it differs between the builds)",
  archiveOrder: "a different file order in an archive: sort the members when archiving",
  archiveTimes: "archive member times or owners differ: archive deterministically (ar D, " +
    "tar --mtime=@$SOURCE_DATE_EPOCH --sort=name)",
  random: "a random name (a temporary file's name or a random id) is embedded",
} as const;

/** Why `stored` and `rebuilt` (two builds of one file) differ, when it can be told. */
export function hintForContents(
  stored: Uint8Array,
  rebuilt: Uint8Array,
  context: DifferenceHintContext = {},
): string | undefined {
  const archive = archiveHint(stored, rebuilt);
  if (archive !== undefined) return archive;
  const [a, b] = differingLines(stored, rebuilt);
  if (DATE_PATTERNS.some((pattern) => pattern.test(a) && pattern.test(b))) return HINTS.date;
  for (const path of context.buildPaths ?? []) {
    if (path !== "" && (a.includes(path) || b.includes(path))) return HINTS.buildPath;
  }
  if (sameMultiset(stored, rebuilt)) return HINTS.archiveOrder;
  const [tokenA, tokenB] = differingTokens(a, b);
  if (looksRandom(tokenA) && looksRandom(tokenB)) return HINTS.random;
  return undefined;
}

const DATE_PATTERNS = [
  /\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b/,
  /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b/,
  /\b(19|20)\d\d-[01]\d-[0-3]\d/,
  /\b[0-2]\d:[0-5]\d:[0-5]\d\b/,
  // Seconds since the epoch in this century's range (2001–2033).
  /\b1[0-9]\d{8}\b/,
];

// The lines (between newlines or NULs) holding the first difference, as Latin-1 text.
function differingLines(a: Uint8Array, b: Uint8Array): [string, string] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  return [lineAround(a, start), lineAround(b, start)];
}

function lineAround(bytes: Uint8Array, index: number): string {
  const isEnd = (byte: number) => byte === 0x0a || byte === 0x00;
  let from = Math.min(index, bytes.length);
  while (from > 0 && index - from < 200 && !isEnd(bytes[from - 1])) from--;
  let to = Math.min(index, bytes.length);
  while (to < bytes.length && to - index < 200 && !isEnd(bytes[to])) to++;
  return latin1(bytes.subarray(from, to));
}

// The first differing word of two lines: from the last delimiter before the difference to the
// next one after it.
function differingTokens(a: string, b: string): [string, string] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  const isWord = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
  while (start > 0 && isWord(a[start - 1])) start--;
  const tokenAt = (line: string) => {
    let end = start;
    while (end < line.length && isWord(line[end])) end++;
    return line.slice(start, end);
  };
  return [tokenAt(a), tokenAt(b)];
}

// A word such as `tmpXk3p9Q`, `cc8FfA2b`, a hex id: mixes letters and digits, or mixed case,
// and is long enough not to be a word.
function looksRandom(token: string): boolean {
  if (token.length < 6) return false;
  const digits = /\d/.test(token);
  const letters = /[A-Za-z]/.test(token);
  const mixedCase = /[a-z]/.test(token) && /[A-Z]/.test(token);
  return (digits && letters) || mixedCase || /^[0-9a-f]{8,}$/.test(token);
}

function sameMultiset(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const counts = new Int32Array(256);
  for (const byte of a) counts[byte]++;
  for (const byte of b) counts[byte]--;
  return counts.every((count) => count === 0);
}

// Static libraries (`ar`): the member names, and their headers' times, uids and gids.
function archiveHint(a: Uint8Array, b: Uint8Array): string | undefined {
  const left = arMembers(a);
  const right = arMembers(b);
  if (left === undefined || right === undefined) return undefined;
  const names = (members: ArMember[]) => members.map((member) => member.name);
  if (names(left).join("/") !== names(right).join("/")) {
    const sorted = (members: ArMember[]) => names(members).sort().join("/");
    return sorted(left) === sorted(right) ? HINTS.archiveOrder : undefined;
  }
  const stamp = (member: ArMember) => member.stamp;
  if (left.map(stamp).join("/") !== right.map(stamp).join("/")) return HINTS.archiveTimes;
  return undefined;
}

interface ArMember {
  name: string;
  /** The header's mtime, uid and gid fields. */
  stamp: string;
}

function arMembers(bytes: Uint8Array): ArMember[] | undefined {
  if (latin1(bytes.subarray(0, 8)) !== "!<arch>\n") return undefined;
  const members: ArMember[] = [];
  let offset = 8;
  while (offset + 60 <= bytes.length) {
    const header = latin1(bytes.subarray(offset, offset + 60));
    const size = Number(header.slice(48, 58).trim());
    if (!Number.isInteger(size) || header.slice(58, 60) !== "`\n") return undefined;
    members.push({ name: header.slice(0, 16).trim(), stamp: header.slice(16, 40) });
    offset += 60 + size + (size % 2);
  }
  return members;
}

function latin1(bytes: Uint8Array): string {
  return new TextDecoder("latin1").decode(bytes);
}
