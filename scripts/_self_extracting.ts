/**
 * The self-extracting single file: the `/bin/sh` header of `scripts/launcher.sh`, filled in,
 * followed by a gzip'd tar of a payload folder (the Deno runtime `deno`, `main.js`, the worker
 * bundles and `run_flags`). Runs `tar` and `gzip`; writes the output file and temp files beside it.
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "../src/version.ts";

const LAUNCHER = fileURLToPath(new URL("./launcher.sh", import.meta.url));

/** Quotes `word` for `/bin/sh` when it needs it. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** What the launcher header says about its payload. */
export interface LauncherValues {
  denoVersion: string;
  sha256: string;
  /** The flags of `deno run` for `main.js`. */
  flags: string[];
}

/**
 * The launcher `template` filled in; `@PAYLOAD_OFFSET@` becomes the header's own length in
 * bytes, so the payload starts right after it.
 */
export function renderLauncher(template: string, values: LauncherValues): string {
  const fill = (offset: number) =>
    template
      .replaceAll("@HIT_VERSION@", VERSION)
      .replaceAll("@DENO_VERSION@", values.denoVersion)
      .replaceAll("@PAYLOAD_SHA256@", values.sha256)
      .replaceAll("@RUN_FLAGS@", values.flags.map(shellQuote).join(" "))
      .replaceAll("@PAYLOAD_OFFSET@", String(offset));
  // The offset is part of the header: repeat until its digits no longer change the length.
  let offset = 0;
  for (;;) {
    const text = fill(offset);
    const length = new TextEncoder().encode(text).length;
    if (length === offset) {
      const left = text.match(/@[A-Z_]+@/);
      if (left) throw new Error(`scripts/launcher.sh: unknown placeholder "${left[0]}"`);
      return text;
    }
    offset = length;
  }
}

/**
 * Writes the self-extracting file `out` for the folder `payload`, which must hold `deno` and
 * `main.js`; adds `run_flags` (`flags`, one a line) to it first, so the launcher and the
 * in-build `hit` (`src/self_command.ts`) run with the same list.
 */
export async function writeSelfExtracting(
  payload: string,
  out: string,
  options: { flags: string[]; denoVersion: string },
): Promise<void> {
  await Deno.writeTextFile(
    join(payload, "run_flags"),
    "# The flags of `deno run` for main.js, written by scripts/compile.ts.\n" +
      options.flags.join("\n") + "\n",
  );
  await Deno.mkdir(dirname(out), { recursive: true });
  const archive = `${out}.payload-${Deno.pid}.tar.gz`;
  const temp = `${out}.tmp-${Deno.pid}`;
  try {
    await tarGzip(payload, archive);
    const header = renderLauncher(await Deno.readTextFile(LAUNCHER), {
      denoVersion: options.denoVersion,
      sha256: await sha256File(archive),
      flags: options.flags,
    });
    const file = await Deno.open(temp, { write: true, create: true, truncate: true, mode: 0o755 });
    await file.write(new TextEncoder().encode(header));
    // pipeTo closes the file: with `preventClose` Deno 2.9.6 lost the last buffered bytes.
    await (await Deno.open(archive)).readable.pipeTo(file.writable);
    await Deno.chmod(temp, 0o755);
    await Deno.rename(temp, out);
  } finally {
    await Deno.remove(archive).catch(() => {});
    await Deno.remove(temp).catch(() => {});
  }
}

// A gzip'd tar of the contents of `dir`, byte for byte the same for the same files.
async function tarGzip(dir: string, out: string): Promise<void> {
  const output = await new Deno.Command("tar", {
    args: [
      "-C",
      dir,
      "--sort=name",
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--mtime=@0",
      // -6: -9 saved 0.35% of the size and took 2.6 times as long (measured on the runtime).
      "--use-compress-program=gzip -6 -n",
      "-cf",
      out,
      ".",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`tar of "${dir}" failed: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of (await Deno.open(path)).readable) hash.update(chunk);
  return hash.digest("hex");
}
