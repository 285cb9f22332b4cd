/**
 * "Pull before build": for one artifact a build would make, the configured remotes are asked
 * in order; the first that holds it fills the store (`core/artifact_pull.ts`). A remote that
 * fails (down, a bad signature, a damaged layer, a non-relocatable artifact for another store
 * path) is reported as a warning and the next one is asked; when none can, the artifact is
 * built. Never throws for a remote's fault; never prints.
 */
import { HitError } from "../errors.ts";
import { pullArtifact } from "../core/artifact_pull.ts";
import type { OpenRemote } from "../core/remotes.ts";
import type { PulledFrom } from "./build_profile.ts";

/**
 * A `pull` function for `buildProfile`: asks `remotes` in order for an artifact, storing it
 * in `storeRoot`; `onWarning` hears of each remote that failed.
 */
export function pullFromRemotes(
  remotes: OpenRemote[],
  storeRoot: string,
  onWarning: (name: string, message: string) => void,
): (name: string, id: string) => Promise<PulledFrom | undefined> {
  return async (name, id) => {
    for (const source of remotes) {
      try {
        const outcome = await pullArtifact(source, storeRoot, id);
        if (outcome.status === "absent") continue;
        const bytes = outcome.status === "pulled" ? outcome.bytes : 0;
        return { remote: source.remote.name, bytes };
      } catch (error) {
        if (!(error instanceof HitError)) throw error;
        const hint = error.hint === undefined ? "" : ` (${error.hint})`;
        onWarning(name, `${error.message}${hint}; building it here instead`);
      }
    }
    return undefined;
  };
}
