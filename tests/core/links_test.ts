import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import {
  executeLinks,
  type LinkAction,
  type LinkRule,
  parseLinkRules,
  planLinks,
} from "../../src/core/links.ts";
import { HitError } from "../../src/errors.ts";

interface TempDir extends AsyncDisposable {
  path: string;
}

async function tempDir(): Promise<TempDir> {
  const path = await Deno.realPath(await Deno.makeTempDir({ prefix: "hit-links-" }));
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(dirname(join(root, name)), { recursive: true });
    await Deno.writeTextFile(join(root, name), text);
  }
}

async function run(rules: LinkRule[], env: Record<string, string>, cwd: string): Promise<void> {
  const context = { env, cwd };
  await executeLinks(await planLinks(rules, context), context);
}

async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch {
    return null;
  }
}

// test_links.test_dry_run_simple of the original, on a small fake root instead of /bin and
// /usr/bin (the original used the host's cp, ls and gcc).
function dryRunRules(root: string): LinkRule[] {
  return [
    {
      action: "symlink",
      select: [`${root}/bin/cp`, `${root}/bin/ls`],
      prefix: `${root}/`,
      target: "$D",
    },
    { action: "symlink", select: [`${root}/usr/bin/gcc`], prefix: `${root}/usr`, target: "$D" },
    { action: "copy", source: `${root}/usr/bin/gcc`, target: "$D/foo/gcc" },
    { action: "exclude", source: `${root}/usr/bin/gcc` },
    { action: "symlink", source: `${root}/usr/bin/gcc`, target: "$D/gcc2" },
  ];
}

async function fakeRoot(dir: string): Promise<void> {
  await writeFiles(dir, { "bin/cp": "cp", "bin/ls": "ls", "usr/bin/gcc": "gcc" });
}

Deno.test("planLinks() gives the test_dry_run_simple actions for absolute paths", async () => {
  await using root = await tempDir();
  await using d = await tempDir();
  await fakeRoot(root.path);
  const r = root.path;
  const actions = await planLinks(dryRunRules(r), { env: { D: d.path }, cwd: "/" });
  assert.deepEqual(actions, [
    { kind: "mkdir", path: `${d.path}/bin` },
    { kind: "absolute_symlink", source: `${r}/bin/cp`, dest: `${d.path}/bin/cp` },
    { kind: "absolute_symlink", source: `${r}/bin/ls`, dest: `${d.path}/bin/ls` },
    { kind: "absolute_symlink", source: `${r}/usr/bin/gcc`, dest: `${d.path}/bin/gcc` },
    { kind: "mkdir", path: `${d.path}/foo` },
    { kind: "copy", source: `${r}/usr/bin/gcc`, dest: `${d.path}/foo/gcc` },
  ]);
});

Deno.test("planLinks() keeps a relative target relative to the cwd", async () => {
  await using root = await tempDir();
  await fakeRoot(root.path);
  const r = root.path;
  const actions = await planLinks(dryRunRules(r), { env: { D: "subdir" }, cwd: "/" });
  assert.deepEqual(actions, [
    { kind: "mkdir", path: "subdir/bin" },
    { kind: "absolute_symlink", source: `${r}/bin/cp`, dest: "subdir/bin/cp" },
    { kind: "absolute_symlink", source: `${r}/bin/ls`, dest: "subdir/bin/ls" },
    { kind: "absolute_symlink", source: `${r}/usr/bin/gcc`, dest: "subdir/bin/gcc" },
    { kind: "mkdir", path: "subdir/foo" },
    { kind: "copy", source: `${r}/usr/bin/gcc`, dest: "subdir/foo/gcc" },
  ]);
});

Deno.test("planLinks() matches relative selects from the cwd; overwrite queues unlinks", async () => {
  await using root = await tempDir();
  await fakeRoot(root.path);
  const rules: LinkRule[] = [
    { action: "symlink", select: ["bin/cp", "bin/ls"], prefix: "", target: "$D" },
    { action: "symlink", select: ["usr/bin/gcc"], prefix: "usr", target: "$D" },
    { action: "copy", source: "usr/bin/gcc", target: "$D/foo/gcc" },
    { action: "exclude", source: "usr/bin/gcc" },
    { action: "symlink", source: "usr/bin/gcc", target: "$D/gcc2" },
  ];
  const context = { env: { D: "subdir" }, cwd: root.path };
  assert.deepEqual(await planLinks(rules, context), [
    { kind: "mkdir", path: "subdir/bin" },
    { kind: "absolute_symlink", source: "bin/cp", dest: "subdir/bin/cp" },
    { kind: "absolute_symlink", source: "bin/ls", dest: "subdir/bin/ls" },
    { kind: "absolute_symlink", source: "usr/bin/gcc", dest: "subdir/bin/gcc" },
    { kind: "mkdir", path: "subdir/foo" },
    { kind: "copy", source: "usr/bin/gcc", dest: "subdir/foo/gcc" },
  ]);
  const overwriting = rules.map((rule) => ({ ...rule, overwrite: true }));
  assert.deepEqual(await planLinks(overwriting, context), [
    { kind: "mkdir", path: "subdir/bin" },
    { kind: "unlink", path: "subdir/bin/cp" },
    { kind: "absolute_symlink", source: "bin/cp", dest: "subdir/bin/cp" },
    { kind: "unlink", path: "subdir/bin/ls" },
    { kind: "absolute_symlink", source: "bin/ls", dest: "subdir/bin/ls" },
    { kind: "unlink", path: "subdir/bin/gcc" },
    { kind: "absolute_symlink", source: "usr/bin/gcc", dest: "subdir/bin/gcc" },
    { kind: "mkdir", path: "subdir/foo" },
    { kind: "unlink", path: "subdir/foo/gcc" },
    { kind: "copy", source: "usr/bin/gcc", dest: "subdir/foo/gcc" },
  ]);
});

Deno.test("planLinks() requires a prefix for select rules and paths inside it", async () => {
  await using root = await tempDir();
  await fakeRoot(root.path);
  const context = { env: {}, cwd: root.path };
  await assert.rejects(
    planLinks([{ action: "symlink", select: "bin/*", target: "t" }], context),
    /needs a "prefix"/,
  );
  await assert.rejects(
    planLinks([{ action: "symlink", select: "bin/*", prefix: "usr", target: "t" }], context),
    /"bin\/cp" does not start with the prefix "usr\/"/,
  );
  // A rule that selects nothing needs nothing else.
  assert.deepEqual(await planLinks([{ action: "symlink", select: "none/*" }], context), []);
});

Deno.test("planLinks() substitutes $NAME and ${NAME} in select, prefix, source and target", async () => {
  await using root = await tempDir();
  await writeFiles(root.path, { "x/bin/a$b": "" });
  const env = { R: root.path, SUB: "bin", OUT: "out" };
  const rules: LinkRule[] = [
    { action: "symlink", select: "${R}/x/$SUB/a$$b", prefix: "$R/x", target: "${OUT}/1" },
    { action: "copy", source: "$R/x/${SUB}/a$$b", target: "$OUT/2" },
  ];
  assert.deepEqual(await planLinks(rules, { env, cwd: "/" }), [
    { kind: "mkdir", path: "out/1/bin" },
    { kind: "absolute_symlink", source: `${root.path}/x/bin/a$b`, dest: "out/1/bin/a$b" },
    { kind: "mkdir", path: "out" },
    { kind: "copy", source: `${root.path}/x/bin/a$b`, dest: "out/2" },
  ]);
  await assert.rejects(
    planLinks([{ action: "exclude", source: "$NOPE/x" }], { env, cwd: "/" }),
    (error) => {
      assert.ok(error instanceof HitError);
      assert.match(error.message, /"NOPE"/);
      assert.deepEqual(error.context, ["while planning link rule 1"]);
      return true;
    },
  );
  await assert.rejects(
    planLinks([{ action: "exclude", source: "a$" }], { env, cwd: "/" }),
    /invalid placeholder/,
  );
});

Deno.test("parseLinkRules() names the rule with a bad field", () => {
  assert.deepEqual(parseLinkRules([{ action: "copy", source: "a", target: "b" }]), [
    { action: "copy", source: "a", target: "b" },
  ]);
  assert.throws(() => parseLinkRules({}), /expected a list of rules/);
  assert.throws(
    () => parseLinkRules([{ action: "copy", source: "a" }, { action: "move", source: "a" }]),
    /link rule 2: unknown action "move"/,
  );
  assert.throws(() => parseLinkRules([{ action: "copy" }]), /needs "select" or "source"/);
  assert.throws(
    () => parseLinkRules([{ action: "copy", select: "a", dirs: "yes" }]),
    /"dirs" must be true or false/,
  );
});

// The tree of §7.2: an artifact with top-level files, a symlinked folder `lib64 -> lib`, a
// symlink to a folder deeper down, a dangling symlink and dotfiles.
async function makeArtifact(store: string): Promise<string> {
  const x = join(store, "x", "abc");
  await writeFiles(x, {
    "artifact.json": "{}",
    "id": "x/abc",
    "bin/tool": "tool",
    "lib/libx.so": "so",
    "lib/.hidden": "dot",
    "lib/sub/deep.so": "deep",
    "share/doc/readme": "doc",
  });
  await Deno.symlink("lib", join(x, "lib64"));
  await Deno.symlink("../share/doc", join(x, "lib/doclink"));
  await Deno.symlink("nowhere", join(x, "share/dangling"));
  return x;
}

function standardRule(action: LinkRule["action"] = "relative_symlink"): LinkRule {
  return {
    action,
    select: "${X_DIR}/*/**/*",
    prefix: "${X_DIR}",
    target: "${ARTIFACT}",
    dirs: false,
  };
}

Deno.test("executeLinks() builds a profile from ${X_DIR}/*/**/* with its consequences", async () => {
  await using store = await tempDir();
  const x = await makeArtifact(store.path);
  const profile = join(store.path, "profile", "p1");
  await run([standardRule()], { X_DIR: x, ARTIFACT: profile }, store.path);
  // Top-level files are not linked.
  assert.equal(await lstatOrNull(join(profile, "artifact.json")), null);
  assert.equal(await lstatOrNull(join(profile, "id")), null);
  // bin/ is a real folder of relative symlinks.
  assert.ok((await Deno.lstat(join(profile, "bin"))).isDirectory);
  assert.equal(await Deno.readLink(join(profile, "bin/tool")), "../../../x/abc/bin/tool");
  // lib64 -> lib is walked: a real folder with per-file links through x/lib64.
  assert.ok((await Deno.lstat(join(profile, "lib64"))).isDirectory);
  assert.equal(await Deno.readLink(join(profile, "lib64/libx.so")), "../../../x/abc/lib64/libx.so");
  assert.equal(
    await Deno.readLink(join(profile, "lib64/sub/deep.so")),
    "../../../../x/abc/lib64/sub/deep.so",
  );
  // A deeper symlink to a folder is linked as one entry; dotfiles and dangling links too.
  assert.equal(await Deno.readLink(join(profile, "lib/doclink")), "../../../x/abc/lib/doclink");
  assert.equal(await Deno.readLink(join(profile, "lib/.hidden")), "../../../x/abc/lib/.hidden");
  assert.equal(
    await Deno.readLink(join(profile, "share/dangling")),
    "../../../x/abc/share/dangling",
  );
  assert.equal(await Deno.readTextFile(join(profile, "share/doc/readme")), "doc");
});

Deno.test("executeLinks() lets the first rule claim a path", async () => {
  await using store = await tempDir();
  const a = join(store.path, "a", "1");
  const b = join(store.path, "b", "2");
  await writeFiles(a, { "bin/tool": "from a" });
  await writeFiles(b, { "bin/tool": "from b", "bin/other": "b only" });
  const profile = join(store.path, "profile");
  const rule = (name: string): LinkRule => ({
    action: "relative_symlink",
    select: `\${${name}_DIR}/*/**/*`,
    prefix: `\${${name}_DIR}`,
    target: "${ARTIFACT}",
  });
  await run([rule("A"), rule("B")], { A_DIR: a, B_DIR: b, ARTIFACT: profile }, store.path);
  assert.equal(await Deno.readTextFile(join(profile, "bin/tool")), "from a");
  assert.equal(await Deno.readTextFile(join(profile, "bin/other")), "b only");
});

Deno.test("executeLinks() ignores files that exist through an earlier dirs: true link", async () => {
  await using store = await tempDir();
  const a = join(store.path, "a", "1");
  const b = join(store.path, "b", "2");
  await writeFiles(a, { "share/doc/readme": "a" });
  await writeFiles(b, { "share/doc/readme": "b" });
  const profile = join(store.path, "profile");
  const rules: LinkRule[] = [
    { action: "relative_symlink", select: "${A_DIR}/share/*", prefix: "${A_DIR}" },
    { action: "relative_symlink", select: "${B_DIR}/*/**/*", prefix: "${B_DIR}" },
  ].map((rule, i) => ({ ...rule, target: "${ARTIFACT}", dirs: i === 0 }) as LinkRule);
  await run(rules, { A_DIR: a, B_DIR: b, ARTIFACT: profile }, store.path);
  assert.equal(await Deno.readLink(join(profile, "share/doc")), "../../a/1/share/doc");
  assert.equal(await Deno.readTextFile(join(profile, "share/doc/readme")), "a");
  assert.ok((await Deno.lstat(join(a, "share/doc/readme"))).isFile);
});

Deno.test("executeLinks() fails when a dangling symlink is in the way", async () => {
  await using store = await tempDir();
  const x = join(store.path, "x", "1");
  await writeFiles(x, { "bin/tool": "tool" });
  const profile = join(store.path, "profile");
  await Deno.mkdir(join(profile, "bin"), { recursive: true });
  await Deno.symlink("gone", join(profile, "bin/tool"));
  const rule: LinkRule = { ...standardRule(), select: "${X_DIR}/*/**/*" };
  await assert.rejects(run([rule], { X_DIR: x, ARTIFACT: profile }, store.path), (error) => {
    assert.ok(error instanceof HitError);
    assert.match(error.message, /relative_symlink ".*bin\/tool" to ".*bin\/tool" failed/);
    return true;
  });
});

Deno.test("executeLinks() replaces an existing file when the rule overwrites", async () => {
  await using store = await tempDir();
  const x = join(store.path, "x", "1");
  await writeFiles(x, { "bin/tool": "new" });
  const profile = join(store.path, "profile");
  await writeFiles(profile, { "bin/tool": "old" });
  const env = { X_DIR: x, ARTIFACT: profile };
  await run([standardRule()], env, store.path);
  assert.equal(await Deno.readTextFile(join(profile, "bin/tool")), "old");
  await run([{ ...standardRule(), overwrite: true }], env, store.path);
  assert.equal(await Deno.readTextFile(join(profile, "bin/tool")), "new");
  assert.ok((await Deno.lstat(join(profile, "bin/tool"))).isSymlink);
});

Deno.test("executeLinks() skips paths excluded by an earlier rule", async () => {
  await using store = await tempDir();
  const x = join(store.path, "x", "1");
  await writeFiles(x, { "bin/tool": "t", "bin/secret": "s", "lib/a/b.so": "b" });
  const profile = join(store.path, "profile");
  const rules: LinkRule[] = [
    { action: "exclude", select: ["${X_DIR}/bin/secret", "${X_DIR}/lib/**/*"] },
    standardRule(),
  ];
  await run(rules, { X_DIR: x, ARTIFACT: profile }, store.path);
  assert.ok((await Deno.lstat(join(profile, "bin/tool"))).isSymlink);
  assert.equal(await lstatOrNull(join(profile, "bin/secret")), null);
  assert.equal(await lstatOrNull(join(profile, "lib")), null);
});

Deno.test("executeLinks() runs a profile's relative exclude rules as no-ops", async () => {
  await using store = await tempDir();
  const x = join(store.path, "python", "1");
  await writeFiles(x, { "lib/python2.7/site-packages/mod.py": "m" });
  const build = join(store.path, "build");
  // Even a matching relative tree in the cwd never equals the absolute paths of later rules.
  await writeFiles(build, { "lib/python2.7/site-packages/mod.py": "decoy" });
  const profile = join(store.path, "profile");
  const rules: LinkRule[] = [
    { action: "exclude", select: "lib/python2.7/site-packages/**/*" },
    standardRule(),
  ];
  await run(rules, { X_DIR: x, ARTIFACT: profile }, build);
  assert.equal(
    await Deno.readTextFile(join(profile, "lib/python2.7/site-packages/mod.py")),
    "m",
  );
});

Deno.test("executeLinks() makes absolute symlinks from relative sources", async () => {
  await using dir = await tempDir();
  await writeFiles(dir.path, { "src/file": "f" });
  await run(
    [{ action: "symlink", source: "src/file", target: "out/link" }],
    {},
    dir.path,
  );
  assert.equal(await Deno.readLink(join(dir.path, "out/link")), join(dir.path, "src/file"));
});

Deno.test("executeLinks() copies files with their mode and folders recursively", async () => {
  await using dir = await tempDir();
  await writeFiles(dir.path, { "src/tool": "t", "src/tree/a/b": "b", "dest/tool": "old" });
  await Deno.chmod(join(dir.path, "src/tool"), 0o750);
  await Deno.symlink("../tool", join(dir.path, "src/tree/link"));
  const rules: LinkRule[] = [
    { action: "copy", source: "src/tool", target: "dest/tool" },
    { action: "copy", source: "src/tree", target: "dest/tree" },
    { action: "copy", source: "src/tool", target: "dest/loop" },
  ];
  await Deno.symlink("../src/tool", join(dir.path, "dest/loop"));
  await run(rules, {}, dir.path);
  assert.equal(await Deno.readTextFile(join(dir.path, "dest/tool")), "t");
  assert.equal((await Deno.stat(join(dir.path, "dest/tool"))).mode! & 0o777, 0o750);
  assert.equal(await Deno.readTextFile(join(dir.path, "dest/tree/a/b")), "b");
  // Symlinks inside a copied folder are followed, as shutil.copytree does by default.
  assert.ok((await Deno.lstat(join(dir.path, "dest/tree/link"))).isFile);
  // A copy onto a link to the source itself fails but is ignored: the two compare equal.
  assert.equal(await Deno.readTextFile(join(dir.path, "src/tool")), "t");
  // Copying a folder onto an existing one is an error.
  await assert.rejects(
    run([{ action: "copy", source: "src/tree", target: "dest/tree" }], {}, dir.path),
    /copy "src\/tree" to "dest\/tree" failed/,
  );
});

Deno.test("executeLinks() sets up launchers for binaries and links for the rest", async () => {
  await using dir = await tempDir();
  await writeFiles(dir.path, {
    "a": "\x7fELF binary",
    "b": "\x7fELF binary",
    "script": "#!/bin/sh\n",
    "data": "plain",
    "launcher-program": "launcher",
  });
  for (const name of ["a", "b", "script", "launcher-program"]) {
    await Deno.chmod(join(dir.path, name), 0o755);
  }
  await Deno.symlink("a", join(dir.path, "alias"));
  const rules: LinkRule[] = [
    {
      action: "launcher",
      select: ["a", "b", "script", "data", "alias"],
      target: "foo",
      prefix: "",
    },
  ];
  await run(rules, { LAUNCHER: join(dir.path, "launcher-program") }, dir.path);
  const foo = join(dir.path, "foo");
  assert.equal(await Deno.readTextFile(join(foo, "launcher")), "launcher");
  assert.ok(((await Deno.stat(join(foo, "launcher"))).mode! & 0o111) !== 0);
  assert.equal(await Deno.readLink(join(foo, "a")), "launcher");
  assert.equal(await Deno.readLink(join(foo, "b")), "launcher");
  assert.equal(await Deno.readTextFile(join(foo, "a.link")), "../a");
  assert.equal(await Deno.readTextFile(join(foo, "b.link")), "../b");
  assert.equal(await Deno.readLink(join(foo, "script")), "../script");
  assert.equal(await Deno.readLink(join(foo, "data")), "../data");
  assert.equal(await Deno.readLink(join(foo, "alias")), "a");
});

Deno.test("executeLinks() fails on a binary launcher without LAUNCHER", async () => {
  await using dir = await tempDir();
  await writeFiles(dir.path, { "a": "binary" });
  await Deno.chmod(join(dir.path, "a"), 0o755);
  const actions: LinkAction[] = [{ kind: "launcher", source: "a", dest: "b" }];
  await assert.rejects(executeLinks(actions, { env: {}, cwd: dir.path }), /LAUNCHER is not set/);
});
