import assert from "node:assert/strict";
import {
  artifactId,
  canonicalBuildSpec,
  pruneNohash,
  shortId,
} from "../../src/spec/artifact_id.ts";
import { canonicalJson } from "../../src/spec/canonical_json.ts";
import { sha256 } from "../../src/spec/hash_document.ts";
import type { ValueMap } from "../../src/spec/values.ts";
import { HitError } from "../../src/errors.ts";

const CONFORMANCE = new URL("../../../shared/conformance/packages/", import.meta.url);

const POSTPROCESS = { hit: ["build-postprocess", "--shebang=multiline", "--write-protect"] };

/** The patchelf build spec of HASHDIST.md §4.6, with its `nohash_value`s put back. */
function patchelfSpec(): ValueMap {
  return {
    name: "patchelf",
    sources: [
      { key: "files:btauw7tm4jk6rdgvq4ldb7awwpf5ocok", target: "." },
      { key: "tar.bz2:zgpyjujegrzubq3ha4ej5shxauykxvlo", target: "." },
    ],
    build: {
      import: [],
      commands: [
        { set: "PATH", nohash_value: "/usr/bin:/bin" },
        { set: "BASH", nohash_value: "/bin/bash" },
        { cmd: ["$BASH", "_hashdist/build.sh"] },
        POSTPROCESS,
      ],
    },
  };
}

/** The test_empty build spec of HASHDIST.md §4.6, with its `nohash_value`s put back. */
function testEmptySpec(): ValueMap {
  return {
    name: "test_empty",
    sources: [{ key: "files:7jpfkxrivt2pguyw42m3ynvvvpoolwfh", target: "." }],
    build: {
      import: [{ id: "patchelf/ubfhdyx6mshu3icyvdgwnljyfzy6xr5n", ref: "PATCHELF" }],
      commands: [
        { set: "PATH", nohash_value: "/usr/bin:/bin" },
        { set: "PATCHELF", value: "${PATCHELF_DIR}/bin/patchelf" },
        { set: "BASH", nohash_value: "/bin/bash" },
        { cmd: ["$BASH", "_hashdist/build.sh"] },
        POSTPROCESS,
      ],
    },
  };
}

Deno.test("artifactId() hashes the patchelf build spec of HASHDIST.md §4.6", () => {
  const pruned = canonicalJson(pruneNohash(canonicalBuildSpec(patchelfSpec())));
  assert.equal(
    pruned,
    '{"build":{"commands":[{"set":"PATH"},{"set":"BASH"},{"cmd":["$BASH","_hashdist/build.sh"]},' +
      '{"hit":["build-postprocess","--shebang=multiline","--write-protect"]}],"import":[]},' +
      '"name":"patchelf","sources":[{"key":"files:btauw7tm4jk6rdgvq4ldb7awwpf5ocok","target":"."},' +
      '{"key":"tar.bz2:zgpyjujegrzubq3ha4ej5shxauykxvlo","target":"."}]}',
  );
  const digest = Array.from(sha256("build-spec|" + pruned), (b) => b.toString(16).padStart(2, "0"))
    .join("");
  assert.match(digest, /^a04a71e2.*7f7870aa75420681a$/);
  assert.equal(artifactId(patchelfSpec()), "patchelf/ubfhdyx6mshu3icyvdgwnljyfzy6xr5n");
});

Deno.test("artifactId() hashes the test_empty build spec of HASHDIST.md §4.6", () => {
  assert.equal(
    canonicalJson(pruneNohash(canonicalBuildSpec(testEmptySpec()))),
    '{"build":{"commands":[{"set":"PATH"},{"set":"PATCHELF","value":"${PATCHELF_DIR}/bin/patchelf"},' +
      '{"set":"BASH"},{"cmd":["$BASH","_hashdist/build.sh"]},' +
      '{"hit":["build-postprocess","--shebang=multiline","--write-protect"]}],' +
      '"import":[{"id":"patchelf/ubfhdyx6mshu3icyvdgwnljyfzy6xr5n","ref":"PATCHELF"}]},' +
      '"name":"test_empty","sources":[{"key":"files:7jpfkxrivt2pguyw42m3ynvvvpoolwfh","target":"."}]}',
  );
  assert.equal(artifactId(testEmptySpec()), "test_empty/qmbssiza4scphgboge7rfvjhmdhknmq3");
});

Deno.test("artifactId() hashes the zlib build spec of HASHDIST.md §4.6", () => {
  const spec = JSON.parse(
    '{"name":"zlib","build":{"import":[],"commands":[{"set":"BASH","nohash_value":"/bin/bash"},' +
      '{"cmd":["$BASH","_hashdist/build.sh"]}]},' +
      '"sources":[{"target":".","key":"files:ruwkpei2ot2fp77myn2n2n4ttefuabab"}]}',
  );
  assert.equal(artifactId(spec), "zlib/txatfqlqzuxjevqokie56lbv7ksp564n");
});

Deno.test("artifactId() adds a null ref before hashing (the p vector of HASHDIST.md §4.6)", () => {
  const spec = {
    name: "p",
    version: "n",
    build: { import: [{ id: "zlib/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }], commands: [] },
  };
  assert.equal(artifactId(spec), "p/eyiyj4j5w6dwgntb7cznkgbtfkklx2a2");
});

Deno.test("artifactId() ignores nohash_ members", () => {
  const a = patchelfSpec();
  const b = patchelfSpec();
  b.nohash_comment = "anything";
  (b.build as { commands: ValueMap[] }).commands[0].nohash_value = "/opt/bin";
  assert.equal(artifactId(a), artifactId(b));
});

Deno.test("artifactId() reproduces every conformance artifact id", () => {
  let checked = 0;
  for (const profile of Deno.readDirSync(CONFORMANCE)) {
    for (const file of Deno.readDirSync(new URL(`${profile.name}/`, CONFORMANCE))) {
      const text = Deno.readTextFileSync(new URL(`${profile.name}/${file.name}`, CONFORMANCE));
      const result = JSON.parse(text);
      if (!result.ok) continue;
      assert.equal(artifactId(result.build_spec), result.artifact_id, file.name);
      checked++;
    }
  }
  assert.ok(checked > 600, `only ${checked} packages checked`);
});

Deno.test("canonicalBuildSpec() gives each import without ref a null ref", () => {
  const spec: ValueMap = {
    name: "p",
    build: { import: [{ id: "a/x" }, { id: "b/y", ref: "B" }, { id: "c/z", ref: null }] },
  };
  assert.deepEqual(canonicalBuildSpec(spec), {
    name: "p",
    build: {
      import: [{ id: "a/x", ref: null }, { id: "b/y", ref: "B" }, { id: "c/z", ref: null }],
    },
  });
});

Deno.test("canonicalBuildSpec() does not mutate its input", () => {
  const spec = { name: "p", build: { import: [{ id: "a/x" }] } };
  const before = structuredClone(spec);
  canonicalBuildSpec(spec);
  assert.deepEqual(spec, before);
});

Deno.test("canonicalBuildSpec() keeps nohash_ members", () => {
  const spec = patchelfSpec();
  assert.deepEqual(canonicalBuildSpec(spec), spec);
});

Deno.test("canonicalBuildSpec() rejects an empty-string ref", () => {
  const spec = { name: "p", build: { import: [{ id: "zlib/abc", ref: "" }] } };
  assert.throws(
    () => canonicalBuildSpec(spec),
    (error) => error instanceof HitError && error.message.includes('"zlib/abc"'),
  );
});

Deno.test("canonicalBuildSpec() accepts names of letters, digits, _, + and -", () => {
  const spec = { name: "Py_thon-2+x9", version: "2_7-1+b" };
  assert.deepEqual(canonicalBuildSpec(spec), spec);
});

Deno.test("canonicalBuildSpec() rejects a name with other characters anywhere (Q10)", () => {
  for (const name of ["", "foo bar", "a!", "x/y", "9.0", "café", "-\u00e9"]) {
    assert.throws(
      () => canonicalBuildSpec({ name }),
      (error) => error instanceof HitError && error.message.includes(JSON.stringify(name)),
      name,
    );
  }
});

Deno.test("canonicalBuildSpec() rejects a missing or non-string name", () => {
  assert.throws(() => canonicalBuildSpec({}), HitError);
  assert.throws(() => canonicalBuildSpec({ name: 5 }), HitError);
});

Deno.test("canonicalBuildSpec() checks version only when present", () => {
  assert.doesNotThrow(() => canonicalBuildSpec({ name: "p" }));
  assert.throws(() => canonicalBuildSpec({ name: "p", version: "1.2" }), /version "1\.2"/);
  assert.throws(() => canonicalBuildSpec({ name: "p", version: null }), HitError);
});

Deno.test("pruneNohash() drops nohash_ members at any depth without mutating", () => {
  const doc = {
    a: [[{ nohash_foo: [1, 2, 3], keep: { nohash_x: 1, y: 2 } }, 1, "nohash_str"]],
    nohash_foo: true,
    b: { nohash_: null },
  };
  const before = structuredClone(doc);
  assert.deepEqual(pruneNohash(doc), { a: [[{ keep: { y: 2 } }, 1, "nohash_str"]], b: {} });
  assert.deepEqual(doc, before);
});

Deno.test("pruneNohash() returns scalars as they are", () => {
  assert.equal(pruneNohash("nohash_x"), "nohash_x");
  assert.equal(pruneNohash(null), null);
  assert.equal(pruneNohash(3), 3);
});

Deno.test("shortId() keeps the name and the first 12 characters of the hash", () => {
  assert.equal(shortId("zlib/pplncnwkdganiw7n36ijdq6b6xus7dzt"), "zlib/pplncnwkdgan");
});

Deno.test("shortId() rejects an id without name and hash", () => {
  for (const id of ["zlib", "/abc", "zlib/"]) {
    assert.throws(() => shortId(id), (error) => error instanceof HitError, id);
  }
});
