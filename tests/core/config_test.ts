import assert from "node:assert/strict";
import { join } from "node:path";
import { HitError } from "../../src/errors.ts";
import { defaultConfigPath, initHome, loadConfig, parseConfig } from "../../src/core/config.ts";

Deno.test("defaultConfigPath() prefers HIT_HOME, then ~/.hashdist", () => {
  assert.equal(defaultConfigPath({ HIT_HOME: "/h", HOME: "/u" }), "/h/config.yaml");
  assert.equal(defaultConfigPath({ HOME: "/u" }), "/u/.hashdist/config.yaml");
  assert.throws(() => defaultConfigPath({}), HitError);
});

Deno.test("loadConfig() writes the default configuration and creates its folders", async () => {
  const home = await Deno.realPath(await Deno.makeTempDir());
  try {
    const config = await loadConfig(join(home, "h", "config.yaml"));
    assert.equal(config.buildStore, join(home, "h", "bld"));
    assert.equal(config.sourceCache, join(home, "h", "src"));
    assert.equal(config.buildTemp, join(home, "h", "tmp"));
    assert.equal(config.gcRoots, join(home, "h", "gcroots"));
    assert.deepEqual(config.mirrors, []);
    await assert.rejects(initHome(join(home, "h", "config.yaml")), /already exists/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("parseConfig() resolves paths against the file and keeps URL mirrors", () => {
  const config = parseConfig(
    "build_stores: [{dir: bld}]\nbuild_temp: /t\nsource_caches: [{dir: ./src}, {url: 'http://127.0.0.1:1/m'}, {url: mirror}]\ncache: c\ngc_roots: g\n",
    "/etc/hit/config.yaml",
  );
  assert.equal(config.buildStore, "/etc/hit/bld");
  assert.equal(config.buildTemp, "/t");
  assert.deepEqual(config.mirrors, ["http://127.0.0.1:1/m", "/etc/hit/mirror"]);
});

Deno.test("parseConfig() names the file and the key of a schema violation", () => {
  const bad = (text: string, pattern: RegExp) => {
    const error = (() => {
      try {
        parseConfig(text, "/c/config.yaml");
      } catch (error) {
        return error;
      }
    })();
    assert.ok(error instanceof HitError, text);
    assert.equal(error.location.file, "/c/config.yaml");
    assert.match(error.message, pattern);
  };
  const rest = "build_temp: t\ncache: c\ngc_roots: g\n";
  bad(`build_stores: {a: 3}\nsource_caches: [{dir: s}]\n${rest}`, /"build_stores" must be a list/);
  bad(
    `build_stores: [{dir: a}, {dir: b}]\nsource_caches: [{dir: s}]\n${rest}`,
    /only one build store/,
  );
  bad(`build_stores: [{dir: a}]\nsource_caches: [{url: x}]\n${rest}`, /first of "source_caches"/);
  bad(
    `build_stores: [{dir: a}]\nsource_caches: [{dir: s}, {dir: t}]\n${rest}`,
    /entry 2 must be \{url/,
  );
  bad(
    `build_stores: [{dir: a}]\nsource_caches: [{dir: s}]\ncache: c\ngc_roots: g\n`,
    /"build_temp" must be a path/,
  );
});

Deno.test("parseConfig() reads hit's own sandbox key and rejects other values", () => {
  const base = "build_stores: [{dir: b}]\nsource_caches: [{dir: s}]\nbuild_temp: t\ncache: c\n" +
    "gc_roots: g\n";
  assert.equal(parseConfig(base, "/c/config.yaml").sandbox, undefined);
  assert.equal(parseConfig(base + "sandbox: none\n", "/c/config.yaml").sandbox, "none");
  assert.throws(
    () => parseConfig(base + "sandbox: docker\n", "/c/config.yaml"),
    /"sandbox" must be one of "auto", "bwrap", "landlock", "none", found "docker"/,
  );
  assert.equal(parseConfig(base + "sandbox: landlock\n", "/c/config.yaml").sandbox, "landlock");
});

Deno.test("parseConfig() reads sandbox_paths relative to the file and checks sandbox_limits", () => {
  const base = "build_stores: [{dir: b}]\nsource_caches: [{dir: s}]\nbuild_temp: t\ncache: c\n" +
    "gc_roots: g\n";
  const config = parseConfig(
    base +
      "sandbox_paths: [/opt, apps]\nsandbox_limits: {processes: 64, cpu_seconds: 600, tmp_bytes: 4096}\n",
    "/c/config.yaml",
  );
  assert.deepEqual(config.sandboxPaths, ["/opt", "/c/apps"]);
  assert.deepEqual(config.sandboxLimits, { processes: 64, cpuSeconds: 600, tmpSize: 4096 });
  assert.throws(
    () => parseConfig(base + "sandbox_limits: {threads: 4}\n", "/c/config.yaml"),
    /"sandbox_limits" has an unknown key "threads"/,
  );
  assert.throws(
    () => parseConfig(base + "sandbox_limits: {processes: -1}\n", "/c/config.yaml"),
    /"sandbox_limits.processes" must be a positive whole number, found -1/,
  );
  assert.throws(
    () => parseConfig(base + "sandbox_paths: /opt\n", "/c/config.yaml"),
    /"sandbox_paths" must be a list of folders/,
  );
  assert.equal(parseConfig(base + "sandbox_uid: 4000\n", "/c/config.yaml").sandboxUid, 4000);
  assert.equal(parseConfig(base, "/c/config.yaml").sandboxUid, undefined);
  for (const bad of ["0", "-5", "nobody", "1.5"]) {
    assert.throws(
      () => parseConfig(base + `sandbox_uid: ${bad}\n`, "/c/config.yaml"),
      /"sandbox_uid" must be a uid above 0/,
    );
  }
});

Deno.test("parseConfig() reads the executor key with its Slurm settings", () => {
  const base = "build_stores: [{dir: b}]\nsource_caches: [{dir: s}]\nbuild_temp: t\ncache: c\n" +
    "gc_roots: g\n";
  const read = (text: string) => parseConfig(base + text, "/c/config.yaml").executor;
  assert.equal(read(""), undefined);
  assert.deepEqual(read("executor: local\n"), { kind: "local" });
  assert.deepEqual(read("executor: slurm\n"), { kind: "slurm" });
  assert.deepEqual(
    read(
      "executor:\n  slurm:\n    partition: compute\n    time: 90\n    account: chem\n" +
        "    qos: low\n    extra_args: [--exclusive]\n    group: 3\n",
    ),
    {
      kind: "slurm",
      partition: "compute",
      time: "90",
      account: "chem",
      qos: "low",
      extraArgs: ["--exclusive"],
      group: 3,
    },
  );
  assert.throws(() => read("executor: pbs\n"), /"executor" must be "local", "slurm"/);
  assert.throws(
    () => read("executor: {slurm: {queue: x}}\n"),
    /unknown key "executor.slurm.queue"/,
  );
  assert.throws(() => read("executor: {slurm: {group: 0}}\n"), /"executor.slurm.group" must be/);
  assert.throws(() => read("executor: {slurm: {extra_args: -x}}\n"), /must be a list of strings/);
});
