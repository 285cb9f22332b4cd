/**
 * What a shell completes for an argument that is not a command or option name: an option's
 * choices (`--sandbox auto|bwrap|...`), a command's verbs or subjects (`mirror export`,
 * `show deps`), or the package names of the profile named on the line (`-p PROFILE`, else the
 * positional profile, else `default.yaml`). The completion scripts of all three shells ask
 * `hit completions words WORD...` for these, so the rules live only here.
 */
import type { OptionSpec } from "./args.ts";
import { GLOBAL_OPTIONS } from "./global_args.ts";
import type { Command } from "./command.ts";
import { DEFAULT_PROFILE } from "./profile_option.ts";

/** Where the candidates come from: fixed words, or the packages of a profile. */
export type CompletionSource =
  | { kind: "words"; words: readonly string[] }
  | { kind: "packages"; profile: string };

function findOption(options: readonly OptionSpec[], word: string): OptionSpec | undefined {
  if (word.startsWith("--")) return options.find((option) => `--${option.name}` === word);
  if (/^-[^-]$/.test(word)) return options.find((option) => `-${option.short}` === word);
  return undefined;
}

/**
 * What to complete after `words` (the words after `hit`, before the one being completed);
 * `undefined` when nothing specific applies (the shell then completes file names).
 */
export function completionSource(
  commands: readonly Command[],
  words: readonly string[],
): CompletionSource | undefined {
  let start = 0;
  while (start < words.length && words[start].startsWith("-")) {
    const option = findOption(GLOBAL_OPTIONS, words[start]) ??
      (words[start] === "--config-file" ? GLOBAL_OPTIONS[0] : undefined);
    start += option?.value !== undefined ? 2 : 1;
  }
  const name = words[start];
  const command = commands.find((candidate) =>
    candidate.name === name || (candidate.aliases ?? []).includes(name ?? "")
  );
  if (command === undefined) return undefined;
  const positionals: string[] = [];
  let profile: string | undefined;
  let pending: OptionSpec | undefined;
  for (const word of words.slice(start + 1)) {
    if (pending !== undefined) {
      if (pending.name === "profile") profile = word;
      pending = undefined;
    } else if (word.startsWith("--profile=")) profile = word.slice("--profile=".length);
    else if (word.startsWith("-")) {
      const option = findOption(command.options, word);
      if (option?.value !== undefined) pending = option;
    } else if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) positionals.push(word);
  }
  const verbs = command.completion?.verbs ?? [];
  if (pending !== undefined) {
    if (pending.choices !== undefined) return { kind: "words", words: pending.choices };
    if (pending.name === "package") {
      return { kind: "packages", profile: profile ?? positionals[0] ?? DEFAULT_PROFILE };
    }
    return undefined;
  }
  if (verbs.length > 0 && positionals.length === 0) return { kind: "words", words: verbs };
  const packageAt = verbs.length > 0 ? 1 : 0;
  if (command.completion?.packages && positionals.length === packageAt) {
    return { kind: "packages", profile: profile ?? DEFAULT_PROFILE };
  }
  return undefined;
}
