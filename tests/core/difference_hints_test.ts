import assert from "node:assert/strict";
import { hintForContents, HINTS } from "../../src/core/difference_hints.ts";

const text = (value: string) => new TextEncoder().encode(value);

/** An `ar` archive of `members` (name, header time, contents), as `ar` writes it. */
function arArchive(members: [string, number, string][]): Uint8Array {
  let out = "!<arch>\n";
  for (const [name, time, body] of members) {
    const header = `${name}/`.padEnd(16) + String(time).padEnd(12) + "0".padEnd(6) +
      "0".padEnd(6) + "100644".padEnd(8) + String(body.length).padEnd(10) + "`\n";
    out += header + body + (body.length % 2 === 1 ? "\n" : "");
  }
  return text(out);
}

Deno.test("hintForContents() tells an embedded date from the output of date", () => {
  assert.equal(
    hintForContents(
      text("built on Mon 07 Dec 2026 23:01:37.065 by make\n"),
      text("built on Mon 07 Dec 2026 23:01:39.417 by make\n"),
    ),
    HINTS.date,
  );
  assert.equal(
    hintForContents(text('{"stamp": 1796684472}'), text('{"stamp": 1796684475}')),
    HINTS.date,
  );
});

Deno.test("hintForContents() tells the build folder's path when one side holds it", () => {
  assert.equal(
    hintForContents(
      text("srcdir=/home/u/.hit/tmp/zlib-abc/src\n"),
      text("srcdir=/home/u/.hit/tmp/zlib-abc-1/src\n"),
      { buildPaths: ["/home/u/.hit/tmp"] },
    ),
    HINTS.buildPath,
  );
});

Deno.test("hintForContents() tells a different member order, and member times, in an ar archive", () => {
  const a: [string, number, string] = ["a.o", 0, "alpha"];
  const b: [string, number, string] = ["b.o", 0, "beta!"];
  assert.equal(hintForContents(arArchive([a, b]), arArchive([b, a])), HINTS.archiveOrder);
  assert.equal(
    hintForContents(arArchive([a, b]), arArchive([["a.o", 1700000000, "alpha"], b])),
    HINTS.archiveTimes,
  );
});

Deno.test("hintForContents() tells a random name, and says nothing it cannot tell", () => {
  assert.equal(
    hintForContents(text("obj /tmp/ccX8a1Qz.o\n"), text("obj /tmp/ccP2n7Rk.o\n")),
    HINTS.random,
  );
  assert.equal(hintForContents(text("answer 41\n"), text("answer 42\n")), undefined);
});
