import assert from "node:assert/strict";
import { parseOptions } from "../../src/cli/args.ts";
import {
  isOffline,
  SOURCE_OPTIONS,
  sourceArgs,
  withMirrors,
} from "../../src/cli/source_options.ts";
import type { Config } from "../../src/core/config.ts";

Deno.test("sourceArgs() reads --offline and every --mirror in order", () => {
  const parsed = parseOptions("x", SOURCE_OPTIONS, ["--mirror", "a", "--offline", "--mirror=b"]);
  assert.deepEqual(sourceArgs(parsed), { offline: true, mirrors: ["a", "b"] });
  assert.deepEqual(sourceArgs(parseOptions("x", SOURCE_OPTIONS, [])), {
    offline: false,
    mirrors: [],
  });
});

Deno.test("isOffline() is the flag, or HIT_OFFLINE set to a true value", () => {
  assert.equal(isOffline(true, {}), true);
  assert.equal(isOffline(false, {}), false);
  for (const value of ["1", "true", "yes", "YES "]) {
    assert.equal(isOffline(false, { HIT_OFFLINE: value }), true, value);
  }
  for (const value of ["", "0", "false", "no"]) {
    assert.equal(isOffline(false, { HIT_OFFLINE: value }), false, value);
  }
});

Deno.test("withMirrors() puts the command line's mirrors first, folders made absolute", () => {
  const config = { mirrors: ["http://m/"] } as Config;
  assert.equal(withMirrors(config, [], "/w"), config);
  assert.deepEqual(
    withMirrors(config, ["bundle", "/abs", "file:///f", "https://x/"], "/w").mirrors,
    ["/w/bundle", "/abs", "file:///f", "https://x/", "http://m/"],
  );
});
