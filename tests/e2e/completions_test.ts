import assert from "node:assert/strict";
import { join } from "node:path";
import { denoDir, HIT, makeTempDir, runCli } from "./_run_cli.ts";

/** Every command name of `hit --help`, read from its command list. */
async function commandNames(cwd: string): Promise<string[]> {
  const help = await runCli(["--help"], { cwd });
  const list = help.stdout.split("\ncommands:\n")[1].split("\n\n")[0];
  return list.split("\n").map((line) => line.trim().split(/\s+/)[0]);
}

/** Every alias `hit --help` shows, as "(alias NAME)". */
async function aliasNames(cwd: string): Promise<string[]> {
  const help = await runCli(["--help"], { cwd });
  const list = help.stdout.split("\ncommands:\n")[1].split("\n\n")[0];
  return [...list.matchAll(/\(alias ([^)]+)\)/g)].flatMap((match) => match[1].split(", "));
}

/**
 * Writes `stack.yaml` (packages alpha and beta) and `bin/hit` (running this `hit`, as the
 * scripts call `hit` from PATH) into `dir`.
 */
async function writeStack(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "pkgs"));
  await Deno.writeTextFile(
    join(dir, "stack.yaml"),
    "package_dirs: [pkgs]\nparameters: {BASH: /bin/bash}\npackages:\n  alpha:\n  beta:\n",
  );
  await Deno.writeTextFile(join(dir, "pkgs", "alpha.yaml"), "build_stages: []\n");
  await Deno.writeTextFile(
    join(dir, "pkgs", "beta.yaml"),
    "dependencies: {build: [alpha]}\nbuild_stages: []\n",
  );
  await Deno.mkdir(join(dir, "bin"));
  await Deno.writeTextFile(join(dir, "bin", "hit"), `#!/bin/sh\nexec "$HIT" "$@"\n`, {
    mode: 0o755,
  });
}

/** The environment of a shell in `cwd`: `cwd/bin` first on PATH, a home of its own. */
function shellEnv(cwd: string): Record<string, string> {
  return {
    HIT,
    PATH: `${join(cwd, "bin")}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    HOME: join(cwd, ".home"),
    HIT_HOME: join(cwd, ".home", ".hit"),
    DENO_DIR: denoDir(),
  };
}

/** Runs a bash script that has loaded `hit completions bash` through `source <(...)`. */
async function bashWithCompletions(script: string, cwd: string): Promise<string> {
  const output = await new Deno.Command("bash", {
    args: ["-c", `source <("$HIT" completions bash) || exit 9\n${script}`],
    cwd,
    clearEnv: true,
    env: shellEnv(cwd),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  assert.equal(stderr, "");
  return new TextDecoder().decode(output.stdout);
}

// Completes the words of `line` (a trailing space starts an empty word) and prints COMPREPLY.
const COMPLETE = `complete_line() {
  read -ra COMP_WORDS <<<"$1"
  [[ $1 == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _hit
  echo "\${COMPREPLY[*]}"
}
`;

Deno.test("hit completions bash defines _hit for complete -F and lists every command", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["completions", "bash"], { cwd: dir.path });
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  const names = await commandNames(dir.path);
  assert.ok(names.includes("skeleton-pypi") && names.includes("completions"));
  for (const name of names) assert.match(result.stdout, new RegExp(`\\b${name}\\b`), name);
  const out = await bashWithCompletions(
    `${COMPLETE}declare -F _hit\ncomplete -p hit\ncomplete_line "hit "`,
    dir.path,
  );
  const [declared, registered, all] = out.trimEnd().split("\n");
  assert.equal(declared, "_hit");
  assert.equal(registered, "complete -o bashdefault -o default -F _hit hit");
  assert.deepEqual(all.split(" ").sort(), [...names, ...await aliasNames(dir.path)].sort());
});

Deno.test("the bash completion completes commands, global options and each command's options", async () => {
  await using dir = await makeTempDir();
  const lines = [
    "hit sk",
    "hit --config c.yaml gr",
    "hit -",
    "hit why --j",
    "hit skeleton-pypi --o",
    "hit show deps x -",
    "hit help wh",
    "hit why -p ",
  ];
  const out = await bashWithCompletions(
    COMPLETE + lines.map((line) => `complete_line "${line}"`).join("\n"),
    dir.path,
  );
  assert.deepEqual(out.split("\n").slice(0, lines.length), [
    "skeleton-pypi",
    "graph",
    "--config --help -h --version -V",
    "--json",
    "--output --overwrite-existing",
    "--profile -p --json --help -h",
    "why",
    "",
  ]);
});

Deno.test("the bash completion completes option values, verbs, show subjects and package names", async () => {
  await using dir = await makeTempDir();
  await writeStack(dir.path);
  const lines = [
    "hit build --sandbox ",
    "hit --config c.yaml build --executor s",
    "hit graph --format ",
    "hit load x --shell f",
    "hit show ",
    "hit mirror ",
    "hit remote ",
    "hit config ",
    "hit key ",
    "hit why -p stack.yaml ",
    "hit show deps --profile=stack.yaml b",
    "hit build stack.yaml --package ",
    "hit why -p stack.yaml alpha ",
  ];
  const out = await bashWithCompletions(
    COMPLETE + lines.map((line) => `complete_line "${line}"`).join("\n"),
    dir.path,
  );
  assert.deepEqual(out.split("\n").slice(0, lines.length), [
    "auto bwrap landlock none",
    "slurm",
    "dot mermaid",
    "fish",
    "script buildspec imports links postprocess deps provenance",
    "export verify import",
    "add list rm",
    "path list get set",
    "generate",
    "alpha beta",
    "beta",
    "alpha beta",
    "",
  ]);
});

Deno.test("hit completions zsh prints a #compdef function with every command and its options", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["completions", "zsh"], { cwd: dir.path });
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.ok(result.stdout.startsWith("#compdef hit\n"));
  for (const name of await commandNames(dir.path)) {
    assert.match(result.stdout, new RegExp(`^ {4}'${name}:`, "m"), name);
    assert.match(result.stdout, new RegExp(`^ {8}\\(${name}(\\|[a-z-]+)*\\)$`, "m"), name);
  }
  assert.match(result.stdout, /'\(-p --profile\)'\{-p,--profile\}'\[the profile/);
  assert.match(result.stdout, /'--overwrite-existing\[replace an existing NAME\.yaml\]'/);
});

const HAS_ZSH = (await new Deno.Command("sh", { args: ["-c", "command -v zsh"] }).output())
  .success;

Deno.test({
  name: "the zsh completion parses and registers _hit for hit under compinit",
  ignore: !HAS_ZSH,
  async fn() {
    await using dir = await makeTempDir();
    const script = join(dir.path, "_hit");
    const result = await runCli(["completions", "zsh"], { cwd: dir.path });
    await Deno.writeTextFile(script, result.stdout);
    const output = await new Deno.Command("zsh", {
      args: [
        "-fc",
        `autoload -U compinit && compinit -u -d ${dir.path}/zcompdump && source ${script} && ` +
        `print -r -- $_comps[hit] && whence -w _hit`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(output.stderr), "");
    assert.equal(new TextDecoder().decode(output.stdout), "_hit\n_hit: function\n");
    assert.equal(output.code, 0);
  },
});

Deno.test({
  name: "the zsh completion asks hit for option values, verbs and package names, else files",
  ignore: !HAS_ZSH,
  async fn() {
    await using dir = await makeTempDir();
    await writeStack(dir.path);
    const script = join(dir.path, "_hit");
    await Deno.writeTextFile(
      script,
      (await runCli(["completions", "zsh"], { cwd: dir.path })).stdout,
    );
    // Outside a completion widget compadd and _files cannot run: these print what they got.
    const calls = [
      "words=(why -p stack.yaml ''); CURRENT=4; _hit_words",
      "words=(build --sandbox ''); CURRENT=3; _hit_words",
      "words=(mirror ''); CURRENT=2; _hit_words",
      "words=(status ''); CURRENT=2; _hit_words",
    ];
    const output = await new Deno.Command("zsh", {
      args: [
        "-fc",
        `autoload -U compinit && compinit -u -d ${dir.path}/zcompdump && source ${script} && ` +
        `compadd() { [[ $1 == -a ]] && print -r -- \${(P)2}; }; _files() { print -r -- FILES; }; ` +
        calls.join("; "),
      ],
      cwd: dir.path,
      clearEnv: true,
      env: shellEnv(dir.path),
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(output.stderr), "");
    assert.deepEqual(new TextDecoder().decode(output.stdout).split("\n"), [
      "alpha beta",
      "auto bwrap landlock none",
      "export verify import",
      "FILES",
      "",
    ]);
    assert.equal(output.code, 0);
  },
});

Deno.test("the fish completion completes option values, verbs and package names", async () => {
  await using dir = await makeTempDir();
  await writeStack(dir.path);
  const script = await runCli(["completions", "fish"], { cwd: dir.path });
  await Deno.writeTextFile(join(dir.path, "hit.fish"), script.stdout);
  const lines = ["hit why -p stack.yaml ", "hit build --sandbox ", "hit show ", "hit key "];
  const fish = await new Deno.Command("fish", {
    args: [
      "-c",
      `source hit.fish; ${lines.map((line) => `complete -C '${line}'; echo ==`).join("; ")}`,
    ],
    cwd: dir.path,
    clearEnv: true,
    env: shellEnv(dir.path),
    stdout: "piped",
    stderr: "piped",
  }).output().catch(() => undefined);
  if (fish === undefined) {
    console.log("skipped: fish is not installed");
    return;
  }
  assert.equal(new TextDecoder().decode(fish.stderr), "");
  // Files stay completable: the words hit gave are the rest (an option's carry its description).
  const groups = new TextDecoder().decode(fish.stdout).split("==\n").map((group) =>
    group.split("\n").map((line) => line.split("\t")[0]).filter((line) =>
      line !== "" && !/^(bin|pkgs|stack\.yaml|hit\.fish)/.test(line)
    )
      .sort()
  );
  assert.deepEqual(groups.slice(0, lines.length), [
    ["alpha", "beta"],
    ["auto", "bwrap", "landlock", "none"],
    ["buildspec", "deps", "imports", "links", "postprocess", "provenance", "script"],
    ["generate"],
  ]);
});

Deno.test("the fish completion completes commands with summaries and each command's options", async () => {
  await using dir = await makeTempDir();
  const script = await runCli(["completions", "fish"], { cwd: dir.path });
  assert.equal(script.code, 0, script.stderr);
  const file = join(dir.path, "hit.fish");
  await Deno.writeTextFile(file, script.stdout);
  const fish = await new Deno.Command("fish", {
    args: ["-c", `source ${file}; complete -C 'hit bui'; complete -C 'hit status --js'`],
  }).output().catch(() => undefined);
  if (fish === undefined) {
    console.log("skipped: fish is not installed");
    return;
  }
  const out = new TextDecoder().decode(fish.stdout);
  assert.match(out, /^build\tbuild the packages of a profile and link the profile$/m);
  assert.match(out, /^--json\tprint a JSON list of \{name, artifact_id, built, sandbox\}$/m);
});

Deno.test("hit completions rejects a missing or unknown shell with exit 2", async () => {
  await using dir = await makeTempDir();
  assert.deepEqual(await runCli(["completions", "tcsh"], { cwd: dir.path }), {
    code: 2,
    stdout: "",
    stderr: `error: completions: unknown shell "tcsh"\nhint: use bash or zsh or fish\n`,
  });
  assert.deepEqual(await runCli(["completions"], { cwd: dir.path }), {
    code: 2,
    stdout: "",
    stderr: `error: completions: missing the shell: bash or zsh or fish\n` +
      `hint: run "hit help completions" for its usage\n`,
  });
  const help = await runCli(["completions", "--help"], { cwd: dir.path });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^examples:\n {2}source <\(hit completions bash\)/m);
});
