import assert from "node:assert/strict";
import { parseConfig } from "../../src/core/config.ts";
import { checkConfigKey, configValue, setConfigValue } from "../../src/core/config_keys.ts";

const TEXT = `# my comment
build_stores:
- dir: ./bld
build_temp: ./tmp
source_caches:
- dir: ./src
- url: https://mirror.example/src
cache: ./cache
gc_roots: ./gcroots
`;

Deno.test("setConfigValue() rewrites only the key's block and keeps comments and mirrors", () => {
  const temp = setConfigValue(TEXT, "/h/config.yaml", "build_temp", "/scratch/t");
  assert.equal(temp, TEXT.replace("build_temp: ./tmp", 'build_temp: "/scratch/t"'));
  const cache = setConfigValue(TEXT, "/h/config.yaml", "source_cache", "../shared-src");
  const config = parseConfig(cache, "/h/config.yaml");
  assert.equal(configValue(config, "source_cache"), "/shared-src");
  assert.deepEqual(config.mirrors, ["https://mirror.example/src"]);
  assert.ok(cache.startsWith("# my comment\n"));
  const sandbox = setConfigValue(TEXT, "/h/config.yaml", "sandbox", "none");
  assert.equal(parseConfig(sandbox, "/h/config.yaml").sandbox, "none");
  assert.throws(
    () => setConfigValue(TEXT, "/h/config.yaml", "sandbox", "nonee"),
    /"sandbox" must be one of/,
  );
  assert.throws(() => setConfigValue(TEXT, "/h/config.yaml", "mirrors", "x"), /cannot be set/);
});

Deno.test("checkConfigKey() suggests the closest key", () => {
  assert.equal(checkConfigKey("cache"), "cache");
  assert.throws(() => checkConfigKey("buid_temp"), (error: Error & { hint?: string }) => {
    return error.hint === 'did you mean "build_temp"?';
  });
});
