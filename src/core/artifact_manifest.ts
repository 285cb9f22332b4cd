/**
 * How an artifact is laid out on a remote (ENGINES.md §1.8): one repository per package name
 * (lowercased), tag = the artifact hash, an OCI image manifest with hit's `artifactType`, the
 * build spec as config blob, one tar+gzip layer, and annotations for the id, relocatability,
 * the store path and the sandbox; its signature is a second manifest tagged `<hash>.sig`.
 * Pure: builds and checks documents.
 */
import { createHash } from "node:crypto";
import { HitError } from "../errors.ts";

export const MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
export const ARTIFACT_TYPE = "application/vnd.hashdist.artifact.v1";
export const SIGNATURE_TYPE = "application/vnd.hashdist.signature.v1";
export const BUILD_SPEC_MEDIA_TYPE = "application/vnd.hashdist.build-spec.v1+json";
export const SIGNATURE_MEDIA_TYPE = "application/vnd.hashdist.signature.v1+json";
export const LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

export const ID_ANNOTATION = "org.hashdist.artifact.id";
export const RELOCATABLE_ANNOTATION = "org.hashdist.relocatable";
export const STORE_ANNOTATION = "org.hashdist.store";
export const SANDBOX_ANNOTATION = "org.hashdist.sandbox";

/** A content descriptor: what a manifest says about one blob. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** The parts of an artifact manifest a pull relies on. */
export interface ArtifactManifest {
  id: string;
  relocatable: boolean;
  /** The store path the artifact was built for. */
  store: string;
  config: Descriptor;
  layer: Descriptor;
}

/** The repository of artifact `id` below `prefix`: `<prefix>/<name lowercased>`. */
export function repositoryOf(prefix: string, id: string): string {
  const name = id.slice(0, id.indexOf("/")).toLowerCase();
  return prefix === "" ? name : `${prefix}/${name}`;
}

/** The tag of artifact `id`: its hash. */
export function tagOf(id: string): string {
  return id.slice(id.indexOf("/") + 1);
}

/** `sha256:<hex>` of `bytes`. */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The manifest bytes of an artifact; equal inputs give equal bytes (no timestamp). */
export function encodeArtifactManifest(
  manifest: ArtifactManifest & { sandbox?: string },
): Uint8Array {
  const annotations: Record<string, string> = {
    [ID_ANNOTATION]: manifest.id,
    [RELOCATABLE_ANNOTATION]: String(manifest.relocatable),
    [STORE_ANNOTATION]: manifest.store,
  };
  if (manifest.sandbox !== undefined) annotations[SANDBOX_ANNOTATION] = manifest.sandbox;
  return new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    artifactType: ARTIFACT_TYPE,
    config: manifest.config,
    layers: [manifest.layer],
    annotations,
  }));
}

/**
 * Reads and checks the manifest `bytes` found for artifact `id` at `where`.
 * @throws {HitError} when it is not an artifact manifest, or one of another id.
 */
export function decodeArtifactManifest(
  bytes: Uint8Array,
  id: string,
  where: string,
): ArtifactManifest {
  const fail = (reason: string): never => {
    throw new HitError(`pull "${id}" from ${where}: ${reason}`, {
      hint: "the remote holds something else under this tag; push the artifact again",
    });
  };
  const doc = parseJson(bytes) ?? fail("the manifest is not JSON");
  if (doc.artifactType !== ARTIFACT_TYPE) fail(`the manifest is not a hit artifact`);
  const annotations = (doc.annotations ?? {}) as Record<string, unknown>;
  const found = annotations[ID_ANNOTATION];
  if (found !== id) fail(`the manifest is for "${String(found)}", not for "${id}"`);
  const layers = Array.isArray(doc.layers) ? doc.layers : [];
  if (layers.length !== 1) fail(`the manifest has ${layers.length} layers, expected 1`);
  return {
    id,
    relocatable: annotations[RELOCATABLE_ANNOTATION] === "true",
    store: String(annotations[STORE_ANNOTATION] ?? ""),
    config: descriptorOf(doc.config, fail),
    layer: descriptorOf(layers[0], fail),
  };
}

/** The manifest bytes of a signature of the manifest `subject`, its one blob `signature`. */
export function encodeSignatureManifest(subject: Descriptor, signature: Descriptor): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    artifactType: SIGNATURE_TYPE,
    config: { mediaType: "application/vnd.oci.empty.v1+json", ...EMPTY_CONFIG },
    layers: [signature],
    subject,
  }));
}

/** The OCI empty config blob `{}`. */
export const EMPTY_CONFIG = {
  digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  size: 2,
};

/**
 * The signature blob's descriptor in a signature manifest.
 * @throws {HitError} when it is not one.
 */
export function decodeSignatureManifest(bytes: Uint8Array, where: string): Descriptor {
  const fail = (reason: string): never => {
    throw new HitError(`read signature at ${where}: ${reason}`);
  };
  const doc = parseJson(bytes) ?? fail("the manifest is not JSON");
  if (doc.artifactType !== SIGNATURE_TYPE) fail("the manifest is not a hit signature");
  const layers = Array.isArray(doc.layers) ? doc.layers : [];
  if (layers.length !== 1) fail(`the manifest has ${layers.length} layers, expected 1`);
  return descriptorOf(layers[0], fail);
}

function descriptorOf(value: unknown, fail: (reason: string) => never): Descriptor {
  const d = (value ?? {}) as Record<string, unknown>;
  if (
    typeof d.digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(d.digest) ||
    typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0
  ) {
    fail(`a blob descriptor is malformed: ${JSON.stringify(value)}`);
  }
  return { mediaType: String(d.mediaType), digest: d.digest as string, size: d.size as number };
}

function parseJson(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const doc = JSON.parse(new TextDecoder().decode(bytes));
    return typeof doc === "object" && doc !== null && !Array.isArray(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}
