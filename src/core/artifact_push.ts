/**
 * Pushing one stored artifact to a remote (ENGINES.md §1.8): nothing when its tag is there
 * (first writer wins), else the layer and the build spec, then the signature manifest
 * (`<hash>.sig`), then the artifact manifest last, so a tag that exists always means a
 * complete, signed artifact. Reads the store; writes temp files under `tempParent`.
 */
import { join } from "node:path";
import { HitError } from "../errors.ts";
import {
  BUILD_SPEC_MEDIA_TYPE,
  type Descriptor,
  digestOf,
  EMPTY_CONFIG,
  encodeArtifactManifest,
  encodeSignatureManifest,
  LAYER_MEDIA_TYPE,
  MANIFEST_MEDIA_TYPE,
  repositoryOf,
  SIGNATURE_MEDIA_TYPE,
  tagOf,
} from "./artifact_manifest.ts";
import { signManifest } from "./artifact_signing.ts";
import { packArtifact } from "./artifact_tar.ts";
import { artifactDir, artifactState, readArtifactJson } from "./build_store.ts";
import type { OpenRemote } from "./remotes.ts";
import type { OnBytes } from "./remote_store.ts";

/** What a push did: uploaded the artifact, or found its tag there already. */
export interface PushOutcome {
  status: "pushed" | "present";
  /** Bytes of the layer (0 when present). */
  bytes: number;
}

/** Options of `pushArtifact`. */
export interface PushOptions {
  /** The key that signs the manifest; none pushes it unsigned. */
  secret?: { name: string; key: CryptoKey };
  /** A folder for the packed layer (removed afterwards). */
  tempParent: string;
  onBytes?: OnBytes;
}

/**
 * Pushes artifact `id` of the store at `storeRoot` to `target`.
 * @throws {HitError} when the artifact is not in the store, or the remote fails.
 */
export async function pushArtifact(
  target: OpenRemote,
  storeRoot: string,
  id: string,
  options: PushOptions,
): Promise<PushOutcome> {
  const { store, prefix } = target;
  if (store.readOnly) {
    throw new HitError(`push "${id}" to ${store.where}: the remote is read only`, {
      hint: "push to a folder or registry remote",
    });
  }
  const repo = repositoryOf(prefix, id);
  const tag = tagOf(id);
  if (await artifactState(storeRoot, id) !== "built") {
    throw new HitError(`push "${id}": it is not in the store`, {
      hint: "build it first",
    });
  }
  if (await store.hasManifest(repo, tag)) return { status: "present", bytes: 0 };
  await Deno.mkdir(options.tempParent, { recursive: true });
  const temp = await Deno.makeTempDir({ dir: options.tempParent, prefix: "hit-push-" });
  try {
    const dir = artifactDir(storeRoot, id);
    const layerFile = join(temp, "layer.tar.gz");
    const packed = await packArtifact(dir, layerFile, storeRoot);
    const layer = { mediaType: LAYER_MEDIA_TYPE, digest: packed.digest, size: packed.size };
    const specBytes = await Deno.readFile(join(dir, "build.json"));
    const config = await writeTemp(temp, "build.json", specBytes, BUILD_SPEC_MEDIA_TYPE);
    const sandbox = (await readArtifactJson(storeRoot, id)).sandbox;
    const manifest = encodeArtifactManifest({
      id,
      relocatable: packed.relocatable,
      store: storeRoot,
      config: config.descriptor,
      layer,
      sandbox,
    });
    const blobs: [Descriptor, string][] = [[config.descriptor, config.file], [layer, layerFile]];
    if (options.secret !== undefined) {
      const signature = await signManifest(options.secret, id, digestOf(manifest));
      const sig = await writeTemp(
        temp,
        "signature.json",
        new TextEncoder().encode(JSON.stringify(signature)),
        SIGNATURE_MEDIA_TYPE,
      );
      const empty = await writeTemp(temp, "empty.json", new TextEncoder().encode("{}"), "");
      blobs.push([sig.descriptor, sig.file], [{ ...EMPTY_CONFIG, mediaType: "" }, empty.file]);
    }
    for (const [blob, file] of blobs) {
      if (await store.hasBlob(repo, blob)) continue;
      await store.writeBlob(repo, blob, file, blob === layer ? options.onBytes : undefined);
    }
    if (options.secret !== undefined) {
      const sig = blobs[2][0];
      const subject = {
        mediaType: MANIFEST_MEDIA_TYPE,
        digest: digestOf(manifest),
        size: manifest.length,
      };
      await store.writeManifest(repo, `${tag}.sig`, encodeSignatureManifest(subject, sig));
    }
    await store.writeManifest(repo, tag, manifest);
    return { status: "pushed", bytes: packed.size };
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
}

async function writeTemp(
  dir: string,
  name: string,
  bytes: Uint8Array,
  mediaType: string,
): Promise<{ file: string; descriptor: Descriptor }> {
  const file = join(dir, name);
  await Deno.writeFile(file, bytes);
  return { file, descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length } };
}

/**
 * `ids` and every artifact their `artifact.json` names as a dependency, each once.
 * @throws {HitError} when one is not in the store.
 */
export async function storedClosure(storeRoot: string, ids: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const order: string[] = [];
  const visit = async (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    if (await artifactState(storeRoot, id) !== "built") {
      throw new HitError(`push "${id}": it is not in the store`, { hint: "build it first" });
    }
    for (const dep of (await readArtifactJson(storeRoot, id)).dependencies) await visit(dep);
    order.push(id);
  };
  for (const id of ids) await visit(id);
  return order;
}
