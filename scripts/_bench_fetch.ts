/**
 * The `fetch` benchmark suite: on the end-to-end stack (the corpus packages of the shared
 * tarballs, with every source served by a `Deno.serve` server on 127.0.0.1, plus a git-sourced
 * and a `files:`-only package), (a) `hit fetch PROFILE` into an empty source cache against `curl`
 * downloading the same files from the same server, one at a time and four at once; (b) the size
 * of the bundle and the times of `hit mirror export`, `verify` and `import`. Medians of a few
 * runs, as new processes; removes its temp folders.
 */
import { join, relative } from "node:path";
import { serve, SOURCES_DIR } from "../tests/core/_source_fixtures.ts";
import { CORPUS_DIR, makeTempDir, runCli } from "../tests/e2e/_run_cli.ts";
import { FFTW, LIBYAML_SPEC, stackProfile, TARBALLS } from "../tests/e2e/_real_stack.ts";
import { archiveKeyOf } from "../tests/e2e/_source_server.ts";
import { startSmallStackServer, writeSmallSpecs } from "../tests/e2e/_small_stack.ts";
import type { BenchRow } from "./_bench_table.ts";

const RUNS = 3;

/** Runs `bench` suite `fetch`; returns its row of the table. */
export async function benchFetch(): Promise<BenchRow[]> {
  await using dir = await makeTempDir("hit-bench-fetch-");
  const cwd = await Deno.realPath(dir.path);
  await using server = await startSmallStackServer(cwd);
  const files = { ...TARBALLS, fftw2: FFTW };
  const sources: Record<string, { key: string; url: string }> = {};
  const urls: string[] = [];
  let bytes = 0;
  for (const [name, file] of Object.entries(files)) {
    const content = await Deno.readFile(join(SOURCES_DIR, file));
    sources[name] = { key: archiveKeyOf(file, content), url: server.publish(file, content) };
    urls.push(sources[name].url);
    bytes += content.length;
  }
  await writeSmallSpecs(join(cwd, "specs"), server);
  await Deno.writeTextFile(join(cwd, "specs", "libyaml.yaml"), LIBYAML_SPEC);
  await Deno.writeTextFile(
    join(cwd, "stack.yaml"),
    stackProfile(sources, {
      extendsFile: relative(cwd, join(CORPUS_DIR, "debian.yaml")),
      packages: "  mpi:\n    use: host-mpi\n  cmake:\n    use: host-cmake\n  tinygit:\n" +
        "  greeting:\n",
    }),
  );
  const mb = bytes / 1e6;
  console.log(`fetch: ${urls.length} tarballs, ${mb.toFixed(1)} MB, from ${server.url}`);

  const hit = await median(async () => {
    const home = await Deno.makeTempDir({ dir: cwd, prefix: "home-" });
    const started = performance.now();
    const result = await runCli(["fetch", "stack.yaml", "-q"], {
      cwd,
      env: { HIT_HOME: join(home, ".hit"), HOME: home },
    });
    const seconds = (performance.now() - started) / 1000;
    if (result.code !== 0) throw new Error(`hit fetch failed: ${result.stderr}`);
    return seconds;
  });
  // The same command with everything cached: start-up, resolve and cache look-ups only.
  const warm = await runCli(["fetch", "stack.yaml", "-q"], { cwd });
  if (warm.code !== 0) throw new Error(`hit fetch failed: ${warm.stderr}`);
  const cached = await median(() => timed(["fetch", "stack.yaml", "-q"], cwd));
  const curlOne = await median(() => curl(urls, cwd, 1));
  const curlFour = await median(() => curl(urls, cwd, 4));
  const rate = (seconds: number) => `${seconds.toFixed(2)} s (${(mb / seconds).toFixed(1)} MB/s)`;
  console.log(`  hit fetch PROFILE -j 4, empty cache: ${rate(hit)}`);
  console.log(
    `  hit fetch PROFILE, all cached: ${cached.toFixed(2)} s (start-up, resolve, look-ups); ` +
      `the difference, ${rate(hit - cached)}`,
  );
  console.log(`  curl, one at a time: ${rate(curlOne)}`);
  console.log(`  curl --parallel-max 4: ${rate(curlFour)}`);
  console.log(`  hit / curl --parallel-max 4: ${(hit / curlFour).toFixed(1)}x`);
  await benchSharedTarballs(cwd);

  let n = 0;
  const exportTar = await median(async () => {
    const out = `bundle-${n++}.tar`;
    return await timed(["mirror", "export", "stack.yaml", "-o", out], cwd);
  });
  const exportDir = await median(async () => {
    const out = `bundle-${n++}`;
    return await timed(["mirror", "export", "stack.yaml", "-o", out], cwd);
  });
  const size = (await Deno.stat(join(cwd, "bundle-0.tar"))).size;
  const verify = await median(() => timed(["mirror", "verify", "bundle-0.tar"], cwd));
  const importTar = await median(async () => {
    const home = await Deno.makeTempDir({ dir: cwd, prefix: "far-" });
    return await timed(["mirror", "import", join(cwd, "bundle-0.tar")], home);
  });
  const importDir = await median(async () => {
    const home = await Deno.makeTempDir({ dir: cwd, prefix: "far-" });
    return await timed(["mirror", "import", join(cwd, "bundle-3")], home);
  });
  console.log(`bundle of the e2e stack: ${(size / 1e6).toFixed(1)} MB as a tar file`);
  console.log(
    `  export: ${exportTar.toFixed(2)} s to a tar file, ${exportDir.toFixed(2)} s to a folder`,
  );
  console.log(`  verify: ${verify.toFixed(2)} s (tar file)`);
  console.log(
    `  import: ${importTar.toFixed(2)} s from the tar file, ${
      importDir.toFixed(2)
    } s from the folder`,
  );
  return [{
    what: `hit fetch PROFILE of ${urls.length} tarballs (${mb.toFixed(1)} MB) from 127.0.0.1`,
    hit,
    reference: "curl, one file after another",
    referenceSeconds: curlOne,
    // At least half of curl's throughput.
    goal: 2,
  }];
}

/**
 * `hit fetch PROFILE` of every tarball of the shared sources (one package each, one server)
 * against `curl` fetching the same files one after another: the throughput ratio, with hit's
 * start-up (the same command with everything cached) taken out and left in.
 */
async function benchSharedTarballs(cwd: string): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: cwd, prefix: "shared-" });
  const names = [...Deno.readDirSync(SOURCES_DIR)].map((entry) => entry.name)
    .filter((name) => /\.(tar\.(gz|bz2|xz)|zip)$/.test(name)).sort();
  const files = new Map<string, Uint8Array>();
  for (const name of names) files.set(`/${name}`, await Deno.readFile(join(SOURCES_DIR, name)));
  await using server = serve((request) => {
    const bytes = files.get(new URL(request.url).pathname);
    return bytes === undefined ? new Response("no", { status: 404 }) : new Response(bytes.slice());
  });
  await Deno.mkdir(join(dir, "pkgs"));
  let bytes = 0;
  const urls: string[] = [];
  for (const [i, name] of names.entries()) {
    const content = files.get(`/${name}`)!;
    bytes += content.length;
    urls.push(`${server.url}/${name}`);
    await Deno.writeTextFile(
      join(dir, "pkgs", `p${i}.yaml`),
      `sources:\n- key: ${archiveKeyOf(name, content)}\n  url: ${server.url}/${name}\n\n` +
        `build_stages:\n- name: x\n  handler: bash\n  bash: "true"\n`,
    );
  }
  await Deno.writeTextFile(
    join(dir, "stack.yaml"),
    "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\npackages:\n" +
      names.map((_, i) => `  p${i}:\n`).join(""),
  );
  const hit = await median(async () => {
    const home = await Deno.makeTempDir({ dir, prefix: "home-" });
    const env = { HIT_HOME: join(home, ".hit"), HOME: home };
    const started = performance.now();
    const cold = await runCli(["fetch", "stack.yaml", "-q"], { cwd: dir, env });
    const coldSeconds = (performance.now() - started) / 1000;
    if (cold.code !== 0) throw new Error(`hit fetch failed: ${cold.stderr}`);
    const again = performance.now();
    await runCli(["fetch", "stack.yaml", "-q"], { cwd: dir, env });
    return [coldSeconds, coldSeconds - (performance.now() - again) / 1000];
  });
  const curlOne = await median(async () => [await curl(urls, dir, 1)]);
  const mb = bytes / 1e6;
  const [total, downloads] = hit;
  console.log(`shared sources: ${names.length} tarballs, ${mb.toFixed(1)} MB, one server`);
  console.log(
    `  hit fetch PROFILE: ${total.toFixed(2)} s in all, ${downloads.toFixed(2)} s ` +
      `without start-up (${(mb / downloads).toFixed(1)} MB/s)`,
  );
  console.log(
    `  curl, one at a time: ${curlOne[0].toFixed(2)} s (${(mb / curlOne[0]).toFixed(1)} MB/s)`,
  );
  console.log(
    `  hit throughput / curl's: ${(curlOne[0] / downloads).toFixed(2)} without start-up, ` +
      `${(curlOne[0] / total).toFixed(2)} in all`,
  );
}

async function timed(args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  const result = await runCli(args, { cwd });
  const seconds = (performance.now() - started) / 1000;
  if (result.code !== 0) throw new Error(`hit ${args.join(" ")} failed: ${result.stderr}`);
  return seconds;
}

// `curl` downloading every URL into a new folder, `parallel` at once; the seconds it took.
async function curl(urls: string[], cwd: string, parallel: number): Promise<number> {
  const out = await Deno.makeTempDir({ dir: cwd, prefix: "curl-" });
  const args = ["-s", "-f", "--noproxy", "*"];
  if (parallel > 1) args.push("--parallel", "--parallel-max", String(parallel));
  urls.forEach((url, i) => args.push("-o", join(out, String(i)), url));
  const started = performance.now();
  const result = await new Deno.Command("curl", { args, stdout: "null", stderr: "piped" })
    .output();
  const seconds = (performance.now() - started) / 1000;
  if (!result.success) throw new Error(`curl failed: ${new TextDecoder().decode(result.stderr)}`);
  return seconds;
}

async function median(run: () => Promise<number>): Promise<number>;
async function median(run: () => Promise<number[]>): Promise<number[]>;
async function median(
  run: () => Promise<number | number[]>,
): Promise<number | number[]> {
  const runs: (number | number[])[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await run());
  // Ordered by the first figure of each run.
  const first = (value: number | number[]) => Array.isArray(value) ? value[0] : value;
  runs.sort((a, b) => first(a) - first(b));
  return runs[Math.floor(runs.length / 2)];
}
