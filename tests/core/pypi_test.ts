import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  chooseSdist,
  DEFAULT_PYPI_INDEX,
  fetchRelease,
  keyFromSha256,
  mapRequirements,
  normaliseName,
  parseProjectRequest,
  parseRelease,
  parseRequirement,
  type PypiFile,
  releaseUrl,
} from "../../src/core/pypi.ts";
import { HitError } from "../../src/errors.ts";
import { archiveKey } from "../../src/core/source_key.ts";
import { b32, sha256 } from "../../src/spec/hash_document.ts";
import { serve } from "./_source_fixtures.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/pypi/", import.meta.url));

async function fixture(name: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(`${FIXTURES}${name}`));
}

Deno.test("parseProjectRequest() reads NAME and NAME==VERSION", () => {
  assert.deepEqual(parseProjectRequest("six"), { name: "six" });
  assert.deepEqual(parseProjectRequest("zope.interface==5.4.0"), {
    name: "zope.interface",
    version: "5.4.0",
  });
  for (const bad of ["", "six==", "six>=1.0", "-six", "six==1==2", "a b"]) {
    assert.throws(() => parseProjectRequest(bad), (error) => {
      assert.ok(error instanceof HitError);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /expected NAME or NAME==VERSION/);
      return true;
    }, bad);
  }
});

Deno.test("releaseUrl() builds INDEX/NAME/json and INDEX/NAME/VERSION/json", () => {
  assert.equal(releaseUrl(DEFAULT_PYPI_INDEX, { name: "six" }), "https://pypi.org/pypi/six/json");
  assert.equal(
    releaseUrl("http://127.0.0.1:8080/pypi/", { name: "requests", version: "2.27.1" }),
    "http://127.0.0.1:8080/pypi/requests/2.27.1/json",
  );
});

Deno.test("normaliseName() follows PEP 503", () => {
  assert.equal(normaliseName("Flufl_Lock"), "flufl-lock");
  assert.equal(normaliseName("zope.interface"), "zope-interface");
  assert.equal(normaliseName("backports-ssl_match_hostname"), "backports-ssl-match-hostname");
  assert.equal(normaliseName("a-_.b"), "a-b");
});

Deno.test("parseRelease() reads info and the release's files from urls", async () => {
  const release = parseRelease(await fixture("six.json"), "six.json");
  assert.equal(release.name, "six");
  assert.equal(release.version, "1.16.0");
  assert.equal(release.summary, "Python 2 and 3 compatibility utilities");
  assert.deepEqual(release.requiresDist, []);
  assert.equal(release.yanked, undefined);
  assert.deepEqual(release.files.map((file) => [file.filename, file.packagetype]), [
    ["six-1.16.0-py2.py3-none-any.whl", "bdist_wheel"],
    ["six-1.16.0.tar.gz", "sdist"],
  ]);
  assert.equal(
    release.files[1].sha256,
    "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926",
  );
  const requests = parseRelease(await fixture("requests-2.27.1.json"), "r.json");
  assert.equal(requests.requiresDist.length, 9);
});

Deno.test("parseRelease() falls back to releases[version] and rejects other shapes", () => {
  const release = parseRelease({
    info: { name: "x", version: "1", requires_dist: null, yanked: true, yanked_reason: "bad" },
    releases: { "1": [{ filename: "x-1.zip", url: "u", packagetype: "sdist" }] },
  }, "x");
  assert.deepEqual(release.files, [
    { filename: "x-1.zip", url: "u", packagetype: "sdist", yanked: false },
  ]);
  assert.equal(release.yanked, "bad");
  for (
    const [document, message] of [
      [[], /no "info" object/],
      [{ info: { name: "x" } }, /lacks "name" or "version"/],
      [{ info: { name: "x", version: "1", requires_dist: "a" } }, /requires_dist/],
      [{ info: { name: "x", version: "1" } }, /no "urls" list/],
      [{ info: { name: "x", version: "1" }, urls: [{ url: "u" }] }, /file 1 lacks/],
    ] as const
  ) {
    assert.throws(() => parseRelease(document, "http://i/x/json"), (error) => {
      assert.ok(error instanceof HitError);
      assert.match(error.message, /^read PyPI metadata "http:\/\/i\/x\/json": /);
      assert.match(error.message, message);
      return true;
    });
  }
});

function file(filename: string, packagetype = "sdist", yanked = false): PypiFile {
  return { filename, url: `https://files.example/${filename}`, packagetype, yanked };
}

Deno.test("chooseSdist() prefers .tar.gz, then .zip, then .tar.bz2, the last of a type", () => {
  const files = [
    file("p-1.tar.bz2"),
    file("p-1.zip"),
    file("p-1-py3-none-any.whl", "bdist_wheel"),
    file("p-1.tar.gz"),
    file("P-1.TGZ"),
  ];
  const choice = chooseSdist(files)!;
  assert.equal(choice.file.filename, "P-1.TGZ");
  assert.equal(choice.type, "tar.gz");
  assert.equal(choice.sdists.length, 4);
  assert.equal(chooseSdist(files.slice(0, 3))!.file.filename, "p-1.zip");
  assert.equal(chooseSdist(files.slice(0, 1))!.type, "tar.bz2");
  assert.equal(chooseSdist([file("p-1.whl", "bdist_wheel")]), undefined);
  assert.equal(chooseSdist([file("p-1.tar")]), undefined);
});

Deno.test("chooseSdist() passes over yanked sdists unless all are yanked", () => {
  assert.equal(
    chooseSdist([file("p-1.zip"), file("p-1.tar.gz", "sdist", true)])!.file.filename,
    "p-1.zip",
  );
  assert.equal(chooseSdist([file("p-1.tar.gz", "sdist", true)])!.file.filename, "p-1.tar.gz");
});

Deno.test("keyFromSha256() gives the HashDist key of the bytes with that SHA-256", async () => {
  const bytes = new TextEncoder().encode("an sdist");
  const hex = Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
  assert.equal(keyFromSha256("tar.gz", hex), archiveKey("tar.gz", b32(sha256(bytes))));
  assert.match(keyFromSha256("zip", hex), /^zip:[a-z2-7]{32}$/);
});

Deno.test("parseRequirement() splits the name from versions, extras and markers", () => {
  assert.deepEqual(parseRequirement("urllib3 (<1.27,>=1.21.1)"), {
    text: "urllib3 (<1.27,>=1.21.1)",
    name: "urllib3",
  });
  assert.deepEqual(parseRequirement('idna<3,>=2.5; python_version < "3"'), {
    text: 'idna<3,>=2.5; python_version < "3"',
    name: "idna",
    marker: 'python_version < "3"',
  });
  assert.equal(parseRequirement("requests[socks]>=2")!.name, "requests");
  assert.equal(parseRequirement("pip @ https://x.example/p.zip;v=1")!.marker, undefined);
  assert.equal(
    parseRequirement("pip @ https://x.example/p.zip;v=1 ; os_name == 'nt'")!.marker,
    "os_name == 'nt'",
  );
  assert.equal(parseRequirement("(bad)"), undefined);
});

Deno.test("mapRequirements() maps unmarked requirements to known names and sorts the rest", async () => {
  const document = await fixture("requests-2.27.1.json") as { info: { requires_dist: string[] } };
  const mapped = mapRequirements(
    [...document.info.requires_dist, "Certifi>=1", "%%%"],
    ["python", "certifi", "Urllib3", "six"],
  );
  assert.deepEqual(mapped.packages, ["Urllib3", "certifi"]);
  assert.deepEqual(mapped.unknown, []);
  assert.deepEqual(mapped.conditional.map((item) => item.name), [
    "chardet",
    "idna",
    "charset-normalizer",
    "idna",
  ]);
  assert.deepEqual(mapped.extras.map((item) => item.name), ["PySocks", "win-inet-pton", "chardet"]);
  assert.deepEqual(mapped.unparsed, ["%%%"]);
  const bare = mapRequirements(["idna (<4)", "flufl.lock"], ["flufl_lock"]);
  assert.deepEqual(bare.packages, ["flufl_lock"]);
  assert.deepEqual(bare.unknown.map((item) => item.text), ["idna (<4)"]);
});

Deno.test("fetchRelease() asks the indexes in order and uses the first that has the release", async () => {
  const six = await Deno.readTextFile(`${FIXTURES}six.json`);
  await using server = serve((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/pypi/six/json") return new Response(six);
    if (path === "/broken/six/json") return new Response("<html>");
    return new Response("not found", { status: 404, statusText: "Not Found" });
  });
  const found = await fetchRelease({ name: "six" }, {
    indexes: [`${server.url}/mirror`, `${server.url}/broken`, `${server.url}/pypi`],
  });
  assert.equal(found.url, `${server.url}/pypi/six/json`);
  assert.equal(found.release.version, "1.16.0");
  assert.deepEqual(server.requests, ["/mirror/six/json", "/broken/six/json", "/pypi/six/json"]);
});

Deno.test("fetchRelease() lists every attempt when no index has the release", async () => {
  await using server = serve(() => new Response("", { status: 404, statusText: "Not Found" }));
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  await assert.rejects(
    () =>
      fetchRelease({ name: "six", version: "9.9" }, {
        indexes: [`${server.url}/pypi`, `http://127.0.0.1:${deadPort}/pypi`],
      }),
    (error) => {
      assert.ok(error instanceof HitError);
      assert.equal(
        error.message,
        `look up "six" version "9.9" on the package index: no index answered`,
      );
      assert.equal(error.context[0], `tried "${server.url}/pypi/six/9.9/json": HTTP 404 Not Found`);
      assert.match(error.context[1], /^tried "http:\/\/127\.0\.0\.1:\d+\/pypi\/six\/9\.9\/json": /);
      assert.match(error.hint ?? "", /check the network/);
      return true;
    },
  );
  await assert.rejects(
    () => fetchRelease({ name: "nosuch" }, { indexes: [`${server.url}/pypi`] }),
    (error) => error instanceof HitError && error.hint === "check the project name on the index",
  );
});
