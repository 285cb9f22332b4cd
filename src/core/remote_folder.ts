/**
 * The registry layout as plain files, for shared disks and USB sticks (`file://`, read and
 * write) and static web sites (`https://`, read only): `<root>/<repo>/manifests/<tag>` and
 * `<root>/<repo>/blobs/sha256/<hex>`. Files are written beside their place and renamed; a
 * manifest is linked into place, so the first writer of a tag wins and nothing is half-written.
 */
import { dirname, join } from "node:path";
import { HitError } from "../errors.ts";
import type { Descriptor } from "./artifact_manifest.ts";
import { exists } from "./exists.ts";
import { certificateRefusal, createClient, SITE_CA_HINT } from "./http_download.ts";
import { type NetworkConfig, networkFor } from "./network_config.ts";
import { type OnBytes, type RemoteStore, saveVerified } from "./remote_store.ts";

/** A folder holding the registry layout. */
export class FolderRemote implements RemoteStore {
  readonly where: string;
  readonly readOnly = false;
  #root: string;

  constructor(root: string, where: string) {
    this.#root = root;
    this.where = where;
  }

  async readManifest(repo: string, tag: string): Promise<Uint8Array | undefined> {
    try {
      return await Deno.readFile(join(this.#root, repo, "manifests", tag));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw this.#error(`read manifest "${repo}:${tag}"`, error);
    }
  }

  async hasManifest(repo: string, tag: string): Promise<boolean> {
    return await exists(join(this.#root, repo, "manifests", tag));
  }

  async readBlob(repo: string, blob: Descriptor, to: string, onBytes?: OnBytes): Promise<void> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.#blobPath(repo, blob), { read: true });
    } catch (error) {
      throw this.#error(`download ${blob.digest}`, error);
    }
    await saveVerified(file.readable, to, blob, this.where, onBytes);
  }

  async hasBlob(repo: string, blob: Descriptor): Promise<boolean> {
    return await exists(this.#blobPath(repo, blob));
  }

  async writeBlob(repo: string, blob: Descriptor, from: string, onBytes?: OnBytes): Promise<void> {
    const path = this.#blobPath(repo, blob);
    await this.#place(path, async (temp) => {
      await Deno.copyFile(from, temp);
      onBytes?.(blob.size);
    }, "rename");
  }

  async writeManifest(repo: string, tag: string, bytes: Uint8Array): Promise<void> {
    const path = join(this.#root, repo, "manifests", tag);
    await this.#place(path, (temp) => Deno.writeFile(temp, bytes), "link");
  }

  #blobPath(repo: string, blob: Descriptor): string {
    return join(this.#root, repo, "blobs", "sha256", blob.digest.slice("sha256:".length));
  }

  /** Fills a temp file beside `path`, then renames it there, or links it (first one wins). */
  async #place(path: string, fill: (temp: string) => Promise<void>, how: "rename" | "link") {
    const temp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await Deno.mkdir(dirname(path), { recursive: true });
      await fill(temp);
      if (how === "rename") await Deno.rename(temp, path);
      else {
        await Deno.link(temp, path).catch((error) => {
          if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
        });
      }
    } catch (error) {
      throw this.#error(`write "${path}"`, error);
    } finally {
      await Deno.remove(temp).catch(() => {});
    }
  }

  #error(action: string, error: unknown): HitError {
    if (error instanceof HitError) return error;
    return new HitError(`${action} at ${this.where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The same layout served read-only over HTTP(S). */
export class StaticHttpRemote implements RemoteStore {
  readonly where: string;
  readonly readOnly = true;
  #base: string;
  /** With the proxy and site CA of the network settings, when they change anything. */
  #client?: Deno.HttpClient;

  constructor(base: string, where: string, network?: NetworkConfig) {
    this.#base = base.replace(/\/+$/, "");
    this.where = where;
    this.#client = createClient(networkFor(this.#base, network));
  }

  async readManifest(repo: string, tag: string): Promise<Uint8Array | undefined> {
    const response = await this.#get(`${repo}/manifests/${tag}`, `read manifest "${repo}:${tag}"`);
    if (response === undefined) return undefined;
    return new Uint8Array(await response.arrayBuffer());
  }

  async hasManifest(repo: string, tag: string): Promise<boolean> {
    return await this.readManifest(repo, tag) !== undefined;
  }

  async readBlob(repo: string, blob: Descriptor, to: string, onBytes?: OnBytes): Promise<void> {
    const hex = blob.digest.slice("sha256:".length);
    const response = await this.#get(`${repo}/blobs/sha256/${hex}`, `download ${blob.digest}`);
    if (response === undefined) {
      throw new HitError(`download ${blob.digest} from ${this.where}: not found (404)`);
    }
    await saveVerified(response.body!, to, blob, this.where, onBytes);
  }

  hasBlob(): Promise<boolean> {
    return Promise.resolve(false);
  }

  writeBlob(): Promise<void> {
    return Promise.reject(this.#readOnly());
  }

  writeManifest(): Promise<void> {
    return Promise.reject(this.#readOnly());
  }

  #readOnly(): HitError {
    return new HitError(`push to ${this.where}: a static HTTP remote is read only`, {
      hint: "push to the folder the site serves (file://…) instead",
    });
  }

  async #get(path: string, action: string): Promise<Response | undefined> {
    let response: Response;
    try {
      response = await fetch(
        `${this.#base}/${path}`,
        this.#client === undefined ? {} : { client: this.#client },
      );
    } catch (error) {
      const refusal = certificateRefusal(this.#base, error);
      if (refusal !== undefined) {
        throw new HitError(`${action} at ${this.where}: ${refusal}`, {
          cause: error,
          hint: SITE_CA_HINT,
        });
      }
      throw new HitError(`${action} at ${this.where}: not reachable: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new HitError(`${action} at ${this.where}: the server answered ${response.status}`);
    }
    return response;
  }
}
