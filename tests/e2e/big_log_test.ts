/**
 * `hit build` of a package that prints 1 GB: the log is streamed to its gzip file and `hit`
 * stays under 200 MB of resident memory (peak RSS from `/usr/bin/time -v`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { HIT, hitEnv, makeTempDir, runProgram } from "./_run_cli.ts";

const GIB = 1 << 30;

Deno.test("hit build of a package printing 1 GB of log stays under 200 MB RSS", async () => {
  await using dir = await makeTempDir();
  await Deno.mkdir(join(dir.path, "pkgs"));
  // Lines of 4 KB: a realistic shape (compiler lines are long), and few enough events.
  await Deno.writeTextFile(
    join(dir.path, "pkgs", "loud.yaml"),
    "build_stages:\n- name: install\n  handler: bash\n  bash: |\n" +
      `    yes "$(printf '%4095s' '' | tr ' ' x)" | head -c ${GIB}\n` +
      `    echo; echo the last line\n` +
      `    mkdir -p "\${ARTIFACT}/share" && echo done > "\${ARTIFACT}/share/loud"\n`,
  );
  await Deno.writeTextFile(
    join(dir.path, "stack.yaml"),
    "parameters:\n  BASH: /bin/bash\n  PATH: /usr/bin:/bin\npackage_dirs: [pkgs]\n" +
      "packages:\n  loud:\n",
  );
  const result = await runProgram("/usr/bin/time", ["-v", HIT, "build", "stack.yaml"], {
    cwd: dir.path,
    env: await hitEnv({ cwd: dir.path }),
  });
  assert.equal(result.code, 0, result.stderr.slice(-3000));
  const peak = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr);
  assert.ok(peak, result.stderr.slice(-3000));
  const peakMb = Number(peak[1]) / 1024;
  console.log(`peak RSS of hit building with a 1 GB log: ${peakMb.toFixed(0)} MB`);
  assert.ok(peakMb < 200, `peak RSS ${peakMb} MB`);
  const store = join(dir.path, ".home", ".hit", "bld", "loud");
  const [artifact] = [...Deno.readDirSync(store)];
  const gz = join(store, artifact.name, "build.log.gz");
  // `gzip -l` gives the uncompressed size (modulo 4 GB) from the gzip trailer.
  const listed = await runProgram("gzip", ["-l", gz], { cwd: dir.path });
  assert.equal(listed.code, 0, listed.stderr);
  const uncompressed = Number(listed.stdout.trim().split("\n")[1].trim().split(/\s+/)[1]);
  assert.ok(uncompressed > GIB, `the gzipped log holds ${uncompressed} bytes`);
  // The build's last line, then hit's own closing line.
  const tail = await runProgram("sh", ["-c", `gzip -dc "${gz}" | tail -n 2`], { cwd: dir.path });
  assert.match(tail.stdout, /^the last line\nhit: build of loud\/\S+ finished \S+\n$/);
});
