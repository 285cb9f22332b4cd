/**
 * How this `hit` runs: from source through `deno run`, as the self-extracting single file (the
 * `deno bundle` output run by the pinned runtime), or as a `deno compile` binary. Reads only
 * `Deno.build` and this module's own URL.
 */

/** The three ways `hit` runs. */
export type RunMode = "from source" | "self-extracting" | "compiled";

/**
 * The run mode of code whose module URL is `moduleUrl`; `standalone` is `Deno.build.standalone`.
 * The bundle is one `.js` file, while `deno run` and `deno compile` keep the `.ts` sources.
 */
export function runModeOf(moduleUrl: string, standalone: boolean): RunMode {
  if (standalone) return "compiled";
  return moduleUrl.endsWith(".js") ? "self-extracting" : "from source";
}

/** The run mode of this process. */
export function currentRunMode(): RunMode {
  return runModeOf(import.meta.url, Deno.build.standalone);
}
