/**
 * "Did you mean …?" suggestions: the names closest to a mistyped one, for unknown packages,
 * commands and subjects. Pure.
 */

/**
 * Up to `limit` names of `candidates` close to `name`, ignoring case: within an edit distance of
 * a third of its length (at least 1), or starting with it; nearest first, then by name.
 */
export function closeNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const wanted = name.toLowerCase();
  const budget = Math.max(1, Math.floor(wanted.length / 3));
  const scored: { candidate: string; distance: number }[] = [];
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    const distance = editDistance(wanted, lower);
    if (distance <= budget || (wanted !== "" && lower.startsWith(wanted))) {
      scored.push({ candidate, distance });
    }
  }
  scored.sort((a, b) =>
    a.distance - b.distance || (a.candidate < b.candidate ? -1 : a.candidate > b.candidate ? 1 : 0)
  );
  return scored.slice(0, limit).map((entry) => entry.candidate);
}

/** The edit distance of `a` and `b`, an adjacent swap counting as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (let i = 0; i < rows; i++) d[i][0] = i;
  for (let j = 0; j < cols; j++) d[0][j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
