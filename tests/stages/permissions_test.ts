import assert from "node:assert/strict";
import {
  fetchPermissions,
  hashPermissions,
  netAddress,
  type StagePermissions,
  unpackPermissions,
} from "../../src/stages/permissions.ts";

const DENIED = { env: false, run: false, sys: false, ffi: false, import: false } as const;
const CACHE = { cacheDir: "/cache", cacheTempDir: "/cache/tmp" };

Deno.test("netAddress() gives host:port with the scheme's default port", () => {
  assert.equal(netAddress("http://127.0.0.1:8080/a.tar.gz"), "127.0.0.1:8080");
  assert.equal(netAddress("http://example.org/a.tar.gz"), "example.org:80");
  assert.equal(netAddress("https://example.org/a.tar.gz"), "example.org:443");
  assert.equal(netAddress("HTTPS://Example.ORG:8443/x"), "example.org:8443");
  assert.equal(netAddress("https://user:secret@example.org/x"), "example.org:443");
  assert.equal(netAddress("http://[::1]:9000/x"), "[::1]:9000");
});

Deno.test("netAddress() has nothing for local, other-scheme or malformed URLs", () => {
  for (const url of ["file:///a.tar.gz", "file:a.tar.gz", "/a.tar.gz", "ftp://h/x", "http://"]) {
    assert.equal(netAddress(url), undefined, url);
  }
});

Deno.test("fetchPermissions() grants net to each URL's and mirror's host:port, once", () => {
  const permissions = fetchPermissions({
    urls: ["http://127.0.0.1:8080/a.tar.gz", "https://example.org/b.tar.gz"],
    mirrors: ["http://127.0.0.1:8080/mirror", "https://mirror.example.org/cache/"],
    ...CACHE,
  });
  assert.deepEqual(
    permissions,
    {
      net: ["127.0.0.1:8080", "example.org:443", "mirror.example.org:443"],
      read: ["/cache"],
      write: ["/cache/tmp"],
      ...DENIED,
    } satisfies StagePermissions,
  );
});

Deno.test("fetchPermissions() gives local URLs and folder mirrors read grants only", () => {
  const permissions = fetchPermissions({
    urls: ["file:///src/a.tar.gz", "file:rel/b.tar.gz", "/src/c.zip"],
    mirrors: ["/mirror", "file:///other-mirror"],
    ...CACHE,
  });
  assert.deepEqual(permissions, {
    net: false,
    read: ["/cache", "/src/a.tar.gz", "rel/b.tar.gz", "/src/c.zip", "/mirror", "/other-mirror"],
    write: ["/cache/tmp"],
    ...DENIED,
  });
});

Deno.test("fetchPermissions() offline grants no net at all, local reads still", () => {
  const permissions = fetchPermissions({
    urls: ["http://127.0.0.1:8080/a.tar.gz", "file:///src/a.tar.gz"],
    mirrors: ["https://mirror.example.org/"],
    offline: true,
    ...CACHE,
  });
  assert.equal(permissions.net, false);
  assert.deepEqual(permissions.read, ["/cache", "/src/a.tar.gz"]);
  assert.deepEqual(permissions.write, ["/cache/tmp"]);
});

Deno.test("fetchPermissions() gives an unsupported scheme no grant", () => {
  const permissions = fetchPermissions({ urls: ["ftp://example.org/a.tar.gz"], ...CACHE });
  assert.deepEqual(permissions, { net: false, read: ["/cache"], write: ["/cache/tmp"], ...DENIED });
});

Deno.test("hashPermissions() grants read of the one file and nothing else", () => {
  assert.deepEqual(hashPermissions("/cache/packs/tar.gz/abc"), {
    net: false,
    read: ["/cache/packs/tar.gz/abc"],
    write: false,
    ...DENIED,
  });
});

Deno.test("unpackPermissions() grants read of archive and target, write of the target only", () => {
  const paths = { archive: "/cache/packs/tar.gz/abc", target: "/build/src" };
  for (const type of ["tar.gz", "tar", "zip", "files"] as const) {
    assert.deepEqual(
      unpackPermissions({ ...paths, type }),
      {
        net: false,
        read: ["/cache/packs/tar.gz/abc", "/build/src"],
        write: ["/build/src"],
        ...DENIED,
      } satisfies StagePermissions,
      type,
    );
  }
});

Deno.test("unpackPermissions() grants run of the one decompressor by absolute path in /usr/bin and /bin", () => {
  const paths = { archive: "/a", target: "/t" };
  assert.deepEqual(unpackPermissions({ ...paths, type: "tar.bz2" }).run, [
    "/usr/bin/bzip2",
    "/bin/bzip2",
  ]);
  assert.deepEqual(unpackPermissions({ ...paths, type: "tar.xz" }).run, ["/usr/bin/xz", "/bin/xz"]);
});
