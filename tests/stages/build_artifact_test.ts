import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadConfig } from "../../src/core/config.ts";
import { artifactDir } from "../../src/core/build_store.ts";
import { artifactId } from "../../src/spec/artifact_id.ts";
import type { ValueMap } from "../../src/spec/values.ts";
import { buildArtifact } from "../../src/stages/build_artifact.ts";
import { findBwrap, prepareBwrap, sandboxFilesDir } from "../../src/stages/sandbox_bwrap.ts";
import { selfCommand } from "../../src/self_command.ts";

Deno.test("buildArtifact() runs hit logpipe: lines written to the pipe land in the log", async () => {
  const home = await Deno.makeTempDir();
  try {
    const config = await loadConfig(join(home, "config.yaml"));
    const spec: ValueMap = {
      name: "piped",
      build: {
        import: [],
        commands: [
          { set: "PATH", value: "/usr/bin:/bin" },
          { hit: ["logpipe", "setup", "WARNING"], to_var: "PIPE" },
          { cmd: ["/bin/sh", "-c", 'printf "one\\ntwo\\n" > "$PIPE"; mkdir -p "$ARTIFACT"'] },
          { hit: ["logpipe", "unused", "INFO"], to_var: "SPARE" },
        ],
      },
    };
    const id = artifactId(spec);
    const bwrap = findBwrap();
    const tools = bwrap ? await prepareBwrap(bwrap, sandboxFilesDir(config.buildStore)) : undefined;
    await buildArtifact(spec, id, { isProfile: false }, {
      config,
      sandbox: bwrap ? "bwrap" : "none",
      setup: tools ? { kind: "bwrap", bwrap: tools, limits: {}, hostPaths: [] } : undefined,
      self: selfCommand(),
      unpackSource: () => Promise.reject(new Error("no sources")),
      cpuCount: 1,
      keepBuild: "error",
    });
    const log = new TextDecoder().decode(
      gunzipSync(await Deno.readFile(join(artifactDir(config.buildStore, id), "build.log.gz"))),
    );
    const lines = log.split("\n").filter((line) => !line.startsWith("hit"));
    assert.deepEqual(lines, ["[WARNING:setup] one", "[WARNING:setup] two", ""]);
  } finally {
    await new Deno.Command("rm", { args: ["-rf", home] }).output();
  }
});
