import assert from "node:assert/strict";
import { join } from "node:path";
import { makeTempDir, runCli } from "./_run_cli.ts";
import { bashPackage, writeProfile } from "./_bash_profile.ts";

// As root, a build runs as an unprivileged uid: root-owned, mode-guarded files it can see stay
// out of its reach, whatever the sandbox's mounts allow. `none` is the control.
const ROOT_REASON = "only a root hit gives its builds another uid";

function probeScript(secret: string): string {
  return [
    'mkdir -p "$ARTIFACT"',
    'r="$ARTIFACT/results.txt"',
    'echo "uid=$(id -u)" >> "$r"',
    `if cat "${secret}" > /dev/null 2>&1; then echo read_root_file=ok; else echo read_root_file=blocked; fi >> "$r"`,
    // hit's log in the build folder: root-owned, mode 0644, in a folder the build may write.
    'if (echo probe >> "$PWD/_hashdist/build.log") 2> /dev/null; then echo write_root_file=ok; else echo write_root_file=blocked; fi >> "$r"',
    "v=$(cat /proc/sys/vm/swappiness)",
    'if (echo "$v" > /proc/sys/vm/swappiness) 2> /dev/null; then echo write_host_sysctl=ok; else echo write_host_sysctl=blocked; fi >> "$r"',
  ].join("\n");
}

Deno.test({
  name: "as root, a build runs as an unprivileged uid and cannot write root's files or a sysctl",
  ignore: Deno.uid() !== 0,
  async fn() {
    await using dir = await makeTempDir();
    // Landlock shows host folders as they are: the build user must be able to enter them.
    await Deno.chmod(dir.path, 0o755);
    const guarded = join(dir.path, "guarded");
    await Deno.mkdir(guarded, { mode: 0o755 });
    const secret = join(guarded, "secret");
    await Deno.writeTextFile(secret, "root only\n", { mode: 0o600 });
    const profile = await writeProfile(dir.path, { probe: bashPackage(probeScript(secret)) });
    const hitHome = join(dir.path, ".home", ".hit");
    const results: Record<string, Record<string, string>> = {};
    for (const sandbox of ["none", "bwrap", "landlock"]) {
      await Deno.remove(join(hitHome, "bld"), { recursive: true }).catch(() => {});
      const result = await runCli(["build", profile, `--sandbox=${sandbox}`], { cwd: dir.path });
      assert.equal(result.code, 0, `${sandbox}: ${result.stderr}`);
      if (sandbox === "none") {
        // The sandboxes are shown the guarded folder, as a site's `sandbox_paths` would be.
        const config = join(hitHome, "config.yaml");
        await Deno.writeTextFile(config, `sandbox_paths: [${guarded}]\n`, { append: true });
      }
      const artifact = join(hitHome, "bld", "probe");
      const [name] = [...Deno.readDirSync(artifact)].map((entry) => entry.name);
      const text = await Deno.readTextFile(join(artifact, name, "results.txt"));
      results[sandbox] = Object.fromEntries(text.trim().split("\n").map((l) => l.split("=")));
      const info = await Deno.stat(join(artifact, name, "results.txt"));
      assert.equal(info.uid, 0, `${sandbox}: the artifact was not given back to root`);
      const json = JSON.parse(await Deno.readTextFile(join(artifact, name, "artifact.json")));
      if (sandbox !== "none") assert.equal(json.sandbox_details.build_uid, 65534, sandbox);
    }
    assert.deepEqual(results.none, {
      uid: "0",
      read_root_file: "ok",
      write_root_file: "ok",
      write_host_sysctl: "ok",
    });
    for (const sandbox of ["bwrap", "landlock"]) {
      assert.deepEqual(results[sandbox], {
        uid: "65534",
        read_root_file: "blocked",
        write_root_file: "blocked",
        write_host_sysctl: "blocked",
      }, sandbox);
    }
  },
});

if (Deno.uid() !== 0) console.log(`skipped the build-user test: ${ROOT_REASON}`);
