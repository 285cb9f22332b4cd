import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";

const CONFIG = {
  build_stores: [{ dir: "/s/bld" }],
  source_caches: [{ dir: "/s/src" }],
  build_temp: "/s/tmp",
  cache: "/s/cache",
  gc_roots: "/s/gcroots",
};

Deno.test("hit build-whitelist lists build_temp, /tmp, /etc and the imports of HDIST_CONFIG", async () => {
  await using dir = await makeTempDir();
  const result = await runCli(["build-whitelist"], {
    cwd: dir.path,
    env: {
      HDIST_CONFIG: JSON.stringify(CONFIG),
      HDIST_IMPORT: "alpha/6n52wcuvjw5tpswnohyeabwilx3jgshr zlib/pplncnwkdganiw7n36ijdq6b6xus7dzt",
    },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    "/s/tmp/**\n/tmp/**\n/etc/**\n/s/bld/alpha/6n52wcuvjw5t/**\n/s/bld/zlib/pplncnwkdgan/**\n",
  );
  assert.equal(result.stderr, "");
});

Deno.test("hit build-write-files writes text, objects and executables, and never overwrites", async () => {
  await using dir = await makeTempDir();
  await Deno.writeTextFile(
    join(dir.path, "files.json"),
    JSON.stringify({
      files: [
        {
          target: "$OUT/a/hello.sh",
          text: ["#!/bin/sh", "echo ${WHO}"],
          executable: true,
          expandvars: true,
        },
        { target: "b.json", object: { z: 1, a: [true] } },
        { target: "plain.txt", text: ["$NOT_EXPANDED"] },
      ],
    }),
  );
  const env = { OUT: join(dir.path, "out"), WHO: "world" };
  const result = await runCli(["build-write-files", "--key", "files", "files.json"], {
    cwd: dir.path,
    env,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    await Deno.readTextFile(join(dir.path, "out", "a", "hello.sh")),
    "#!/bin/sh\necho world",
  );
  assert.equal((await Deno.stat(join(dir.path, "out", "a", "hello.sh"))).mode! & 0o111, 0o111);
  assert.equal(
    await Deno.readTextFile(join(dir.path, "b.json")),
    '{\n  "a" : [\n    true\n  ], \n  "z" : 1\n}',
  );
  assert.equal(await Deno.readTextFile(join(dir.path, "plain.txt")), "$NOT_EXPANDED");
  const again = await runCli(["build-write-files", "--key", "files", "files.json"], {
    cwd: dir.path,
    env,
  });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);
});
