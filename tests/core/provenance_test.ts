import assert from "node:assert/strict";
import { versionFromUrl } from "../../src/core/provenance.ts";

Deno.test("versionFromUrl() takes the version from an archive's file name", () => {
  const cases: [string, string | undefined][] = [
    ["https://zlib.net/zlib-1.2.13.tar.gz", "1.2.13"],
    ["http://127.0.0.1:8/zlib_1.2.13.dfsg.orig.tar.bz2", "1.2.13.dfsg"],
    ["http://x/libpng1.6_1.6.39.orig.tar.gz", "1.6.39"],
    ["http://x/patchelf-0.14.3.tar.gz", "0.14.3"],
    ["http://x/v/project-v2.0.1.zip", "2.0.1"],
    ["http://x/tool.tar.gz", undefined],
    ["http://x/repo.git", undefined],
  ];
  for (const [url, version] of cases) assert.equal(versionFromUrl(url), version, url);
  assert.equal(versionFromUrl(undefined), undefined);
});
