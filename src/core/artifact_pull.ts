/**
 * Pulling one artifact from a remote into the build store (ENGINES.md §1.8): the manifest by
 * tag, its id and signature checked, refusal of a non-relocatable artifact built for another
 * store path, then, under the artifact's lock, the layer streamed to a staging file with size
 * and digest checked, unpacked by the safe unpacker into a staging folder, its `id` and
 * `artifact.json` checked, and committed by the store's atomic rename. Writes only the store's
 * staging area and, on success, the artifact's folder.
 */
import { join } from "node:path";
import { HitError } from "../errors.ts";
import {
  decodeArtifactManifest,
  decodeSignatureManifest,
  digestOf,
  repositoryOf,
  tagOf,
} from "./artifact_manifest.ts";
import {
  readPublicKey,
  type SignatureDocument,
  type TrustedKey,
  verifySignature,
} from "./artifact_signing.ts";
import { artifactState, ArtifactWrite, makeStagingDir, removeTree } from "./build_store.ts";
import type { OpenRemote } from "./remotes.ts";
import type { OnBytes } from "./remote_store.ts";
import { unpackArchive } from "./unpack.ts";

/** What a pull did: stored the artifact, found it stored, or found no such tag. */
export type PullOutcome =
  | { status: "pulled"; bytes: number }
  | { status: "present" }
  | { status: "absent" };

// A profile artifact's symlinks point at its siblings: `<store>/<name>/<hash12>/…` is two up.
const STORE_DEPTH = 2;

/**
 * Pulls artifact `id` from `source` into the store at `storeRoot`.
 * @throws {HitError} for a manifest of another id, a bad or missing signature, a corrupt or
 * short layer, a non-relocatable artifact built for another store path, or a remote failure;
 * the store is then unchanged.
 */
export async function pullArtifact(
  source: OpenRemote,
  storeRoot: string,
  id: string,
  options: { onBytes?: OnBytes } = {},
): Promise<PullOutcome> {
  const { store, prefix, remote } = source;
  const repo = repositoryOf(prefix, id);
  const tag = tagOf(id);
  const bytes = await store.readManifest(repo, tag);
  if (bytes === undefined) return { status: "absent" };
  const manifest = decodeArtifactManifest(bytes, id, store.where);
  if (!remote.trustUnsigned) await checkSignature(source, id, digestOf(bytes));
  if (!manifest.relocatable && manifest.store !== storeRoot) {
    throw new HitError(
      `pull "${id}" from ${store.where}: it is not relocatable and was built for the store ` +
        `"${manifest.store}", not "${storeRoot}"`,
      { hint: "build it here, or use a store at the same path as the builder's" },
    );
  }
  // Under the artifact's lock, re-checked: another hit may have built or pulled it meanwhile.
  await using write = await ArtifactWrite.begin(storeRoot, id, { staged: true });
  if (write === undefined) return { status: "present" };
  const download = await makeStagingDir(storeRoot, id);
  try {
    const layerFile = join(download, "layer.tar.gz");
    await store.readBlob(repo, manifest.layer, layerFile, options.onBytes);
    const result = await unpackArchive(layerFile, "tar.gz", write.outputDir, {
      symlinkRoom: STORE_DEPTH,
      // Such links name the store path: only non-relocatable artifacts, pulled to that path.
      absoluteLinksUnder: storeRoot,
    })
      .catch((error) => {
        if (error instanceof HitError) {
          error.addContext(`while unpacking "${id}" from ${store.where}`);
        }
        throw error;
      });
    if (result.warnings.length > 0) {
      throw new HitError(`pull "${id}" from ${store.where}: the layer is incomplete here`, {
        context: result.warnings,
      });
    }
    await checkUnpacked(write.outputDir, id, store.where, storeRoot);
    // The artifact brings its own metadata: the store only moves it into place.
    await write.commit();
    return { status: "pulled", bytes: manifest.layer.size };
  } finally {
    await removeTree(download);
  }
}

async function checkSignature(source: OpenRemote, id: string, digest: string): Promise<void> {
  const { store, prefix, remote } = source;
  const unsigned = (reason: string) =>
    new HitError(`pull "${id}" from ${store.where}: ${reason}`, {
      hint: `trust the signer's key ("hit remote add ${remote.name} ${remote.url} --trust ` +
        `KEY.pub"), or, on a network you trust, add the remote with --trust-unsigned`,
    });
  if (remote.trust.length === 0) throw unsigned("the remote has no trusted keys");
  const trusted: TrustedKey[] = [];
  for (const file of remote.trust) trusted.push(await readPublicKey(file));
  const repo = repositoryOf(prefix, id);
  const sigBytes = await store.readManifest(repo, `${tagOf(id)}.sig`);
  if (sigBytes === undefined) throw unsigned("the artifact is unsigned");
  const blob = decodeSignatureManifest(sigBytes, store.where);
  if (blob.size > 64 * 1024) throw unsigned("the signature is too large");
  const temp = await Deno.makeTempFile({ prefix: "hit-sig-" });
  await Deno.remove(temp);
  let doc: SignatureDocument;
  try {
    await store.readBlob(repo, blob, temp);
    doc = JSON.parse(await Deno.readTextFile(temp));
  } catch (error) {
    if (error instanceof HitError) throw error;
    throw unsigned("the signature is not readable");
  } finally {
    await Deno.remove(temp).catch(() => {});
  }
  try {
    await verifySignature(doc, id, digest, trusted);
  } catch (error) {
    if (error instanceof HitError) error.addContext(`while pulling "${id}" from ${store.where}`);
    throw error;
  }
}

/** The unpacked artifact must say it is `id`, and its dependencies must be in the store. */
async function checkUnpacked(dir: string, id: string, where: string, storeRoot: string) {
  const fail = (reason: string) =>
    new HitError(`pull "${id}" from ${where}: ${reason}`, {
      hint: "the remote holds a damaged artifact; push it again",
    });
  const stored = await Deno.readTextFile(join(dir, "id")).catch(() => undefined);
  if (stored?.trim() !== id) throw fail(`its "id" file says "${stored?.trim()}"`);
  let json: { id?: unknown; dependencies?: unknown };
  try {
    json = JSON.parse(await Deno.readTextFile(join(dir, "artifact.json")));
  } catch {
    throw fail(`its "artifact.json" is missing or not JSON`);
  }
  if (json.id !== id) throw fail(`its "artifact.json" is for "${String(json.id)}"`);
  for (const dep of Array.isArray(json.dependencies) ? json.dependencies : []) {
    if (await artifactState(storeRoot, String(dep)) !== "built") {
      throw new HitError(
        `pull "${id}" from ${where}: its dependency "${dep}" is not in the store`,
        {
          hint: "pull or build the dependencies first",
        },
      );
    }
  }
}
