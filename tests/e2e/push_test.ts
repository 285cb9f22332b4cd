/**
 * `hit push`, `hit build --push` and pull-before-build against a real `docker-registry` behind a
 * bcrypt htpasswd: the example stack is built once, pushed, then built again from the cache by
 * fresh homes: at the builder's path (everything pulled, nothing built), at another path (the
 * non-relocatable package is refused and built), and while the registry dies mid-pull (the
 * build falls back and succeeds).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hasRegistry, startRegistry, type TestRegistry } from "../core/_registry.ts";
import { serve } from "../core/_source_fixtures.ts";
import { makeTempDir, runCli, runProgram } from "./_run_cli.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/stack.yaml", import.meta.url));
const USER = { name: "builder", password: "s3cret-pass" };
const CREDENTIALS = {
  HIT_REMOTE_SITE_USERNAME: USER.name,
  HIT_REMOTE_SITE_PASSWORD: USER.password,
};
const skip = !hasRegistry();
if (skip) console.log("skipping push tests: docker-registry is not installed");

/** A fresh home in `cwd` trusting `pub`, with the remote `site` at `url`. */
async function freshNode(cwd: string, url: string, pub: string): Promise<void> {
  await Deno.remove(join(cwd, ".home"), { recursive: true }).catch(() => {});
  await Deno.mkdir(cwd, { recursive: true });
  const added = await runCli(["remote", "add", "site", url, "--trust", pub], { cwd });
  assert.equal(added.code, 0, added.stderr);
}

async function storedIds(cwd: string): Promise<string[]> {
  const store = join(cwd, ".home", ".hit", "bld");
  const ids: string[] = [];
  for await (const name of Deno.readDir(store)) {
    if (name.name.startsWith(".")) continue;
    for await (const hash of Deno.readDir(join(store, name.name))) {
      ids.push((await Deno.readTextFile(join(store, name.name, hash.name, "id"))).trim());
    }
  }
  return ids.sort();
}

Deno.test({
  name: "hit build --push, then fresh homes build the example stack from the cache",
  ignore: skip,
  async fn() {
    await using dir = await makeTempDir();
    const node = join(dir.path, "node");
    await Deno.mkdir(node);
    let registry: TestRegistry | undefined = await startRegistry(join(dir.path, "reg"), {
      user: USER,
    });
    try {
      const url = `oci+http://${registry.host}/hit`;
      const env = CREDENTIALS;
      const keyed = await runCli(["key", "generate", "builder"], { cwd: node });
      assert.equal(keyed.code, 0, keyed.stderr);
      const pub = join(dir.path, "builder.pub");
      await Deno.copyFile(join(node, ".home/.hit/keys/builder.pub"), pub);
      const added = await runCli(["remote", "add", "site", url, "--push", "--trust", pub], {
        cwd: node,
      });
      assert.equal(added.code, 0, added.stderr);

      // Without credentials the registry says 401, and the hint says where they go.
      const denied = await runCli(["build", EXAMPLE, "-o", "stack", "--push"], { cwd: node });
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /the registry wants credentials \(401\)/);
      assert.match(denied.stderr, /HIT_REMOTE_<NAME>_USERNAME/);

      const built = await runCli(["build", EXAMPLE, "-o", "stack", "--push"], { cwd: node, env });
      assert.equal(built.code, 0, built.stderr);
      assert.match(built.stdout, /^Up to date, link at: stack\n/);
      assert.match(built.stdout, /pushed 4 artifacts \(.*\) to "site" in .* s, 0 already there/);
      assert.match(built.stderr, /\[greet\/\w{32}\] pushed .* in .* s, .*\/s/);
      assert.ok(!(built.stdout + built.stderr).includes(USER.password));
      const again = await runCli(["push", "stack"], { cwd: node, env });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /pushed 0 artifacts \(0 B\) to "site" .*, 4 already there/);
      const ids = await storedIds(node);
      await Deno.rename(join(node, ".home"), join(dir.path, "builder-home"));

      // A fresh home at the builder's path: everything is pulled, nothing built.
      await freshNode(node, url, pub);
      const pulled = await runCli(["build", EXAMPLE, "-o", "stack"], { cwd: node, env });
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.equal(
        pulled.stdout,
        'Profile build successful, link at: stack (pulled 4 from "site", built 0)\n',
      );
      assert.doesNotMatch(pulled.stderr, /building|warning/);
      assert.match(pulled.stderr, /\[greet\] pulled greet\/\w{32} from "site"/);
      assert.deepEqual(await storedIds(node), ids);
      const greet = await runProgram(join(node, "stack/bin/greet"), [], {});
      assert.equal(greet.stdout, "Hello, world!\n");

      // --no-remote builds here.
      await freshNode(node, url, pub);
      const local = await runCli(["build", EXAMPLE, "-o", "stack", "--no-remote"], {
        cwd: node,
        env,
      });
      assert.equal(local.code, 0, local.stderr);
      assert.equal(local.stdout, "Profile build successful, link at: stack\n");
      assert.match(local.stderr, /\[greet\] built in/);

      // At another path, greet (its rpath names the builder's store) is refused and built.
      const other = join(dir.path, "other");
      await freshNode(other, url, pub);
      const moved = await runCli(["build", EXAMPLE, "-o", "stack"], { cwd: other, env });
      assert.equal(moved.code, 0, moved.stderr);
      assert.match(
        moved.stderr,
        /\[greet\] warning: pull "greet\/\w{32}" from remote "site".*: it is not relocatable and was built for the store/,
      );
      assert.match(moved.stderr, /\[greet\] built in/);
      assert.match(moved.stdout, /\(pulled 3 from "site", built 1\)/);
      assert.equal(
        (await runProgram(join(other, "stack/bin/greet"), [], {})).stdout,
        "Hello, world!\n",
      );

      // The registry dies while the first layer is on its way: the build falls back.
      const doomed = registry;
      let killed = false;
      await using proxy = serve(async (request) => {
        const target = new URL(request.url);
        let upstream: Response;
        try {
          upstream = await fetch(`http://${doomed.host}${target.pathname}${target.search}`, {
            method: request.method,
            headers: request.headers,
            redirect: "manual",
          });
        } catch {
          return new Response("registry down", { status: 502 });
        }
        if (!(request.method === "GET" && target.pathname.includes("/blobs/")) || killed) {
          return upstream;
        }
        const bytes = new Uint8Array(await upstream.arrayBuffer());
        killed = true;
        await doomed.kill();
        return new Response(
          new ReadableStream({
            start(controller) {
              // Half the layer, then the end: what a client sees of a registry killed mid-send.
              controller.enqueue(bytes.slice(0, bytes.length >> 1));
              controller.close();
            },
          }),
        );
      });
      registry = undefined;
      await freshNode(node, `oci+http://${new URL(proxy.url).host}/hit`, pub);
      const fallback = await runCli(["build", EXAMPLE, "-o", "stack"], { cwd: node, env });
      assert.ok(killed);
      assert.equal(fallback.code, 0, fallback.stderr);
      assert.match(fallback.stderr, /warning: .*(broke off|got \d+ bytes, the manifest says)/);
      assert.match(fallback.stderr, /warning: .*answered 502/);
      assert.match(fallback.stderr, /\[greet\] built in/);
      assert.equal(fallback.stdout, "Profile build successful, link at: stack\n");
      assert.deepEqual(await storedIds(node), ids);
      const staging = join(node, ".home/.hit/bld/.staging");
      assert.deepEqual(await Array.fromAsync(Deno.readDir(staging)), []);
    } finally {
      await registry?.[Symbol.asyncDispose]();
    }
  },
});
