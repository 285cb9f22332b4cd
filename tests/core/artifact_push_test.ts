/**
 * `pushArtifact()` when the registry fails half-way: an error naming the remote and the status,
 * no tag left behind (the manifest goes last), and a later push that completes.
 */
import assert from "node:assert/strict";
import { pushArtifact } from "../../src/core/artifact_push.ts";
import { openRemote } from "../../src/core/remotes.ts";
import { HitError } from "../../src/errors.ts";
import { hasRegistry, startRegistry } from "./_registry.ts";
import { serve } from "./_source_fixtures.ts";
import { makeStoreFixture, writeArtifact } from "./_store_fixture.ts";

const ID = "zlib/cwfxs3bhjvlxoczwlxlexklpeoewybcn";
const skip = !hasRegistry();
if (skip) console.log("skipping push tests: docker-registry is not installed");

Deno.test({
  name: "pushArtifact() leaves no tag when the registry answers 500 mid-push",
  ignore: skip,
  async fn() {
    await using store = await makeStoreFixture();
    await using registry = await startRegistry(store.root);
    await writeArtifact(store.store, ID, { files: { "lib/libz.a": "z".repeat(100_000) } });
    let failing: "blob" | "manifest" | undefined = "blob";
    await using front = serve(async (request) => {
      const url = new URL(request.url);
      const isBlobPut = request.method === "PUT" && url.pathname.includes("/blobs/uploads/");
      const isManifestPut = request.method === "PUT" && url.pathname.includes("/manifests/");
      if ((failing === "blob" && isBlobPut) || (failing === "manifest" && isManifestPut)) {
        await request.body?.cancel();
        return new Response('{"errors":[{"code":"UNKNOWN","message":"disk full"}]}', {
          status: 500,
        });
      }
      const upstream = await fetch(`http://${registry.host}${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: "manual",
      });
      const headers = new Headers(upstream.headers);
      const location = headers.get("Location");
      if (location !== null) {
        headers.set("Location", location.replace(`http://${registry.host}`, front.url));
      }
      return new Response(upstream.body, { status: upstream.status, headers });
    });
    const remote = {
      name: "front",
      url: `oci+http://${new URL(front.url).host}/hit`,
      push: true,
      trust: [],
      trustUnsigned: true,
    };
    const target = await openRemote(remote, { env: {}, configDir: "/nonexistent" });
    const push = () => pushArtifact(target, store.store, ID, { tempParent: store.root });
    for (const stage of ["blob", "manifest"] as const) {
      failing = stage;
      await assert.rejects(push(), (error: HitError) => {
        assert.ok(error instanceof HitError);
        assert.match(
          error.message,
          /at remote "front" .*: the registry answered 500 \(UNKNOWN: disk full\)/,
        );
        return true;
      });
      assert.equal(
        await target.store.hasManifest("hit/zlib", "cwfxs3bhjvlxoczwlxlexklpeoewybcn"),
        false,
      );
    }
    failing = undefined;
    assert.equal((await push()).status, "pushed");
    assert.equal(
      await target.store.hasManifest("hit/zlib", "cwfxs3bhjvlxoczwlxlexklpeoewybcn"),
      true,
    );
  },
});
