/**
 * "Pull before build": for one artifact a build would make, the configured remotes are asked
 * in order; the first that holds it fills the store (`core/artifact_pull.ts`). A remote that
 * fails (down, a bad signature, a damaged layer, a non-relocatable artifact for another store
 * path) is reported as a warning and the next one is asked; when none can, the artifact is
 * built. Packages are asked for once their build dependencies are stored, independent ones at
 * once; each one that will be built is announced at once, so its sources can be fetched while
 * other pulls go on. Never throws for a remote's fault; never prints.
 */
import { dirname } from "node:path";
import { HitError } from "../errors.ts";
import type { Config } from "../core/config.ts";
import { loadNetworkConfig, type NetworkConfig } from "../core/network_config.ts";
import { pullArtifact } from "../core/artifact_pull.ts";
import { type OpenRemote, openRemote, parseRemoteUrl } from "../core/remotes.ts";
import { repositoryOf, tagOf } from "../core/artifact_manifest.ts";
import type { PackageResult } from "../spec/resolve.ts";
import type { BuildEvent, BuildProfileOptions, PulledFrom } from "./build_profile.ts";

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

/**
 * The name of the first of `remotes` that has a manifest for artifact `id` (a cheap check:
 * nothing is downloaded or verified); undefined when none has, or none answers.
 */
export async function remoteHolding(
  remotes: readonly OpenRemote[],
  id: string,
): Promise<string | undefined> {
  for (const { store, prefix, remote } of remotes) {
    try {
      if (await store.hasManifest(repositoryOf(prefix, id), tagOf(id))) return remote.name;
    } catch (error) {
      if (!(error instanceof HitError)) throw error;
    }
  }
  return undefined;
}

/** The fields of a `pulled` event. */
export function pulledEvent(from: PulledFrom, seconds: number) {
  return { from: from.remote, bytes: from.bytes, seconds };
}

/**
 * Asks the remotes for each package of `toBuild` once its build dependencies are in the store
 * (independent ones at once); returns the names of those pulled, in the order they came.
 */
export async function pullPackages(
  toBuild: PackageResult[],
  options: {
    pull: NonNullable<BuildProfileOptions["pull"]>;
    emit: (event: BuildEvent) => void;
    signal?: AbortSignal;
    /** Whether a package outside `toBuild` is in the store. */
    isStored: (name: string) => Promise<boolean>;
    /** Hears of each package no remote gave (it will be built), as soon as that is known. */
    onMissing?: (pkg: PackageResult) => void;
  },
): Promise<string[]> {
  const pulled: string[] = [];
  const present = new Map<string, Promise<boolean>>();
  for (const pkg of toBuild) {
    const deps = pkg.buildDeps.map((dep) => present.get(dep) ?? options.isStored(dep));
    present.set(
      pkg.name,
      Promise.all(deps).then(async (ready) => {
        const missing = () => {
          options.onMissing?.(pkg);
          return false;
        };
        if (!ready.every(Boolean) || options.signal?.aborted) return missing();
        const started = performance.now();
        const from = await options.pull(pkg.name, pkg.artifactId);
        if (from === undefined) return missing();
        pulled.push(pkg.name);
        const seconds = (performance.now() - started) / 1000;
        options.emit({
          type: "pulled",
          name: pkg.name,
          id: pkg.artifactId,
          ...pulledEvent(from, seconds),
        });
        return true;
      }),
    );
  }
  await Promise.all(present.values());
  return pulled;
}

/** The remotes a build pulls from: none with `--no-remote`, only folders when offline. */
export async function openPullRemotes(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  options: { noRemote: boolean; offline: boolean },
): Promise<OpenRemote[]> {
  if (options.noRemote) return [];
  const remotes = (config.remotes ?? []).filter((remote) =>
    !options.offline || parseRemoteUrl(remote.url).kind === "folder"
  );
  let network: Promise<NetworkConfig> | undefined;
  const places = {
    env,
    configDir: dirname(config.file),
    network: () => network ??= loadNetworkConfig(env, config),
  };
  return await Promise.all(remotes.map((remote) => openRemote(remote, places)));
}
