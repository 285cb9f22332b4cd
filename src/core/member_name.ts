/**
 * How archive member names appear in messages: quoted, with control bytes, quotes and
 * backslashes escaped, so a hostile name (NUL, newline, terminal escapes) prints as one safe
 * token. Pure.
 */

const ESCAPES: Record<string, string> = {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  '"': '\\"',
  "\\": "\\\\",
};

/** `name` in double quotes, with control characters, `"` and `\` escaped. */
export function quoteName(name: string): string {
  let out = "";
  for (const char of name) {
    const code = char.codePointAt(0)!;
    if (ESCAPES[char] !== undefined) out += ESCAPES[char];
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      out += `\\x${code.toString(16).padStart(2, "0")}`;
    } else out += char;
  }
  return `"${out}"`;
}
