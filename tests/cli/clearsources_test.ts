import assert from "node:assert/strict";
import {
  describeSources,
  parseClearSourcesArgs,
  renderRemovedSource,
} from "../../src/cli/clearsources.ts";
import type { SizedSource } from "../../src/core/clear_sources.ts";

function sized(kind: SizedSource["source"]["kind"], name: string, bytes: number): SizedSource {
  return { source: { kind, name, path: `/c/${name}` }, bytes };
}

Deno.test("parseClearSourcesArgs() reads --force and --dry-run", () => {
  assert.deepEqual(parseClearSourcesArgs([]), { force: false, dryRun: false });
  assert.deepEqual(parseClearSourcesArgs(["-f", "-n"]), { force: true, dryRun: true });
  assert.throws(() => parseClearSourcesArgs(["now"]), /unexpected argument "now"/);
});

Deno.test("describeSources() counts entries by kind, in a fixed order", () => {
  assert.equal(describeSources([]), "nothing");
  assert.equal(
    describeSources([
      sized("git", "repo", 1024),
      sized("archive", "tar.gz:a", 1024),
      sized("archive", "tar.gz:b", 1024),
    ]),
    "2 archives, 1 git repository (3.0 KiB)",
  );
});

Deno.test("renderRemovedSource() names archives by key and others by kind", () => {
  assert.equal(renderRemovedSource(sized("archive", "zip:x", 10), false), "removed zip:x (10 B)\n");
  assert.equal(
    renderRemovedSource(sized("git", "numpy", 10), true),
    'would remove git repository "numpy" (10 B)\n',
  );
});
