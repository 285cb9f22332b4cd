import assert from "node:assert/strict";
import { DownloadFailure } from "../../src/core/download_failure.ts";
import { followRedirect, isRedirectStatus, MAX_REDIRECTS } from "../../src/core/redirects.ts";

function refusal(from: string, location: string | null, visited: string[]): DownloadFailure {
  try {
    followRedirect(from, location, visited);
  } catch (error) {
    assert.ok(error instanceof DownloadFailure, String(error));
    assert.equal(error.retry, false, "a refused redirect is final");
    return error;
  }
  return assert.fail(`"${location}" was followed`);
}

Deno.test("isRedirectStatus() is true for 301, 302, 303, 307 and 308 only", () => {
  assert.deepEqual(
    [300, 301, 302, 303, 304, 305, 307, 308, 200].filter(isRedirectStatus),
    [301, 302, 303, 307, 308],
  );
});

Deno.test("followRedirect() takes a relative Location from the current URL", () => {
  const from = "http://127.0.0.1:8/a/b.tar.gz";
  assert.equal(followRedirect(from, "c.tar.gz", [from]), "http://127.0.0.1:8/a/c.tar.gz");
  assert.equal(followRedirect(from, "/d/e.tar.gz", [from]), "http://127.0.0.1:8/d/e.tar.gz");
  assert.equal(
    followRedirect(from, "//127.0.0.2:9/f.tar.gz", [from]),
    "http://127.0.0.2:9/f.tar.gz",
  );
});

Deno.test("followRedirect() allows http to https and refuses https to http", () => {
  const plain = "http://127.0.0.1/x.tar.gz";
  assert.equal(
    followRedirect(plain, "https://127.0.0.1/x.tar.gz", [plain]),
    "https://127.0.0.1/x.tar.gz",
  );
  const secure = "https://127.0.0.1/x.tar.gz";
  const error = refusal(secure, "http://127.0.0.2/x.tar.gz", [secure]);
  assert.match(error.message, /from https to plain http is refused/);
  assert.match(error.message, /"http:\/\/127\.0\.0\.2\/x\.tar\.gz"/);
});

Deno.test("followRedirect() names a loop with its hops", () => {
  const a = "http://127.0.0.1/a";
  const b = "http://127.0.0.1/b";
  const error = refusal(b, "/a", [a, b]);
  assert.equal(
    error.message,
    `redirect loop: "${b}" leads back to "${a}" ("${a}" -> "${b}")`,
  );
});

Deno.test("followRedirect() stops after MAX_REDIRECTS hops", () => {
  const visited = Array.from({ length: MAX_REDIRECTS + 1 }, (_, i) => `http://127.0.0.1/${i}`);
  const error = refusal(visited.at(-1)!, "/next", visited);
  assert.match(error.message, /^too many redirects: more than 10 from "http:\/\/127\.0\.0\.1\/0"/);
  const fewer = visited.slice(0, MAX_REDIRECTS);
  assert.equal(followRedirect(fewer.at(-1)!, "/next", fewer), "http://127.0.0.1/next");
});

Deno.test("followRedirect() drops the user and password on the way to another host", () => {
  const from = "http://me:secret@127.0.0.1/x";
  assert.equal(followRedirect(from, "http://127.0.0.2/y", [from]), "http://127.0.0.2/y");
  assert.equal(followRedirect(from, "/y", [from]), "http://me:secret@127.0.0.1/y");
});

Deno.test("followRedirect() refuses a missing, malformed or non-http Location", () => {
  const from = "http://127.0.0.1/x";
  assert.match(refusal(from, null, [from]).message, /without a Location header/);
  assert.match(refusal(from, "http://[::1", [from]).message, /malformed URL/);
  assert.match(refusal(from, "ftp://127.0.0.1/x", [from]).message, /only http and https/);
});
