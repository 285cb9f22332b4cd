/**
 * The `remote` benchmark suite, against a real `docker-registry` on 127.0.0.1: push and pull
 * throughput of hit's OCI client against `curl` on the same 50 MiB blob, then the real stack of
 * the `build` suite built once with `--push` and built again by a fresh home at the same path,
 * everything pulled from the registry. Prints each figure with its reference from the same run.
 * Works in a temporary folder, removed at the end; stops the registry by its pid.
 */
import { join } from "node:path";
import { digestOf, LAYER_MEDIA_TYPE } from "../src/core/artifact_manifest.ts";
import { OciRegistry } from "../src/core/oci_registry.ts";
import { startRegistry } from "../tests/core/_registry.ts";
import {
  config,
  LIBYAML_SPEC,
  removeTree,
  runHit,
  s,
  SOURCES,
  stackProfile,
} from "./_bench_build.ts";

const SHARED = join(import.meta.dirname!, "..", "..", "shared");
const MIB = 1 << 20;

/** Runs the suite and prints one line per measurement. */
export async function benchRemote(): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "hit-bench-remote-" });
  try {
    await using registry = await startRegistry(join(root, "registry"));
    await throughput(root, registry.host);
    await cacheBuild(root, registry.host);
  } finally {
    await removeTree(root);
  }
}

async function throughput(root: string, host: string): Promise<void> {
  const blobFile = join(root, "blob.bin");
  const bytes = new Uint8Array(50 * MIB);
  for (let i = 0; i < bytes.length; i += 65536) {
    crypto.getRandomValues(bytes.subarray(i, i + 65536));
  }
  await Deno.writeFile(blobFile, bytes);
  const blob = { mediaType: LAYER_MEDIA_TYPE, digest: digestOf(bytes), size: bytes.length };
  const client = new OciRegistry(new URL(`http://${host}`), "bench");
  const rate = (seconds: number) => `${(50 / seconds).toFixed(0)} MiB/s`;
  for (let run = 1; run <= 3; run++) {
    const hitPush = await timed(() => client.writeBlob(`bench/hit${run}`, blob, blobFile));
    const curlPush = await timed(() => curlPush50(host, `bench/curl${run}`, blob.digest, blobFile));
    const out = join(root, `pulled-${run}`);
    const hitPull = await timed(() => client.readBlob(`bench/hit${run}`, blob, out));
    const curlPull = await timed(() =>
      curl(["-fsS", "-o", `${out}.curl`, `http://${host}/v2/bench/curl${run}/blobs/${blob.digest}`])
    );
    console.log(
      `remote 50 MiB blob, run ${run}: push hit ${s(hitPush)} (${rate(hitPush)}) vs curl ` +
        `${s(curlPush)} (${rate(curlPush)}), ${(hitPush / curlPush).toFixed(2)}x; pull (with ` +
        `digest and size check) hit ${s(hitPull)} (${rate(hitPull)}) vs curl ${s(curlPull)} ` +
        `(${rate(curlPull)}), ${(hitPull / curlPull).toFixed(2)}x`,
    );
    await Deno.remove(out);
    await Deno.remove(`${out}.curl`);
  }
}

/** curl's monolithic push: POST for a session, then PUT of the file to its Location. */
async function curlPush50(host: string, repo: string, digest: string, file: string) {
  const headers = await curl([
    "-fsS",
    "-X",
    "POST",
    "-D",
    "-",
    "-o",
    "/dev/null",
    `http://${host}/v2/${repo}/blobs/uploads/`,
  ]);
  const location = headers.match(/^Location: (\S+)/mi)![1];
  const url = new URL(location, `http://${host}`);
  url.searchParams.set("digest", digest);
  await curl([
    "-fsS",
    "-o",
    "/dev/null",
    "-T",
    file,
    "-H",
    "Content-Type: application/octet-stream",
    url.href,
  ]);
}

async function cacheBuild(root: string, host: string): Promise<void> {
  await Deno.mkdir(join(root, "specs"));
  await Deno.writeTextFile(join(root, "specs", "libyaml.yaml"), LIBYAML_SPEC);
  await Deno.writeTextFile(join(root, "stack.yaml"), stackProfile());
  const home = join(root, "home");
  const setUp = async (push: boolean) => {
    await Deno.mkdir(home, { recursive: true });
    await Deno.writeTextFile(join(home, "config.yaml"), config(join(root, "src")));
    const trust = ["--trust", join(root, "builder.pub")];
    await runHit(
      ["remote", "add", "site", `oci+http://${host}/hit`, ...(push ? ["--push"] : []), ...trust],
      root,
      home,
    );
  };
  await Deno.mkdir(home);
  await runHit(["key", "generate", "builder"], root, home);
  await Deno.copyFile(join(home, "keys", "builder.pub"), join(root, "builder.pub"));
  await Deno.remove(join(home, "keys", "builder.pub"));
  await setUp(true);
  for (const { file, key } of Object.values(SOURCES)) {
    await runHit(["fetch", "--quiet", `file:${join(SHARED, "sources", file)}`, key], root, home);
  }
  const build = await timed(() => runHit(["build", "stack.yaml", "-o", "built"], root, home));
  const push = await timed(() => runHit(["push", "built"], root, home));
  // A fresh node: a new home at the same path (same store path), an empty source cache.
  await removeTree(home);
  await removeTree(join(root, "src"));
  await setUp(false);
  let stderr = "";
  const pull = await timed(async () => {
    stderr = await runHit(["build", "stack.yaml", "-o", "pulled"], root, home);
  });
  const pulled = stderr.match(/\] pulled /g)?.length ?? 0;
  const built = [...stderr.matchAll(/\[(\S+)\] built in /g)].map((match) => match[1]);
  for (const warning of stderr.matchAll(/^.*\] warning: .*$/gm)) console.log(warning[0]);
  console.log(
    `remote real stack: build ${s(build)}, push ${s(push)}; fresh node from the cache ` +
      `${s(pull)} (${pulled} pulled, built: ${built.join(", ") || "none"}), ` +
      `${(build / pull).toFixed(1)}x faster ` +
      `than building`,
  );
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

async function curl(args: string[]): Promise<string> {
  const output = await new Deno.Command("curl", { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`curl ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return new TextDecoder().decode(output.stdout);
}
