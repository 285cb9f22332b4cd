/**
 * The leftovers of interrupted runs (`core/leftovers.ts`) that `hit build` and `hit fetch`
 * reclaim before their work, reported in one line on stderr.
 */
import type { Config } from "../core/config.ts";
import { exists } from "../core/exists.ts";
import { holdBuildLock } from "../core/gc.ts";
import { reclaimLeftovers } from "../core/leftovers.ts";
import type { CommandContext } from "./command.ts";
import { renderLeftoverSummary } from "./render_leftovers.ts";

/**
 * Reclaims the leftovers no live process holds and says what was freed unless `quiet`. The
 * caller holds the build lock (`holdBuildLock`, so no `hit gc` runs meanwhile), or
 * `takeBuildLock` takes it for the reclaim only.
 */
export async function reclaimAndReport(
  config: Config,
  context: CommandContext,
  options: { quiet?: boolean; takeBuildLock?: boolean } = {},
): Promise<void> {
  // No store, no leftovers: a `hit fetch` on a machine that never built creates none.
  if (!await exists(config.buildStore)) return;
  using _gcLock = options.takeBuildLock
    ? await holdBuildLock(config.buildStore, {
      onWait: () => context.stderr.write("waiting for hit gc to finish\n").catch(() => {}),
    })
    : undefined;
  const reclaimed = await reclaimLeftovers({
    store: config.buildStore,
    buildTemp: config.buildTemp,
  });
  if (!options.quiet) await context.stderr.write(renderLeftoverSummary(reclaimed, false));
}
