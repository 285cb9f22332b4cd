import assert from "node:assert/strict";
import { HitError } from "../../../src/errors.ts";
import {
  argOr,
  cfg,
  cont,
  dependencyFlags,
  exportLines,
  extraItems,
  pyStrip,
  requireArg,
  requireParam,
  stringArg,
} from "../../../src/spec/handlers/_flags.ts";
import type { HandlerContext } from "../../../src/spec/handlers/handler.ts";

function context(overrides: Partial<HandlerContext> = {}): HandlerContext {
  return {
    args: { name: "configure", handler: "configure" },
    params: { platform: "linux" },
    deps: [],
    ...overrides,
  };
}

Deno.test("argOr() returns a present key even when it is null", () => {
  assert.equal(argOr({ a: null }, "a", "x"), null);
  assert.equal(argOr({ a: false }, "a", true), false);
  assert.equal(argOr({}, "a", "x"), "x");
});

Deno.test("requireArg() names the missing key and hints that null is fine", () => {
  const ctx = context();
  assert.equal(requireArg({ ...ctx, args: { ...ctx.args, debug: null } }, "debug"), null);
  assert.throws(() => requireArg(ctx, "debug"), (error) => {
    assert.ok(error instanceof HitError);
    assert.equal(error.message, 'handler "configure" needs stage key "debug"');
    assert.match(error.hint ?? "", /"debug"/);
    return true;
  });
});

Deno.test("requireParam() names the missing parameter and the handler", () => {
  const ctx = context({ args: { handler: "libflags" }, params: {} });
  assert.throws(
    () => requireParam(ctx, "platform"),
    { name: "HitError", message: 'handler "libflags" needs parameter "platform"' },
  );
  assert.equal(requireParam(context({ params: { fortran: false } }), "fortran"), false);
});

Deno.test("stringArg() rejects a present value that is not a string", () => {
  assert.equal(stringArg(context(), "configure_path", "."), ".");
  const ctx = context({ args: { handler: "configure", configure_path: null } });
  assert.throws(
    () => stringArg(ctx, "configure_path", "."),
    {
      name: "HitError",
      message: 'handler "configure" needs stage key "configure_path" to be a string: got null',
    },
  );
});

Deno.test("extraItems() stringifies items with str() and requires a list", () => {
  assert.equal(extraItems(context()), undefined);
  const items = extraItems(context({ args: { extra: ["-a", 1, true, null, 2.5] } }));
  assert.deepEqual(items, ["-a", "1", "True", "null", "2.5"]);
  const ctx = context({ args: { handler: "configure", extra: "--enable-shared" } });
  assert.throws(() => extraItems(ctx), /stage key "extra" to be a list: got "--enable-shared"/);
});

Deno.test("dependencyFlags() gives two LD items per dependency, the rpath one only on linux", () => {
  const linux = dependencyFlags(context({ deps: ["A", "B"] }));
  assert.deepEqual(linux.cpp, ["-I${A_DIR}/include", "-I${B_DIR}/include"]);
  assert.deepEqual(linux.ld, [
    "-L${A_DIR}/lib",
    "-Wl,-rpath=${A_DIR}/lib",
    "-L${B_DIR}/lib",
    "-Wl,-rpath=${B_DIR}/lib",
  ]);
  const darwin = dependencyFlags(context({ params: { platform: "Darwin" }, deps: ["A", "B"] }));
  assert.deepEqual(darwin.ld, ["-L${A_DIR}/lib", "", "-L${B_DIR}/lib", ""]);
});

Deno.test("dependencyFlags() reads platform only when there are dependencies", () => {
  assert.deepEqual(dependencyFlags(context({ params: {} })), { cpp: [], ld: [] });
  assert.throws(
    () => dependencyFlags(context({ params: {}, deps: ["A"] })),
    { name: "HitError", message: 'handler "configure" needs parameter "platform"' },
  );
});

Deno.test("exportLines() keeps the double and trailing space of empty rpath items", () => {
  const flags = dependencyFlags(context({ params: { platform: "Darwin" }, deps: ["A", "B"] }));
  assert.deepEqual(exportLines(flags), [
    'export CPPFLAGS="-I${A_DIR}/include -I${B_DIR}/include"',
    'export LDFLAGS="-L${A_DIR}/lib  -L${B_DIR}/lib "',
  ]);
  assert.deepEqual(exportLines({ cpp: [], ld: [] }), [
    'export CPPFLAGS=""',
    'export LDFLAGS=""',
  ]);
});

Deno.test("cont() continues every line but the last and indents every line but the first", () => {
  assert.deepEqual(cont(["a", "b", "c"]), ["a \\", "  b \\", "  c"]);
  assert.deepEqual(cont([" -x"]), [" -x"]);
  assert.deepEqual(cont([]), []);
});

Deno.test("cfg() joins like os.path.join", () => {
  assert.equal(cfg("."), "./configure");
  assert.equal(cfg(""), "configure");
  assert.equal(cfg("src/"), "src/configure");
  assert.equal(cfg("src"), "src/configure");
});

Deno.test("pyStrip() strips Python's white space, not JavaScript's", () => {
  assert.equal(
    pyStrip(" \t\n\r\v\f\x1c\x1d\x1e\x1fa b\x85\xa0\u1680\u2000\u200a\u2028\u3000"),
    "a b",
  );
  assert.equal(pyStrip("\u180ea\u205f"), "a");
  assert.equal(pyStrip("\ufeffa\u200b"), "\ufeffa\u200b");
  assert.equal(pyStrip(" \n "), "");
});
