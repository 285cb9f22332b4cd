import assert from "node:assert/strict";
import { renderCheckResults } from "../../src/cli/build_check.ts";
import { HINTS } from "../../src/core/difference_hints.ts";

Deno.test("renderCheckResults() lists each differing path with its change and hint, then a total", () => {
  const text = renderCheckResults([
    { name: "zlib", id: "zlib/abc", differences: [] },
    {
      name: "png",
      id: "png/def",
      differences: [
        {
          path: "lib/libpng.a",
          kind: "contents",
          stored: "10 bytes",
          rebuilt: "12 bytes",
          hint: HINTS.archiveOrder,
        },
        { path: "share/x", kind: "only-stored" },
      ],
      keptDir: "/store/.staging/png-def-1",
    },
  ]);
  assert.equal(
    text,
    "zlib: reproducible\n" +
      "png: NOT reproducible, 2 paths differ\n" +
      "  lib/libpng.a: contents differ (10 bytes -> 12 bytes)\n" +
      `    hint: ${HINTS.archiveOrder}\n` +
      "  share/x: only in the stored artifact\n" +
      "  second build kept at /store/.staging/png-def-1\n" +
      "2 checked, 1 not reproducible\n",
  );
  assert.equal(renderCheckResults([]), "0 checked, all reproducible\n");
});
