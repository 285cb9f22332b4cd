import assert from "node:assert/strict";
import { join } from "node:path";
import { HIT, hitEnv, makeTempDir, runCli, runProgram } from "./_run_cli.ts";
import { bashPackage, writeProfile } from "./_bash_profile.ts";

// `dated` writes the clock (to the nanosecond, so that two builds always differ); `epoch` writes
// the time SOURCE_DATE_EPOCH says, as a reproducible build does; `umask` records the mode a new
// file gets and the job's TZ and LC_ALL.
const LINK_ALL = `profile_links:\n- link: "*/**/*"\n`;
const PACKAGES = {
  dated: bashPackage(
    'mkdir -p "$ARTIFACT/share"\n' +
      `date '+%a %d %b %Y %T.%N' > "$ARTIFACT/share/stamp.txt"\n` +
      'echo same > "$ARTIFACT/share/plain.txt"',
    LINK_ALL,
  ),
  epoch: bashPackage(
    'mkdir -p "$ARTIFACT/share"\n' +
      `date -u -d "@$SOURCE_DATE_EPOCH" '+%a %d %b %Y %T' > "$ARTIFACT/share/epoch.txt"\n` +
      'touch "$ARTIFACT/share/new"\n' +
      'stat -c %a "$ARTIFACT/share/new" > "$ARTIFACT/share/mode"\n' +
      'echo "$TZ $LC_ALL" > "$ARTIFACT/share/env"',
    LINK_ALL,
  ),
};

/** Every path below `dir` with its size and mtime: what "the store did not change" means. */
async function snapshot(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const visit = async (relative: string) => {
    for await (const entry of Deno.readDir(join(dir, relative))) {
      // The store's own bookkeeping, where a check build is staged.
      if (relative === "" && (entry.name === ".staging" || entry.name === ".locks")) continue;
      const path = join(relative, entry.name);
      const info = await Deno.lstat(join(dir, path));
      lines.push(`${path} ${info.size} ${info.mtime?.getTime()}`);
      if (info.isDirectory) await visit(path);
    }
  };
  await visit("");
  return lines.sort();
}

Deno.test("hit build --check names the file with an embedded date, passes SOURCE_DATE_EPOCH, changes nothing", async () => {
  await using dir = await makeTempDir();
  const profile = await writeProfile(dir.path, PACKAGES);
  // Started with a user's umask of 077: the job still gets 022.
  const built = await runProgram("/bin/sh", [
    "-c",
    'umask 077; exec "$0" "$@"',
    HIT,
    "build",
    profile,
  ], {
    cwd: dir.path,
    env: await hitEnv({ cwd: dir.path }),
  });
  assert.equal(built.code, 0, built.stderr);
  const store = join(dir.path, ".home", ".hit", "bld");
  const before = await snapshot(store);

  const checked = await runCli(["build", "--check", profile], { cwd: dir.path });
  assert.equal(checked.code, 1, checked.stderr);
  assert.equal(
    checked.stdout,
    "dated: NOT reproducible, 1 path differs\n" +
      checked.stdout.match(/^ {2}share\/stamp\.txt: contents differ \(\d+ bytes -> \d+ bytes\)\n/m)
        ?.[0] +
      "    hint: an embedded date or time: make the build use SOURCE_DATE_EPOCH instead of the " +
      "clock\n" +
      "epoch: reproducible\n" +
      "2 checked, 1 not reproducible\n",
  );
  assert.match(checked.stderr, /^\d\d:\d\d:\d\d 2 to build, 0 already built$/m);
  assert.match(checked.stderr, /^\d\d:\d\d:\d\d \[dated\] building dated\/[a-z2-7]{32}$/m);
  assert.deepEqual(await snapshot(store), before, "the store changed");
  const staging = await Array.fromAsync(Deno.readDir(join(store, ".staging")));
  assert.deepEqual(staging, [], "a second build was left in .staging");

  const link = join(dir.path, "profile");
  assert.equal(
    await Deno.readTextFile(join(link, "share", "epoch.txt")),
    "Tue 01 Jan 1980 00:00:00\n",
  );
  assert.equal(await Deno.readTextFile(join(link, "share", "mode")), "644\n");
  assert.equal(await Deno.readTextFile(join(link, "share", "env")), "UTC C\n");
});

Deno.test("hit build --check --package --keep keeps the second build, outside the artifact", async () => {
  await using dir = await makeTempDir();
  const profile = await writeProfile(dir.path, PACKAGES);
  const built = await runCli(["build", profile, "--package", "dated"], { cwd: dir.path });
  assert.equal(built.code, 0, built.stderr);

  const notBuilt = await runCli(["build", "--check", profile, "--package", "epoch"], {
    cwd: dir.path,
  });
  assert.equal(notBuilt.code, 1);
  assert.match(notBuilt.stderr, /check: not built yet: "epoch"/);
  assert.match(notBuilt.stderr, /hint: build the profile first/);

  const checked = await runCli(["build", "--check", profile, "--package", "dated", "--keep"], {
    cwd: dir.path,
  });
  assert.equal(checked.code, 1, checked.stderr);
  assert.match(checked.stdout, /^dated: NOT reproducible/m);
  assert.doesNotMatch(checked.stdout, /^epoch/m);
  const kept = checked.stdout.match(/^ {2}second build kept at (.+)$/m)?.[1];
  assert.ok(kept !== undefined, checked.stdout);
  assert.ok(kept.startsWith(join(dir.path, ".home", ".hit", "bld", ".check")), kept);
  const stored = join(dir.path, ".home", ".hit", "bld", "dated");
  const [hash] = await Array.fromAsync(Deno.readDir(stored));
  const first = await Deno.readTextFile(join(stored, hash.name, "share", "stamp.txt"));
  const second = await Deno.readTextFile(join(kept, "share", "stamp.txt"));
  assert.notEqual(second, first);
  assert.equal(await Deno.readTextFile(join(kept, "share", "plain.txt")), "same\n");

  const unsandboxed = await runCli([
    "build",
    "--check",
    profile,
    "--package",
    "dated",
    "--sandbox=none",
  ], {
    cwd: dir.path,
  });
  assert.equal(unsandboxed.code, 1);
  assert.match(unsandboxed.stderr, /a check build needs the bwrap sandbox/);
  assert.match(
    unsandboxed.stderr,
    /hint: this build would use "none", under which the second build/,
  );

  const usage = await runCli(["build", profile, "--keep"], { cwd: dir.path });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /"--keep" keeps the second builds of "--check"/);
});
