/**
 * Ed25519 signatures of artifact manifests (WebCrypto). A key pair is two one-line text files:
 * `hit-ed25519-secret NAME BASE64(PKCS8)` (mode 0600) and `hit-ed25519 NAME BASE64(RAW)`.
 * A signature covers the manifest digest of one artifact id. Touches only the key files named.
 */
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { HitError } from "../errors.ts";

/** A public key a remote trusts, with the name it was generated under. */
export interface TrustedKey {
  name: string;
  key: CryptoKey;
  /** The file it was read from, for messages. */
  file: string;
}

/** The signature blob: which key signed which digest of which id. */
export interface SignatureDocument {
  key: string;
  id: string;
  digest: string;
  signature: string;
}

/**
 * Writes the key pair NAME into `dir` as `NAME.key` (0600) and `NAME.pub`; returns both paths.
 * @throws {HitError} when a key of that name exists.
 */
export async function generateKeyPair(
  dir: string,
  name: string,
): Promise<{ secret: string; public: string }> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new HitError(`generate key "${name}": a key name is letters, digits, ".", "_" and "-"`);
  }
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const secret = join(dir, `${name}.key`);
  const pub = join(dir, `${name}.pub`);
  try {
    await Deno.writeTextFile(secret, `hit-ed25519-secret ${name} ${b64(pkcs8)}\n`, {
      createNew: true,
      mode: 0o600,
    });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    throw new HitError(`generate key "${name}": ${secret} already exists`, {
      hint: "choose another name, or remove the old key first",
    });
  }
  await Deno.writeTextFile(pub, `hit-ed25519 ${name} ${b64(raw)}\n`);
  return { secret, public: pub };
}

/**
 * Reads a secret key file.
 * @throws {HitError} when it is not one, or is readable by others.
 */
export async function readSecretKey(file: string): Promise<{ name: string; key: CryptoKey }> {
  const info = await statOrFail(file, "read signing key");
  if (((info.mode ?? 0) & 0o077) !== 0) {
    throw new HitError(`read signing key "${file}": others can read it`, {
      hint: `run "chmod 600 ${file}"`,
    });
  }
  const [tag, name, data] = (await Deno.readTextFile(file)).trim().split(" ");
  if (tag !== "hit-ed25519-secret" || !name || !data) {
    throw new HitError(`read signing key "${file}": not a hit secret key`, {
      hint: `make one with "hit key generate NAME"`,
    });
  }
  const key = await crypto.subtle.importKey(
    "pkcs8",
    Buffer.from(data, "base64"),
    {
      name: "Ed25519",
    },
    false,
    ["sign"],
  );
  return { name, key };
}

/**
 * Reads a public key file.
 * @throws {HitError} when it is not one.
 */
export async function readPublicKey(file: string): Promise<TrustedKey> {
  await statOrFail(file, "read trusted key");
  const [tag, name, data] = (await Deno.readTextFile(file)).trim().split(" ");
  const raw = data === undefined ? new Uint8Array() : Buffer.from(data, "base64");
  if (tag !== "hit-ed25519" || !name || raw.length !== 32) {
    throw new HitError(`read trusted key "${file}": not a hit public key`, {
      hint: `trust the ".pub" file that "hit key generate" wrote`,
    });
  }
  const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  return { name, key, file };
}

/** Signs that manifest `digest` is artifact `id`. */
export async function signManifest(
  secret: { name: string; key: CryptoKey },
  id: string,
  digest: string,
): Promise<SignatureDocument> {
  const bytes = await crypto.subtle.sign("Ed25519", secret.key, signedText(id, digest));
  return { key: secret.name, id, digest, signature: b64(new Uint8Array(bytes)) };
}

/**
 * The trusted key that made `doc`, a signature of manifest `digest` of `id`.
 * @throws {HitError} when no trusted key made it.
 */
export async function verifySignature(
  doc: SignatureDocument,
  id: string,
  digest: string,
  trusted: TrustedKey[],
): Promise<TrustedKey> {
  if (doc.id !== id || doc.digest !== digest) {
    throw new HitError(`verify "${id}": the signature is for another manifest`, {
      hint: "the artifact was changed after it was signed; push it again",
    });
  }
  const signature = Buffer.from(String(doc.signature), "base64");
  for (const candidate of trusted) {
    if (await crypto.subtle.verify("Ed25519", candidate.key, signature, signedText(id, digest))) {
      return candidate;
    }
  }
  throw new HitError(
    `verify "${id}": the signature (key "${doc.key}") matches no trusted key`,
    {
      hint: `trust the signer's public key: "hit remote add NAME URL --trust KEY.pub"`,
    },
  );
}

function signedText(id: string, digest: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`hit artifact signature v1\n${id}\n${digest}\n`);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

async function statOrFail(file: string, action: string): Promise<Deno.FileInfo> {
  try {
    return await Deno.stat(file);
  } catch (error) {
    throw new HitError(`${action} "${file}": ${(error as Error).message}`, { cause: error });
  }
}
