import assert from "node:assert/strict";
import { join } from "node:path";
import { compareArtifacts, UNCOMPARED_FILES } from "../../src/core/artifact_compare.ts";
import { HINTS } from "../../src/core/difference_hints.ts";

/** Writes `files` (path → contents, or `{link}` for a symlink) into a new folder `root/name`. */
async function writeTree(
  root: string,
  name: string,
  files: Record<string, string | { link: string } | { mode: number; text: string }>,
): Promise<string> {
  const dir = join(root, name);
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(full, content);
    else if ("link" in content) await Deno.symlink(content.link, full);
    else {
      await Deno.writeTextFile(full, content.text);
      await Deno.chmod(full, content.mode);
    }
  }
  return dir;
}

Deno.test("compareArtifacts() finds nothing in two equal trees, whatever hit's own files hold", async () => {
  await using root = await tempDir();
  const same = { "bin/x": "x", "lib/l": { link: "../bin/x" } };
  const own = (value: string) => Object.fromEntries(UNCOMPARED_FILES.map((name) => [name, value]));
  const a = await writeTree(root.path, "a", { ...same, ...own("first") });
  const b = await writeTree(root.path, "b", { ...same, ...own("second") });
  assert.deepEqual(await compareArtifacts(a, b), []);
});

Deno.test("compareArtifacts() reports each kind of difference, sorted by path, with hints", async () => {
  await using root = await tempDir();
  const a = await writeTree(root.path, "a", {
    "gone": "1",
    "kind": "file",
    "link": { link: "one" },
    "mode": { mode: 0o755, text: "m" },
    "stamp": "made Mon 07 Dec 2026 10:00:00\n",
  });
  const b = await writeTree(root.path, "b", {
    "added": "1",
    "kind/inside": "now a folder",
    "link": { link: "two" },
    "mode": { mode: 0o700, text: "m" },
    "stamp": "made Mon 07 Dec 2026 10:00:02\n",
  });
  const found = await compareArtifacts(a, b);
  assert.deepEqual(found.map((d) => [d.path, d.kind]), [
    ["added", "only-rebuilt"],
    ["gone", "only-stored"],
    ["kind", "type"],
    ["kind/inside", "only-rebuilt"],
    ["link", "symlink-target"],
    ["mode", "mode"],
    ["stamp", "contents"],
  ]);
  const byPath = Object.fromEntries(found.map((d) => [d.path, d]));
  assert.deepEqual([byPath.kind.stored, byPath.kind.rebuilt], ["file", "dir"]);
  assert.deepEqual([byPath.mode.stored, byPath.mode.rebuilt], ["0755", "0700"]);
  assert.deepEqual([byPath.link.stored, byPath.link.rebuilt], ["one", "two"]);
  assert.equal(byPath.stamp.hint, HINTS.date);
});

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir();
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}
