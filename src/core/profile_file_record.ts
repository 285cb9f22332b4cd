/**
 * Which YAML file each profile link was built from, so that the link (or its name) means the
 * same profile to every command (`hit status stack` after `hit build ../specs/stack.yaml`).
 * One small file per link under `<cache>/profile-files/`, named as its gc root; touches
 * nothing else. A record is a hint: a moved link simply has none.
 */
import { join } from "node:path";
import { gcRootName } from "./gc_roots.ts";

function recordPath(cache: string, link: string): string {
  return join(cache, "profile-files", gcRootName(link));
}

/** Records that the profile link at absolute path `link` was built from `file` (absolute). */
export async function recordProfileFile(cache: string, link: string, file: string): Promise<void> {
  const path = recordPath(cache, link);
  await Deno.mkdir(join(cache, "profile-files"), { recursive: true });
  // Write then rename: a reader never sees half a path.
  const temp = `${path}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(temp, file + "\n");
  await Deno.rename(temp, path);
}

/** The YAML file the profile link at absolute path `link` was built from, if recorded. */
export async function readProfileFile(cache: string, link: string): Promise<string | undefined> {
  try {
    const file = (await Deno.readTextFile(recordPath(cache, link))).trim();
    return file === "" ? undefined : file;
  } catch {
    return undefined;
  }
}
