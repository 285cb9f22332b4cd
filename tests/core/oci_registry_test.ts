/**
 * The OCI client against a real `docker-registry`: the Bearer-token flow through a small token
 * server and an authenticating front written here, refused credentials, Basic auth against a
 * bcrypt htpasswd, and redirects to another host that must not receive `Authorization`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { digestOf, LAYER_MEDIA_TYPE } from "../../src/core/artifact_manifest.ts";
import { OciRegistry, parseChallenge } from "../../src/core/oci_registry.ts";
import { HitError } from "../../src/errors.ts";
import { hasRegistry, startRegistry } from "./_registry.ts";
import { makeTempDir, serve } from "./_source_fixtures.ts";

const skip = !hasRegistry();
if (skip) console.log("skipping registry client tests: docker-registry is not installed");
const USER = { username: "ci", password: "token-pass" };

/**
 * A front of `registryHost` that wants a Bearer token from its own `/token` (given for USER's
 * Basic credentials) and rewrites upload Locations to itself.
 */
function bearerFront(registryHost: string) {
  const tokens = new Set<string>();
  const seen: string[] = [];
  const server = serve(async (request) => {
    const url = new URL(request.url);
    const auth = request.headers.get("Authorization") ?? "";
    if (url.pathname === "/token") {
      seen.push(`token ${url.searchParams.get("service")} ${url.searchParams.get("scope")}`);
      if (auth !== `Basic ${btoa(`${USER.username}:${USER.password}`)}`) {
        return new Response("no", { status: 401 });
      }
      const token = crypto.randomUUID();
      tokens.add(token);
      return Response.json({ token });
    }
    if (!tokens.has(auth.replace(/^Bearer /, ""))) {
      seen.push(`401 ${request.method} ${url.pathname}`);
      const repo = url.pathname.match(/^\/v2\/(.+?)\/(blobs|manifests)\//)?.[1] ?? "";
      return new Response('{"errors":[{"code":"UNAUTHORIZED","message":"token"}]}', {
        status: 401,
        headers: {
          "Www-Authenticate": `Bearer realm="${front}/token",service="test-registry",` +
            `scope="repository:${repo}:pull,push"`,
        },
      });
    }
    const headers = new Headers(request.headers);
    headers.delete("Authorization");
    const upstream = await fetch(`http://${registryHost}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      body: request.body,
      redirect: "manual",
    });
    const out = new Headers(upstream.headers);
    const location = out.get("Location");
    if (location !== null) out.set("Location", location.replace(`http://${registryHost}`, front));
    return new Response(upstream.body, { status: upstream.status, headers: out });
  });
  const front = server.url;
  return { server, seen };
}

async function pushSample(client: OciRegistry, dir: string) {
  const bytes = new TextEncoder().encode("layer bytes ".repeat(1000));
  const file = join(dir, "blob");
  await Deno.writeFile(file, bytes);
  const blob = { mediaType: LAYER_MEDIA_TYPE, digest: digestOf(bytes), size: bytes.length };
  await client.writeBlob("hit/zlib", blob, file);
  return blob;
}

Deno.test("parseChallenge() reads the parameters of a Bearer challenge", () => {
  assert.deepEqual(
    parseChallenge(' realm="https://auth.example/token",service="reg",scope="repository:a:pull"'),
    { realm: "https://auth.example/token", service: "reg", scope: "repository:a:pull" },
  );
});

Deno.test({
  name: "OciRegistry fetches a Bearer token with Basic credentials and retries",
  ignore: skip,
  async fn() {
    await using dir = await makeTempDir();
    await using registry = await startRegistry(dir.path);
    const { server, seen } = bearerFront(registry.host);
    await using _front = server;
    const client = new OciRegistry(new URL(server.url), "front", USER);
    const blob = await pushSample(client, dir.path);
    assert.equal(await client.hasBlob("hit/zlib", blob), true);
    const manifest = new TextEncoder().encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { ...blob, mediaType: "application/vnd.oci.empty.v1+json" },
      layers: [blob],
    }));
    await client.writeManifest("hit/zlib", "t1", manifest);
    assert.deepEqual(await client.readManifest("hit/zlib", "t1"), manifest);
    assert.equal(await client.readManifest("hit/zlib", "t2"), undefined);
    const out = join(dir.path, "pulled");
    await client.readBlob("hit/zlib", blob, out);
    assert.equal((await Deno.stat(out)).size, blob.size);
    assert.ok(seen.includes("token test-registry repository:hit/zlib:pull,push"), seen.join("\n"));
    assert.ok(seen.some((line) => line.startsWith("401 ")));

    const wrong = new OciRegistry(new URL(server.url), "front", { ...USER, password: "nope" });
    await assert.rejects(wrong.hasBlob("hit/zlib", blob), (error: HitError) => {
      assert.match(error.message, /the registry refused the credentials \(401\)/);
      assert.doesNotMatch(error.message + error.hint, /nope/);
      return true;
    });
  },
});

Deno.test({
  name: "OciRegistry sends Basic credentials to an htpasswd registry and reports a 401",
  ignore: skip,
  async fn() {
    await using dir = await makeTempDir();
    await using registry = await startRegistry(dir.path, {
      user: { name: USER.username, password: USER.password },
    });
    const base = new URL(`http://${registry.host}`);
    const blob = await pushSample(new OciRegistry(base, "reg", USER), dir.path);
    assert.equal(await new OciRegistry(base, "reg", USER).hasBlob("hit/zlib", blob), true);
    await assert.rejects(
      new OciRegistry(base, "reg").hasBlob("hit/zlib", blob),
      /look up blob sha256:\w+ at reg: the registry wants credentials \(401\)/,
    );
  },
});

Deno.test("OciRegistry does not send Authorization along a redirect to another host", async () => {
  await using dir = await makeTempDir();
  const bytes = new TextEncoder().encode("redirected blob");
  const blob = { mediaType: LAYER_MEDIA_TYPE, digest: digestOf(bytes), size: bytes.length };
  const elsewhere: (string | null)[] = [];
  const storage = Deno.serve({ hostname: "127.0.0.2", port: 0, onListen() {} }, (request) => {
    elsewhere.push(request.headers.get("Authorization"));
    return new Response(bytes);
  });
  try {
    await using front = serve((request) => {
      if (request.headers.get("Authorization") === null) {
        return new Response("", {
          status: 401,
          headers: { "Www-Authenticate": 'Basic realm="r"' },
        });
      }
      return new Response(null, {
        status: 307,
        headers: { Location: `http://127.0.0.2:${storage.addr.port}/blob` },
      });
    });
    const client = new OciRegistry(new URL(front.url), "front", USER);
    await client.readBlob("hit/x", blob, join(dir.path, "out"));
    assert.equal(await Deno.readTextFile(join(dir.path, "out")), "redirected blob");
    assert.deepEqual(elsewhere, [null]);
  } finally {
    await storage.shutdown();
  }
});
