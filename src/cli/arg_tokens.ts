/**
 * A command line split into tokens as `node:util`'s `parseArgs` splits it with `strict: false`,
 * `allowPositionals` and `tokens` (positionals, options with their values, `--`), without
 * loading `node:util`: with it, Deno's Node layer was a third of the start-up of `hit status`.
 * Pure.
 */

/** The options a command knows: long name → whether it takes a value, and its one letter. */
export type TokenOptions = Record<string, { type: "string" | "boolean"; short?: string }>;

/** One token of a command line. */
export type ArgToken =
  | { kind: "positional"; index: number; value: string }
  | { kind: "option-terminator"; index: number }
  | {
    kind: "option";
    index: number;
    /** The long name: `profile` for `-p` when `-p` is its letter, else what was written. */
    name: string;
    /** As written: `--profile` or `-p`. */
    rawName: string;
    value: string | undefined;
    /** Whether the value was in the same argument (`--profile=x`, `-px`). */
    inlineValue: boolean | undefined;
  };

/** Splits `args` into tokens; unknown options are kept, as flags, for the caller to refuse. */
export function tokenizeArgs(args: readonly string[], options: TokenOptions): ArgToken[] {
  const longOf = (letter: string) =>
    Object.keys(options).find((name) => options[name].short === letter) ?? letter;
  const takesValue = (name: string) =>
    Object.hasOwn(options, name) && options[name].type === "string";
  const tokens: ArgToken[] = [];
  let index = 0;
  const option = (name: string, rawName: string, value?: string, inline?: boolean) =>
    tokens.push({ kind: "option", index, name, rawName, value, inlineValue: inline });
  // An option that takes a value and has none in its argument takes the next one, if any.
  const withNext = (name: string, rawName: string) => {
    if (takesValue(name) && index + 1 < args.length) {
      option(name, rawName, args[index + 1], false);
      return 1;
    }
    option(name, rawName);
    return 0;
  };
  for (; index < args.length; index++) {
    const arg = args[index];
    if (arg === "--") {
      tokens.push({ kind: "option-terminator", index });
      for (let i = index + 1; i < args.length; i++) {
        tokens.push({ kind: "positional", index: i, value: args[i] });
      }
      break;
    }
    let skip = 0;
    if (arg.startsWith("--")) {
      // `--=x` is the option "=x": a value needs a name of a letter at least before the `=`.
      const equals = arg.indexOf("=", 3);
      if (equals >= 0) {
        option(arg.slice(2, equals), arg.slice(0, equals), arg.slice(equals + 1), true);
      } else skip = withNext(arg.slice(2), arg);
    } else if (arg.length >= 2 && arg.startsWith("-")) {
      const name = longOf(arg[1]);
      if (arg.length === 2) skip = withNext(name, arg);
      else if (takesValue(name)) option(name, arg.slice(0, 2), arg.slice(2), true);
      else {
        // A group of letters, `-abc`: each its own option; a letter that takes a value takes
        // the rest of the group, or when it is the last, the next argument.
        for (let i = 1; i < arg.length; i++) {
          const letter = longOf(arg[i]);
          if (takesValue(letter) && i < arg.length - 1) {
            option(letter, `-${arg[i]}`, arg.slice(i + 1), true);
            break;
          }
          if (i === arg.length - 1) skip = withNext(letter, `-${arg[i]}`);
          else option(letter, `-${arg[i]}`);
        }
      }
    } else {
      tokens.push({ kind: "positional", index, value: arg });
    }
    index += skip;
  }
  return tokens;
}
