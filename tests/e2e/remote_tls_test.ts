/**
 * An `oci://` remote served over HTTPS by a real `docker-registry` whose certificate a site CA
 * (made with `openssl`) signed: refused without the CA, trusted through `SSL_CERT_FILE` for
 * `hit push` and through the configuration's `ca_file:` for pull-before-build.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { hasRegistry, startRegistry } from "../core/_registry.ts";
import { makeSiteCa } from "./_site_ca.ts";
import { makeTempDir, runCli } from "./_run_cli.ts";

const skip = !hasRegistry();
if (skip) console.log("skipping the TLS remote test: docker-registry is not installed");

/** A profile of one small package that writes a file. */
async function writeProfile(dir: string): Promise<string> {
  await Deno.mkdir(join(dir, "pkgs"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "pkgs", "note.yaml"),
    'build_stages:\n- name: run\n  handler: bash\n  bash: |\n    mkdir -p "$ARTIFACT"\n' +
      '    echo "built once" > "$ARTIFACT/note"\n',
  );
  const profile = join(dir, "stack.yaml");
  await Deno.writeTextFile(
    profile,
    "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\n" +
      "packages:\n  note:\n",
  );
  return profile;
}

Deno.test({
  name: "an oci:// remote over HTTPS is trusted through SSL_CERT_FILE and ca_file",
  ignore: skip,
  async fn() {
    await using dir = await makeTempDir();
    const pki = await makeSiteCa(join(dir.path, "pki"));
    await using registry = await startRegistry(join(dir.path, "registry"), { tls: pki });
    const url = `oci://${registry.host}/hit`;
    const builder = join(dir.path, "builder");
    const node = join(dir.path, "node");
    for (const [cwd, push] of [[builder, ["--push"]], [node, []]] as const) {
      await Deno.mkdir(cwd, { recursive: true });
      const added = await runCli(["remote", "add", "site", url, ...push, "--trust-unsigned"], {
        cwd,
      });
      assert.equal(added.code, 0, added.stderr);
    }
    const built = await runCli(["build", await writeProfile(builder), "-o", "stack"], {
      cwd: builder,
    });
    assert.equal(built.code, 0, built.stderr);

    const refused = await runCli(["push", "stack"], { cwd: builder });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /remote "site" \(oci:\/\/127\.0\.0\.1:\d+\/hit\)/);
    assert.match(refused.stderr, /: TLS: the certificate of "127\.0\.0\.1:\d+" was refused/);
    assert.match(refused.stderr, /^hint: if a site CA signs it, name its PEM file/m);

    const pushed = await runCli(["push", "stack"], {
      cwd: builder,
      env: { SSL_CERT_FILE: pki.ca },
    });
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /pushed 2 artifacts .* to "site"/);

    const config = join(node, ".home", ".hit", "config.yaml");
    await Deno.writeTextFile(config, `${await Deno.readTextFile(config)}ca_file: ${pki.ca}\n`);
    const pulled = await runCli(["build", await writeProfile(node), "-o", "stack"], { cwd: node });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stderr, /\[note\] pulled /);
    assert.doesNotMatch(pulled.stderr, /warning/);
    const store = join(node, ".home", ".hit", "bld", "note");
    const [hash] = [...Deno.readDirSync(store)].map((entry) => entry.name);
    assert.equal(await Deno.readTextFile(join(store, hash, "note")), "built once\n");
  },
});
