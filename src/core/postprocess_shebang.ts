/**
 * The `--shebang=multiline` pass of `build-postprocess` (HASHDIST.md §7.5): a Python script whose
 * interpreter lies in the build store gets a polyglot sh header that finds the interpreter of
 * the profile it runs from. Rewrites the one file it is given, in place.
 */
import { Buffer } from "node:buffer";
import { packShScript, splitLinesKeepEnds } from "./postprocess_sh_script.ts";
import { realPathLoose } from "./postprocess_passes.ts";

const SPACE = "[ \\t\\n\\r\\f\\v]";
const INTERPRETER = new RegExp(`^#!${SPACE}*([^ \\t\\n\\r\\f\\v]+)${SPACE}+`);
// A module docstring with a prefix letter; plain `"""` is not matched (Q18, copied).
const DOCSTRING = new RegExp(`^${SPACE}*[ubrUBR]+('''|""")[^\\n]*\\n?$`);
const BLANK_OR_COMMENT = new RegExp(`^${SPACE}*(#[^\\n]*)?\\n?$`);

/** The launcher script before packing, with its three `%(…)s` slots filled. */
function launcherScript(interpreter: string, argAssign: string, argExpr: string): string {
  return `i="${interpreter}" # interpreter base-name
${argAssign} # may be 'arg=...' if there is an argument
if [ "$HDIST_IN_BUILD" = "yes" ] ; then exec "$i" "$0"${argExpr}"$@"; fi
o=\`pwd\`
p="$0"
while true; do
    test -L "$p"
    il=$? # is_link
    cd \`dirname "$p"\`
    pdir=\`pwd -P\`
    d="$pdir"
    while [ "$d" != / ]; do
        if [ -e "$d/artifact.json" ]; then
            if [ ! -e "$d/bin/$i" ]; then
                echo "Unable to locate needed $i in $p/bin"
                echo "HashDist profile $d has likely been corrupted, please try rebuilding."
                exit 127
            fi
            cd "$o" && exec "$d/bin/$i" "$0"${argExpr}"$@"
        fi
        cd ..
        d=\`pwd -P\`
    done
    cd "$pdir"
    if [ "$il" -ne 0 ]; then
        echo "No profile found."
        exit 127
    fi
    p=\`readlink $p\`
done
`;
}

/** The interpreter path of a first line such as `#!/p/bin/python -u\n`, if it has one. */
export function shebangInterpreter(firstLine: string): string | undefined {
  return INTERPRETER.exec(firstLine)?.[1];
}

/**
 * A Python script (byte string, one character per byte) with its `#!` line replaced by the
 * multiline shebang, and editor modelines added when missing.
 */
export function rewritePythonShebang(text: string): string {
  const [shebang, ...body] = splitLinesKeepEnds(text);
  for (const [i, line] of body.entries()) {
    if (DOCSTRING.test(line)) body[i] = `__doc__ = ${line}`;
    if (!BLANK_OR_COMMENT.test(line)) break;
  }
  const words = shebang.slice(2).split(new RegExp(`${SPACE}+`)).filter((word) => word !== "");
  const interpreter = words[0].slice(words[0].lastIndexOf("/") + 1);
  // D-6 (Q20 fixed): the original's `"$0""$arg""$@"` glued the argument onto `$0`.
  const [argAssign, argExpr] = words.length > 1
    ? [`arg="${words.slice(1).join(" ")}"`, ` "$arg" `]
    : [" ", " "];
  const lines = [
    "#!/bin/sh\n",
    `"true" '''\\';${packShScript(launcherScript(interpreter, argAssign, argExpr))}\n`,
    "''' # end multi-line shebang, see hashdist.core.build_tools\n",
    ...body,
  ];
  if (!lines.some((line) => line.includes("-*-"))) {
    lines.splice(1, 0, "# -*- mode: python -*-\n");
  }
  if (!lines.some((line) => line.includes(" vi:"))) {
    // Q19 fixed: the original glued the modeline onto a last line without a newline.
    const last = lines.length - 1;
    if (!lines[last].endsWith("\n")) lines[last] += "\n";
    lines.push("# vi: filetype=python\n");
  }
  return lines.join("");
}

/**
 * `--shebang=multiline`: rewrites an executable regular file whose `#!` interpreter is an
 * absolute path into `storeRoot` (after resolving symlinks) and mentions `python`. Other
 * scripts (`/usr/bin/env python`, `/bin/sh`) stay as they are.
 */
export async function multilineShebangPass(path: string, storeRoot: string): Promise<void> {
  const info = await Deno.lstat(path);
  if (!info.isFile || (info.mode! & 0o111) === 0) return;
  const text = Buffer.from(await Deno.readFile(path)).toString("latin1");
  if (!text.startsWith("#!")) return;
  const firstLine = splitLinesKeepEnds(text)[0];
  const interpreter = shebangInterpreter(firstLine);
  if (interpreter === undefined || !interpreter.startsWith("/")) return;
  const real = await realPathLoose(Buffer.from(interpreter, "latin1").toString("utf8"));
  const realRoot = await realPathLoose(storeRoot);
  // A plain string prefix, as the original's `is_path_in_build_store`.
  if (!real.startsWith(storeRoot) && !real.startsWith(realRoot)) return;
  if (!firstLine.includes("python")) return;
  await Deno.writeFile(path, Buffer.from(rewritePythonShebang(text), "latin1"));
}
