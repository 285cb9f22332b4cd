import assert from "node:assert/strict";
import { join } from "node:path";
import {
  fetchTimeouts,
  loadNetworkConfig,
  networkEnv,
  networkFor,
  proxiesOf,
  proxyFor,
} from "../../src/core/network_config.ts";
import { HitError } from "../../src/errors.ts";
import { makeTempDir } from "./_source_fixtures.ts";

Deno.test("proxiesOf() reads either case, lower case first, and all_proxy as a fallback", () => {
  assert.deepEqual(
    proxiesOf({ HTTP_PROXY: "http://up:1", http_proxy: "http://low:1", ALL_PROXY: "http://all:3" }),
    { httpProxy: "http://low:1", httpsProxy: "http://all:3", noProxy: [] },
  );
  assert.equal(proxiesOf({ https_proxy: "proxy.test:3128" }).httpsProxy, "http://proxy.test:3128");
  assert.deepEqual(proxiesOf({ NO_PROXY: "a.test, .b.test,c:8" }).noProxy, [
    "a.test",
    ".b.test",
    "c:8",
  ]);
});

Deno.test("proxyFor() chooses by scheme and honours no_proxy, with * meaning every host", () => {
  const config = { httpProxy: "http://p:3128", httpsProxy: "http://s:3129", noProxy: [] };
  assert.equal(proxyFor("http://x.test/a", config), "http://p:3128");
  assert.equal(proxyFor("https://x.test/a", config), "http://s:3129");
  assert.equal(proxyFor("https://x.test/a", { ...config, noProxy: ["*"] }), undefined);
  const some = { ...config, noProxy: [".corp.test", "127.0.0.2", "h.test:8080"] };
  assert.equal(proxyFor("http://a.corp.test/x", some), undefined);
  assert.equal(proxyFor("http://corp.test/x", some), undefined);
  assert.equal(proxyFor("http://notcorp.test/x", some), "http://p:3128");
  assert.equal(proxyFor("http://127.0.0.2:9/x", some), undefined);
  assert.equal(proxyFor("http://h.test:8080/x", some), undefined);
  assert.equal(proxyFor("http://h.test:8081/x", some), "http://p:3128");
});

Deno.test("networkFor() gives https requests the extra CA certificates, http ones none", () => {
  const config = { noProxy: [], caCerts: ["PEM"] };
  assert.deepEqual(networkFor("https://x.test/a", config), { caCerts: ["PEM"] });
  assert.deepEqual(networkFor("http://x.test/a", config), {});
  assert.deepEqual(networkFor("http://x.test/a", undefined), {});
});

Deno.test("networkEnv() gives git both cases of each proxy and the site CA", () => {
  assert.deepEqual(
    networkEnv({ httpProxy: "http://p:1", noProxy: ["*"], caFile: "/ca.pem" }),
    {
      http_proxy: "http://p:1",
      HTTP_PROXY: "http://p:1",
      no_proxy: "*",
      NO_PROXY: "*",
      GIT_SSL_CAINFO: "/ca.pem",
    },
  );
});

Deno.test("loadNetworkConfig() adds the site CA of SSL_CERT_FILE or ca_file, and names a bad one", async () => {
  await using dir = await makeTempDir();
  const pem = join(dir.path, "site.pem");
  await Deno.writeTextFile(pem, "-----BEGIN CERTIFICATE-----\nsite\n");
  const fromConfig = await loadNetworkConfig({}, { file: "/c.yaml", caFile: pem });
  assert.equal(fromConfig.caFile, pem);
  assert.equal(fromConfig.caCerts.at(-1), "-----BEGIN CERTIFICATE-----\nsite\n");
  const fromEnv = await loadNetworkConfig({ SSL_CERT_FILE: pem }, { file: "/c.yaml" });
  assert.equal(fromEnv.caFile, pem);
  const error = await loadNetworkConfig({}, { file: "/c.yaml", caFile: join(dir.path, "no.pem") })
    .catch((e) => e);
  assert.ok(error instanceof HitError);
  assert.match(error.message, /^read the site CA ".*no\.pem" \("ca_file" of \/c\.yaml\)/);
});

Deno.test("fetchTimeouts() takes the environment, then the configuration, then 30 s and 60 s", () => {
  assert.deepEqual(fetchTimeouts({}, {}), { connectMs: 30_000, stallMs: 60_000 });
  assert.deepEqual(fetchTimeouts({}, { fetchConnectTimeout: 5, fetchStallTimeout: 7 }), {
    connectMs: 5000,
    stallMs: 7000,
  });
  assert.deepEqual(
    fetchTimeouts({ HIT_FETCH_STALL_TIMEOUT: "0.5" }, { fetchStallTimeout: 7 }),
    { connectMs: 30_000, stallMs: 500 },
  );
  assert.throws(
    () => fetchTimeouts({ HIT_FETCH_CONNECT_TIMEOUT: "soon" }, {}),
    /read HIT_FETCH_CONNECT_TIMEOUT: "soon" is not a number of seconds above 0/,
  );
});
