import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import {
  buildPostprocess,
  NO_POSTPROCESS_FLAGS,
  type PostprocessFlags,
} from "../../src/core/postprocess.ts";
import { packShScript, relocateShScript } from "../../src/core/postprocess_sh_script.ts";
import { rewritePythonShebang, shebangInterpreter } from "../../src/core/postprocess_shebang.ts";
import { HitError } from "../../src/errors.ts";

// The complete multiline-shebang output of HASHDIST.md §7.5 ("<store>/alpha/x/bin/python").
const MULTILINE_VECTOR =
  '#!/bin/sh\n# -*- mode: python -*-\n"true" \'\'\'\\\';i="python";if [ "$HDIST_IN_BUILD" = "yes" ] ; then exec "$i" "$0" "$@"; fi;o=`pwd`;p="$0";while true; do test -L "$p";il=$?;cd `dirname "$p"`;pdir=`pwd -P`;d="$pdir";while [ "$d" != / ]; do if [ -e "$d/artifact.json" ]; then if [ ! -e "$d/bin/$i" ]; then echo "Unable to locate needed $i in $p/bin";echo "HashDist profile $d has likely been corrupted, please try rebuilding.";exit 127;fi;cd "$o" && exec "$d/bin/$i" "$0" "$@";fi;cd ..;d=`pwd -P`;done;cd "$pdir";if [ "$il" -ne 0 ]; then echo "No profile found.";exit 127;fi;p=`readlink $p`;done;\n\'\'\' # end multi-line shebang, see hashdist.core.build_tools\n# comment\n__doc__ = u"""doc"""\nprint 1\n# vi: filetype=python\n';

// The relative-sh-script output of HASHDIST.md §7.5 for `bin/alpha-config`.
const SH_SCRIPT_VECTOR =
  '#!/bin/sh\n# Compute HASHDIST_ARTIFACT\no=`pwd`;p="$0";while test -L "$p"; do cd `dirname "$p"`;cd `pwd -P`;p=`readlink "$p"`;done;cd `dirname "$p"`/..;HASHDIST_ARTIFACT=`pwd -P`;cd "$o";echo prefix=${HASHDIST_ARTIFACT}\n';

/** A temporary store `<tmp>/store` holding the artifact `<store>/alpha/abc`. */
interface Store extends AsyncDisposable {
  root: string;
  artifact: string;
}

async function tempStore(name = "alpha"): Promise<Store> {
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "hit-postprocess-" }));
  const root = join(tmp, "store");
  const artifact = join(root, name, "abc");
  await Deno.mkdir(artifact, { recursive: true });
  return {
    root,
    artifact,
    async [Symbol.asyncDispose]() {
      await makeWritable(tmp);
      await Deno.remove(tmp, { recursive: true });
    },
  };
}

// Undoes --write-protect so the folder can be removed by a user other than root.
async function makeWritable(path: string): Promise<void> {
  const info = await Deno.lstat(path);
  if (info.isSymlink) return;
  await Deno.chmod(path, (info.mode! & 0o7777) | 0o200);
  if (!info.isDirectory) return;
  for await (const entry of Deno.readDir(path)) await makeWritable(join(path, entry.name));
}

async function write(path: string, text: string, mode = 0o644): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, mode);
}

function flags(changes: Partial<PostprocessFlags>): PostprocessFlags {
  return { ...NO_POSTPROCESS_FLAGS, ...changes };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("packShScript() gives the packing vector of HASHDIST.md §7.5", () => {
  assert.equal(
    packShScript("a=1 # c\n  if x; then\n  # only comment\n  y\n fi\nwhile z; do\n"),
    "a=1;if x; then y;fi;while z; do ",
  );
});

Deno.test("shebangInterpreter() needs whitespace after the interpreter", () => {
  assert.equal(shebangInterpreter("#!/x/bin/python\n"), "/x/bin/python");
  assert.equal(shebangInterpreter("#! /x/bin/python -u\n"), "/x/bin/python");
  assert.equal(shebangInterpreter("#!/x"), undefined);
});

Deno.test("rewritePythonShebang() gives the complete output of HASHDIST.md §7.5", () => {
  const script = '#!/s/alpha/x/bin/python\n# comment\nu"""doc"""\nprint 1\n';
  assert.equal(rewritePythonShebang(script), MULTILINE_VECTOR);
});

Deno.test("rewritePythonShebang() passes an interpreter argument as its own word (D-6)", () => {
  const result = rewritePythonShebang("#!/s/py/x/bin/python2.7 -u\nprint 1\n");
  const packed = result.split("\n")[2];
  assert.ok(packed.startsWith(`"true" '''\\';i="python2.7";arg="-u";if `), packed);
  const execs = packed.match(/exec "[^;]*"\$@"/g) ?? [];
  assert.deepEqual(execs, [
    'exec "$i" "$0" "$arg" "$@"',
    'exec "$d/bin/$i" "$0" "$arg" "$@"',
  ]);
});

Deno.test("rewritePythonShebang() keeps plain docstrings (Q18) and modelines present", () => {
  const script =
    '#!/s/py/x/bin/python\n\n"""doc"""\n# vi: set ft=python\n# -*- coding: utf-8 -*-\n';
  const lines = rewritePythonShebang(script).split("\n");
  assert.equal(
    lines[1],
    `"true" '''\\';i="python";if [ "$HDIST_IN_BUILD" = "yes" ] ; then ` +
      `exec "$i" "$0" "$@"; fi;o=\`pwd\`;p="$0";while true; do test -L "$p";il=$?;cd ` +
      `\`dirname "$p"\`;pdir=\`pwd -P\`;d="$pdir";while [ "$d" != / ]; do if [ -e ` +
      `"$d/artifact.json" ]; then if [ ! -e "$d/bin/$i" ]; then echo "Unable to locate needed ` +
      `$i in $p/bin";echo "HashDist profile $d has likely been corrupted, please try ` +
      `rebuilding.";exit 127;fi;cd "$o" && exec "$d/bin/$i" "$0" "$@";fi;cd ..;d=\`pwd -P\`;` +
      `done;cd "$pdir";if [ "$il" -ne 0 ]; then echo "No profile found.";exit 127;fi;p=` +
      `\`readlink $p\`;done;`,
  );
  assert.deepEqual(lines.slice(3), [
    "",
    '"""doc"""',
    "# vi: set ft=python",
    "# -*- coding: utf-8 -*-",
    "",
  ]);
});

Deno.test("rewritePythonShebang() ends a last line without newline before the modeline (Q19)", () => {
  const result = rewritePythonShebang("#!/s/py/x/bin/python\nprint 1");
  assert.ok(result.endsWith("\nprint 1\n# vi: filetype=python\n"), result);
});

Deno.test("buildPostprocess() --shebang=multiline rewrites store scripts in place", async () => {
  await using store = await tempStore("beta");
  const python = join(store.root, "alpha", "x", "bin", "python");
  await write(python, "", 0o755);
  const script = join(store.artifact, "bin", "script");
  await write(script, `#!${python}\n# comment\nu"""doc"""\nprint 1\n`, 0o750);
  const others = {
    "bin/env-script": "#!/usr/bin/env python\nprint 1\n",
    "bin/sh-script": "#!/bin/sh\necho hi\n",
    "bin/perl-script": `#!${store.root}/perl/y/bin/perl\nprint 1\n`,
    "bin/bare": `#!${python}`,
  };
  for (const [name, text] of Object.entries(others)) {
    await write(join(store.artifact, name), text, 0o755);
  }
  await write(join(store.artifact, "lib/not-executable.py"), `#!${python}\nprint 1\n`);
  const warnings = await buildPostprocess(store.artifact, flags({ shebang: "multiline" }), {
    env: { ARTIFACT: store.artifact },
  });
  assert.deepEqual(warnings, []);
  assert.equal(await Deno.readTextFile(script), MULTILINE_VECTOR);
  assert.equal((await Deno.stat(script)).mode! & 0o777, 0o750);
  for (const [name, text] of Object.entries(others)) {
    assert.equal(await Deno.readTextFile(join(store.artifact, name)), text, name);
  }
  assert.equal(
    await Deno.readTextFile(join(store.artifact, "lib/not-executable.py")),
    `#!${python}\nprint 1\n`,
  );
});

Deno.test("a multiline-shebang script runs the python of the profile it is linked from", async () => {
  await using store = await tempStore("beta");
  const python = join(store.root, "python", "x", "bin", "python2.7");
  await write(python, "", 0o755);
  const script = join(store.artifact, "bin", "tool");
  await write(script, `#!${python} -u\nprint 1\n`, 0o755);
  await buildPostprocess(store.artifact, flags({ shebang: "multiline" }), {
    env: { ARTIFACT: store.artifact },
  });
  // A profile: artifact.json, its python2.7 (a stand-in that prints its arguments), the link.
  const profile = join(store.root, "profile", "p");
  await write(join(profile, "artifact.json"), "{}");
  await write(join(profile, "bin", "python2.7"), '#!/bin/sh\necho "$@"\n', 0o755);
  await Deno.symlink(script, join(profile, "bin", "tool"));
  const output = await new Deno.Command("/bin/sh", {
    args: [join(profile, "bin", "tool"), "first arg"],
    cwd: store.root,
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(output.stderr), "");
  assert.equal(
    new TextDecoder().decode(output.stdout),
    `${join(profile, "bin", "tool")} -u first arg\n`,
  );
});

Deno.test("relocateShScript() gives the relative-sh-script output of HASHDIST.md §7.5", () => {
  const artifact = "/s/alpha/abc";
  const text = `#!/bin/sh\necho prefix=${artifact}\n`;
  assert.equal(relocateShScript(text, { artifact, up: ".." }), SH_SCRIPT_VECTOR);
  assert.ok(
    relocateShScript("echo x\n", { artifact, up: ".." }).startsWith(
      "# Compute HASHDIST_ARTIFACT\no=`pwd`;",
    ),
  );
});

Deno.test("buildPostprocess() --relative-sh-script rewrites only matching files", async () => {
  await using store = await tempStore();
  const config = join(store.artifact, "bin", "alpha-config");
  await write(config, `#!/bin/sh\necho prefix=${store.artifact}\n`, 0o755);
  const other = join(store.artifact, "bin", "other");
  await write(other, `#!/bin/sh\necho prefix=${store.artifact}\n`, 0o755);
  await write(join(store.artifact, "bin", "empty-config"), "", 0o755);
  await buildPostprocess(store.artifact, flags({ relativeShScript: ["/bin/.*-config"] }), {
    env: { ARTIFACT: store.artifact },
  });
  assert.equal(
    await Deno.readTextFile(config),
    SH_SCRIPT_VECTOR.replace("prefix=/s/alpha/abc", `prefix=${store.artifact}`),
  );
  assert.equal(await Deno.readTextFile(other), `#!/bin/sh\necho prefix=${store.artifact}\n`);
  assert.equal(await Deno.readTextFile(join(store.artifact, "bin", "empty-config")), "");
  // The rewritten script finds its artifact when run through a symlink elsewhere.
  await Deno.symlink(config, join(store.root, "linked-config"));
  const output = await new Deno.Command("/bin/sh", {
    args: [join(store.root, "linked-config")],
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin" },
    stdout: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(output.stdout), `prefix=${store.artifact}\n`);
});

Deno.test("buildPostprocess() --relative-pkgconfig writes ${NAME_DIR} with - kept (Q23)", async () => {
  await using store = await tempStore("foo-bar");
  const pc = join(store.artifact, "lib", "pkgconfig", "foo.pc");
  await write(pc, `prefix=${store.artifact}\nlibdir=${store.artifact}/lib\n`);
  await Deno.symlink("foo.pc", join(store.artifact, "lib", "pkgconfig", "foo-1.pc"));
  const notPc = join(store.artifact, "share", "foo.pc");
  await write(notPc, `prefix=${store.artifact}\n`);
  await buildPostprocess(store.artifact, flags({ relativePkgconfig: true }), {
    env: { ARTIFACT: store.artifact },
  });
  assert.equal(await Deno.readTextFile(pc), "prefix=${FOO-BAR_DIR}\nlibdir=${FOO-BAR_DIR}/lib\n");
  assert.equal(await Deno.readLink(join(store.artifact, "lib", "pkgconfig", "foo-1.pc")), "foo.pc");
  assert.equal(await Deno.readTextFile(notPc), `prefix=${store.artifact}\n`);
});

Deno.test("buildPostprocess() gives the relative-pkgconfig vector for alpha", async () => {
  await using store = await tempStore("alpha");
  const pc = join(store.artifact, "lib", "pkgconfig", "alpha.pc");
  await write(pc, `prefix=${store.artifact}\n`);
  await buildPostprocess(store.artifact, flags({ relativePkgconfig: true }), {
    env: { ARTIFACT: store.artifact },
  });
  assert.equal(await Deno.readTextFile(pc), "prefix=${ALPHA_DIR}\n");
});

Deno.test("buildPostprocess() skips later passes for a file a pass removed", async () => {
  await using store = await tempStore();
  const pc = join(store.artifact, "lib", "pkgconfig", "alpha.pc");
  await write(pc, `prefix=${store.artifact}\n`);
  await write(join(store.artifact, "lib", "libalpha.a"), "archive");
  await buildPostprocess(store.artifact, flags({ removePkgconfig: true, checkRelocatable: true }), {
    env: { ARTIFACT: store.artifact },
  });
  assert.equal(await exists(pc), false);
  assert.equal(await exists(join(store.artifact, "lib", "libalpha.a")), true);
});

Deno.test("buildPostprocess() --relative-symlinks rewrites only links into the artifact (Q22)", async () => {
  await using store = await tempStore();
  const a = store.artifact;
  await write(join(a, "lib", "libx.so.1"), "so");
  await Deno.mkdir(join(a, "share", "doc"), { recursive: true });
  await Deno.symlink(join(a, "lib", "libx.so.1"), join(a, "lib", "libx.so"));
  await Deno.symlink(join(a, "lib", "libx.so.1"), join(a, "share", "doc", "deep"));
  await Deno.symlink("/usr/share/zoneinfo/UTC", join(a, "share", "utc"));
  await Deno.symlink("../lib/libx.so.1", join(a, "share", "relative"));
  await Deno.symlink(join(a, "lib"), join(a, "libdir"));
  const warnings = await buildPostprocess(a, flags({ relativeSymlinks: true }), {
    env: { ARTIFACT: a },
  });
  assert.equal(await Deno.readLink(join(a, "lib", "libx.so")), "libx.so.1");
  assert.equal(await Deno.readLink(join(a, "share", "doc", "deep")), "../../lib/libx.so.1");
  assert.equal(await Deno.readLink(join(a, "share", "utc")), "/usr/share/zoneinfo/UTC");
  assert.equal(await Deno.readLink(join(a, "share", "relative")), "../lib/libx.so.1");
  // A symlink to a folder is never visited.
  assert.equal(await Deno.readLink(join(a, "libdir")), join(a, "lib"));
  assert.deepEqual(warnings, [
    `left symlink "${join(a, "share", "utc")}" absolute: its target ` +
    `"/usr/share/zoneinfo/UTC" is outside the artifact "${a}"`,
  ]);
});

Deno.test("buildPostprocess() --check-relocatable fails on an embedded artifact path", async () => {
  await using store = await tempStore();
  await write(join(store.artifact, "bin", "clean"), "nothing to see");
  await write(join(store.artifact, "lib", "python", "mod.pyc"), `compiled ${store.artifact}`);
  const env = { ARTIFACT: store.artifact };
  // Q24 fixed: no --check-ignore at all is fine.
  await assert.rejects(
    buildPostprocess(store.artifact, flags({ checkRelocatable: true }), { env }),
    (error) => {
      assert.ok(error instanceof HitError);
      assert.equal(
        error.message,
        `check relocatability of "${join(store.artifact, "lib", "python", "mod.pyc")}": the ` +
          `file contains the artifact path "${store.artifact}"`,
      );
      return true;
    },
  );
  await buildPostprocess(
    store.artifact,
    flags({ checkRelocatable: true, checkIgnore: [".*\\.pyc$"] }),
    {
      env,
    },
  );
  await Deno.remove(join(store.artifact, "lib", "python", "mod.pyc"));
  await buildPostprocess(store.artifact, flags({ checkRelocatable: true }), { env });
  await Deno.symlink(join(store.artifact, "bin", "clean"), join(store.artifact, "bin", "link"));
  await assert.rejects(
    buildPostprocess(store.artifact, flags({ checkRelocatable: true }), { env }),
    /the symlink contains the artifact path/,
  );
});

Deno.test("buildPostprocess() --write-protect makes the whole tree read-only", async () => {
  await using store = await tempStore();
  const a = store.artifact;
  await write(join(a, "bin", "tool"), "t", 0o775);
  await write(join(a, "share", "doc", "readme"), "r", 0o664);
  await Deno.symlink("tool", join(a, "bin", "alias"));
  await Deno.symlink("nowhere", join(a, "bin", "dangling"));
  await buildPostprocess(a, flags({ writeProtect: true, pyc: true }), { env: {} });
  const modes: Record<string, number> = {};
  for (const path of [a, "bin", "bin/tool", "share", "share/doc", "share/doc/readme"]) {
    modes[path] = (await Deno.stat(join(a, path === a ? "" : path))).mode! & 0o777;
  }
  assert.deepEqual(modes, {
    [a]: 0o555,
    "bin": 0o555,
    "bin/tool": 0o555,
    "share": 0o555,
    "share/doc": 0o555,
    "share/doc/readme": 0o444,
  });
  assert.equal(await Deno.readLink(join(a, "bin", "dangling")), "nowhere");
});

Deno.test("buildPostprocess() applies the passes to a single file", async () => {
  await using store = await tempStore();
  const file = join(store.artifact, "bin", "tool");
  const sibling = join(store.artifact, "bin", "sibling");
  await write(file, "t", 0o755);
  await write(sibling, "s", 0o755);
  await buildPostprocess(file, flags({ writeProtect: true }), { env: {} });
  assert.equal((await Deno.stat(file)).mode! & 0o777, 0o555);
  assert.equal((await Deno.stat(sibling)).mode! & 0o777, 0o755);
});

Deno.test("buildPostprocess() refuses --shebang=launcher, a missing ARTIFACT and a missing path", async () => {
  await using store = await tempStore();
  await assert.rejects(
    buildPostprocess(store.artifact, flags({ shebang: "launcher" }), { env: {} }),
    /"--shebang=launcher" is not supported/,
  );
  await assert.rejects(
    buildPostprocess(store.artifact, flags({ checkRelocatable: true }), { env: {} }),
    /ARTIFACT is not set/,
  );
  await assert.rejects(
    buildPostprocess(join(store.artifact, "missing"), flags({ writeProtect: true }), { env: {} }),
    /no such file or folder/,
  );
  await assert.rejects(
    buildPostprocess(store.artifact, flags({ checkIgnore: ["("] }), { env: {} }),
    /bad --check-ignore pattern "\("/,
  );
});

Deno.test("buildPostprocess() --relative-rpath needs PATCHELF for an ELF file only", async () => {
  await using store = await tempStore();
  await write(join(store.artifact, "bin", "script"), "#!/bin/sh\n", 0o755);
  const env = { ARTIFACT: store.artifact };
  await buildPostprocess(store.artifact, flags({ relativeRpath: true }), { env });
  await Deno.copyFile("/bin/true", join(store.artifact, "bin", "true"));
  await assert.rejects(
    buildPostprocess(store.artifact, flags({ relativeRpath: true }), { env }),
    /make the RPATH of ".*bin\/true" relative: PATCHELF is not set/,
  );
});

async function findTools(
  names: string[],
): Promise<{ found: Record<string, string>; missing: string[] }> {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  const dirs = (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":");
  for (const name of names) {
    for (const dir of dirs) {
      try {
        if ((await Deno.stat(join(dir, name))).isFile) {
          found[name] = join(dir, name);
          break;
        }
      } catch {
        // not in this folder
      }
    }
    if (found[name] === undefined) missing.push(name);
  }
  return { found, missing };
}

async function runChecked(program: string, args: string[], env?: Record<string, string>) {
  const output = await new Deno.Command(program, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `${program} ${args.join(" ")}: ${stderr}`);
  return stdout;
}

// The gcc + patchelf test runs only where both exist; it says why when it does not.
const RPATH_TOOLS = await findTools(["gcc", "patchelf", "readelf"]);
if (RPATH_TOOLS.missing.length > 0) {
  console.log(
    `skipping the --relative-rpath build test: ${RPATH_TOOLS.missing.join(", ")} not on PATH`,
  );
}

Deno.test({
  name: "buildPostprocess() --relative-rpath makes store entries relative to ${ORIGIN}",
  ignore: RPATH_TOOLS.missing.length > 0,
  async fn() {
    const { gcc, patchelf, readelf } = RPATH_TOOLS.found;
    await using store = await tempStore("lib1");
    const libDir = join(store.root, "lib1", "abc", "lib");
    const prog = join(store.root, "prog", "def");
    await write(join(store.root, "src", "x.c"), "int x(void) { return 42; }\n");
    await write(
      join(store.root, "src", "p.c"),
      '#include <stdio.h>\nint x(void);\nint main(void) { printf("%d\\n", x()); return 0; }\n',
    );
    await Deno.mkdir(libDir, { recursive: true });
    await Deno.mkdir(join(prog, "bin"), { recursive: true });
    await runChecked(gcc, [
      "-shared",
      "-fPIC",
      "-o",
      join(libDir, "libx.so"),
      join(store.root, "src", "x.c"),
    ]);
    // A system folder that really holds a needed library, so --shrink-rpath keeps it.
    const libc = (await runChecked(gcc, ["-print-file-name=libc.so.6"])).trim();
    const systemDir = dirname(libc);
    await runChecked(gcc, [
      "-o",
      join(prog, "bin", "p"),
      join(store.root, "src", "p.c"),
      `-L${libDir}`,
      "-lx",
      `-Wl,-rpath=${libDir}:${systemDir}:/nonexistent/unused`,
    ]);
    const warnings = await buildPostprocess(prog, flags({ relativeRpath: true }), {
      env: { ARTIFACT: prog, PATCHELF: patchelf, PATH: "/usr/bin:/bin" },
    });
    assert.deepEqual(warnings, []);
    const dynamic = await runChecked(readelf, ["-d", join(prog, "bin", "p")]);
    const rpath = dynamic.match(/Library (?:runpath|rpath): \[([^\]]*)\]/)?.[1];
    assert.equal(rpath, "${ORIGIN}/../../../lib1/abc/lib:" + systemDir);
    // The library itself had no RPATH and is left alone.
    assert.doesNotMatch(
      await runChecked(readelf, ["-d", join(libDir, "libx.so")]),
      /runpath|rpath/i,
    );
    // Moved elsewhere together with its library, the program still finds it.
    const moved = join(dirname(store.root), "moved");
    await Deno.rename(store.root, moved);
    try {
      assert.equal(await runChecked(join(moved, "prog", "def", "bin", "p"), [], {}), "42\n");
    } finally {
      await Deno.rename(moved, store.root);
    }
  },
});
