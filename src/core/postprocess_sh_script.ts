/**
 * The `--relative-sh-script` pass of `build-postprocess` (HASHDIST.md §7.5) and the packing of
 * small sh scripts into one line, which the multiline shebang uses too. The pass rewrites the
 * one file it is given.
 */
import { Buffer } from "node:buffer";
import { dirname } from "node:path";
import { relativePath } from "./link_actions.ts";
import { isUnder, matchesAtStart, realPathLoose } from "./postprocess_passes.ts";

/**
 * Packs an sh script into one line: comments (text from the first `#`) and blank lines go,
 * lines ending in ` do` or ` then` get a space, all others a `;`.
 */
export function packShScript(script: string): string {
  return script.split(/\r\n|\r|\n/)
    .map((line) => stripSpace(line.split("#", 1)[0]))
    .filter((line) => line.length > 0)
    .map((line) => (line.endsWith(" do") || line.endsWith(" then") ? `${line} ` : `${line};`))
    .join("");
}

// Python's str.strip() on a byte string: ASCII whitespace only.
function stripSpace(text: string): string {
  return text.replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, "");
}

/** Splits text into lines that keep their `\n` (the last one may lack it). */
export function splitLinesKeepEnds(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The script that sets HASHDIST_ARTIFACT from `$0`, for a file `up` levels below it. */
function artifactFinder(up: string): string {
  return `o=\`pwd\`
p="$0"
while test -L "$p"; do  # while it is a link
    cd \`dirname "$p"\`
    cd \`pwd -P\`
    p=\`readlink "$p"\`
done
cd \`dirname "$p"\`/${up}
HASHDIST_ARTIFACT=\`pwd -P\`
cd "$o"
`;
}

/**
 * The text of a script rewritten to find its artifact at run time: the packed finder after
 * a `#!` line (glued to the next line, as the original does), and every `artifact` replaced
 * by `${HASHDIST_ARTIFACT}`. Text is a byte string (one character per byte).
 */
export function relocateShScript(text: string, options: { artifact: string; up: string }): string {
  const lines = splitLinesKeepEnds(text);
  if (lines.length === 0) return text;
  const keep = lines[0].startsWith("#!") ? 1 : 0;
  const finder = ["# Compute HASHDIST_ARTIFACT\n", packShScript(artifactFinder(options.up))];
  const rest = lines.slice(keep).map((line) =>
    line.split(options.artifact).join("${HASHDIST_ARTIFACT}")
  );
  return [...lines.slice(0, keep), ...finder, ...rest].join("");
}

/**
 * `--relative-sh-script`: rewrites a regular file whose path inside the artifact matches one
 * of `patterns` at its start. Files outside the artifact are left alone.
 */
export async function relativeShScriptPass(
  path: string,
  options: { artifact: string; patterns: readonly RegExp[] },
): Promise<void> {
  const info = await Deno.lstat(path);
  if (!info.isFile) return;
  const real = await realPathLoose(path);
  const realArtifact = await realPathLoose(options.artifact);
  if (!isUnder(real, realArtifact)) return;
  const inside = real.slice(realArtifact.length);
  if (!options.patterns.some((pattern) => matchesAtStart(pattern, inside))) return;
  const text = Buffer.from(await Deno.readFile(real)).toString("latin1");
  if (text.length === 0) return;
  const up = relativePath(dirname(real), realArtifact);
  const artifact = Buffer.from(options.artifact, "utf8").toString("latin1");
  await Deno.writeFile(real, Buffer.from(relocateShScript(text, { artifact, up }), "latin1"));
}
