import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";

// What builds see of the host in each sandbox: the release files build systems detect the
// platform by, host tools a profile names outside /usr, and folders the configuration adds.
const SANDBOXES = ["bwrap", "landlock"];

/** Writes package `name` (one bash stage running `script`) and a profile with `params`. */
async function writeStack(
  dir: string,
  name: string,
  script: string,
  params: Record<string, string> = {},
): Promise<string> {
  await Deno.mkdir(join(dir, "pkgs"), { recursive: true });
  const body = script.trimEnd().split("\n").map((line) => `    ${line}`).join("\n");
  await Deno.writeTextFile(
    join(dir, "pkgs", `${name}.yaml`),
    `build_stages:\n- name: run\n  handler: bash\n  bash: |\n${body}\n`,
  );
  const lines = Object.entries({ BASH: "/bin/bash", PATH: "/usr/bin:/bin", ...params })
    .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}\n`).join("");
  const profile = join(dir, `${name}.yaml`);
  await Deno.writeTextFile(
    profile,
    `parameters:\n${lines}package_dirs: [pkgs]\npackages:\n  ${name}:\n`,
  );
  return profile;
}

function onlyArtifact(store: string, name: string): string {
  const dirs = [...Deno.readDirSync(join(store, name))].filter((entry) => entry.isDirectory);
  assert.equal(dirs.length, 1);
  return join(store, name, dirs[0].name);
}

const CMAKE_PROJECT = `mkdir -p src && cd src
cat > CMakeLists.txt <<'CMAKE'
cmake_minimum_required(VERSION 3.10)
project(probe C)
include(GNUInstallDirs)
add_library(probe SHARED probe.c)
install(TARGETS probe LIBRARY DESTINATION \${CMAKE_INSTALL_LIBDIR})
CMAKE
echo 'int probe(void) { return 1; }' > probe.c
cmake -S . -B build -DCMAKE_INSTALL_PREFIX="$ARTIFACT" > cmake.log
make -C build install > make.log
cat /etc/os-release > "$ARTIFACT/os-release.txt"`;

const debian = await Deno.stat("/etc/debian_version").then(() => true, () => false);
const cmake = await Deno.stat("/usr/bin/cmake").then(() => true, () => false);

Deno.test({
  name: "a CMake package using GNUInstallDirs installs into lib/ on Debian under each sandbox",
  ignore: !debian || !cmake,
  async fn() {
    if (!debian || !cmake) console.log("skipped: needs a Debian host with cmake");
    await using dir = await makeTempDir();
    const profile = await writeStack(dir.path, "cmakeprobe", CMAKE_PROJECT);
    for (const sandbox of SANDBOXES) {
      await Deno.remove(join(dir.path, ".home"), { recursive: true }).catch(() => {});
      const result = await runCli(["build", profile, `--sandbox=${sandbox}`], { cwd: dir.path });
      assert.equal(result.code, 0, `${sandbox}: ${result.stderr}`);
      const artifact = onlyArtifact(join(dir.path, ".home", ".hit", "bld"), "cmakeprobe");
      const names = [...Deno.readDirSync(artifact)].map((entry) => entry.name).sort();
      assert.ok(names.includes("lib"), `${sandbox}: installed into ${names.join(", ")}`);
      assert.ok(!names.includes("lib64"), `${sandbox}: installed into lib64`);
      assert.ok((await Deno.lstat(join(artifact, "lib", "libprobe.so"))).isFile);
      assert.equal(
        await Deno.readTextFile(join(artifact, "os-release.txt")),
        await Deno.readTextFile("/etc/os-release"),
        `${sandbox}: /etc/os-release differs`,
      );
    }
  },
});

Deno.test("a HOST_* tool outside /usr and a sandbox_paths folder are readable in each sandbox", async () => {
  await using dir = await makeTempDir();
  const prefix = join(dir.path, "opt-tool");
  await Deno.mkdir(join(prefix, "bin"), { recursive: true });
  await Deno.mkdir(join(prefix, "share"), { recursive: true });
  await Deno.writeTextFile(join(prefix, "share", "greeting.txt"), "from the tool's prefix\n");
  await Deno.writeTextFile(
    join(prefix, "bin", "tool"),
    `#!/bin/sh\ncat "${join(prefix, "share", "greeting.txt")}"\n`,
    { mode: 0o755 },
  );
  const site = join(dir.path, "site-apps");
  await Deno.mkdir(site);
  await Deno.writeTextFile(join(site, "module.txt"), "from sandbox_paths\n");
  const hitHome = join(dir.path, ".home", ".hit");
  const profile = await writeStack(
    dir.path,
    "hosttool",
    `mkdir -p "$ARTIFACT"\n"{{HOST_TOOL}}" > "$ARTIFACT/tool.txt"\ncat "${site}/module.txt" > "$ARTIFACT/site.txt"`,
    { HOST_TOOL: join(prefix, "bin", "tool") },
  );
  for (const sandbox of SANDBOXES) {
    await Deno.remove(join(dir.path, ".home"), { recursive: true }).catch(() => {});
    // Without the configuration key, the site folder is out of reach.
    const denied = await runCli(["build", profile, `--sandbox=${sandbox}`], { cwd: dir.path });
    assert.equal(denied.code, 1, `${sandbox}: the site folder was readable without sandbox_paths`);
    assert.match(denied.stderr, /module\.txt: (No such file or directory|Permission denied)/);
    const config = join(hitHome, "config.yaml");
    await Deno.writeTextFile(
      config,
      (await Deno.readTextFile(config)) + `sandbox_paths: [${site}]\n`,
    );
    const result = await runCli(["build", profile, `--sandbox=${sandbox}`], { cwd: dir.path });
    assert.equal(result.code, 0, `${sandbox}: ${result.stderr}`);
    const artifact = onlyArtifact(join(hitHome, "bld"), "hosttool");
    assert.equal(await Deno.readTextFile(join(artifact, "tool.txt")), "from the tool's prefix\n");
    assert.equal(await Deno.readTextFile(join(artifact, "site.txt")), "from sandbox_paths\n");
  }
});
