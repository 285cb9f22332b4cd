/**
 * Profiles of one-stage bash packages for whole-CLI tests: a spec per package and a profile
 * naming them all, written into a temporary folder. Test helper; writes only into `dir`.
 */
import { join } from "node:path";

/** The spec text of a package built by one bash stage running `script`; `extra` goes first. */
export function bashPackage(script: string, extra = ""): string {
  const body = script.trimEnd().split("\n").map((line) => `    ${line}`).join("\n");
  return `${extra}build_stages:\n- name: run\n  handler: bash\n  bash: |\n${body}\n`;
}

/** Writes `packages` (name → spec text) and a profile of them with `params`; its path. */
export async function writeProfile(
  dir: string,
  packages: Record<string, string>,
  params: Record<string, string> = {},
): Promise<string> {
  await Deno.mkdir(join(dir, "pkgs"), { recursive: true });
  for (const [name, spec] of Object.entries(packages)) {
    await Deno.writeTextFile(join(dir, "pkgs", `${name}.yaml`), spec);
  }
  const profile = join(dir, "profile.yaml");
  const lines = Object.entries({ BASH: "/bin/bash", PATH: "/usr/bin:/bin", ...params })
    .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}\n`);
  const names = Object.keys(packages).map((name) => `  ${name}:\n`);
  await Deno.writeTextFile(
    profile,
    `parameters:\n${lines.join("")}package_dirs: [pkgs]\npackages:\n${names.join("")}`,
  );
  return profile;
}
