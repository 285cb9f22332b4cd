/**
 * Running a stage of our own TypeScript in a `Worker` with only the stage's Deno permissions
 * (DESIGN.md "Permissions and sandbox"): spawn, send numbered requests, relay progress, take
 * the results, terminate. Both sides of the wire live here: the messages, and errors carried across
 * (a `NotCapable` becomes a `StageCapabilityError`, a bug in `hit`, never a user error).
 */
import { basename, dirname, join, resolve } from "node:path";
import { DownloadFailure } from "../core/download.ts";
import { type ErrorLocation, HitError } from "../errors.ts";
import type { StagePermissions } from "./permissions.ts";

/** An error as it crosses from a worker to the main thread. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** `DownloadFailure.retry`. */
  retry?: boolean;
  /** The fields of a `HitError`. */
  hint?: string;
  context?: string[];
  exitCode?: number;
  location?: ErrorLocation;
}

/**
 * What a stage worker posts for the request numbered `id`: progress reports, then one result
 * or one error.
 */
export type StageReply<Result, Progress> =
  & { id: number }
  & (
    | { kind: "progress"; progress: Progress }
    | { kind: "done"; result: Result }
    | { kind: "failed"; error: WireError }
  );

/** What the main side posts to a stage worker: a numbered request. */
export interface StageMessage {
  id: number;
  request: unknown;
}

/** A stage stepped outside its Deno permissions: a bug in `hit`, printed as internal error. */
export class StageCapabilityError extends Error {
  /** The stage, for example `fetch`. */
  stage: string;
  /** The denied permission, for example `net`, `read`, `write`, `env`. */
  permission: string;
  /** What it was denied access to, for example `127.0.0.1:8080` or a path, when Deno says. */
  target?: string;

  constructor(stage: string, denial: string, options: { stack?: string } = {}) {
    const match = /Requires (\w+) access(?: to "(.*?)")?/.exec(denial);
    const permission = match?.[1] ?? "unknown";
    const target = match?.[2];
    const what = target === undefined ? "" : ` to "${target}"`;
    super(`run the ${stage} stage: denied ${permission} access${what}`);
    this.name = "StageCapabilityError";
    this.stage = stage;
    this.permission = permission;
    this.target = target;
    if (options.stack !== undefined) this.stack = `${this.name}: ${this.message}\n${options.stack}`;
  }
}

/** Worker side: turns a thrown value into its wire form. */
export function encodeError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const wire: WireError = { name: error.name, message: error.message, stack: error.stack };
  if (error instanceof Deno.errors.NotCapable) wire.name = "NotCapable";
  else if (error instanceof DownloadFailure) {
    wire.retry = error.retry;
    wire.hint = error.hint;
  } else if (error instanceof HitError) {
    wire.name = "HitError";
    wire.hint = error.hint;
    wire.context = error.context;
    wire.exitCode = error.exitCode;
    wire.location = error.location;
  }
  return wire;
}

/** Main side: the error to throw for a stage's wire error. */
export function decodeError(stage: string, wire: WireError): Error {
  switch (wire.name) {
    case "NotCapable":
      return new StageCapabilityError(stage, wire.message, { stack: wire.stack });
    case "DownloadFailure":
      return new DownloadFailure(wire.message, { retry: wire.retry === true, hint: wire.hint });
    case "HitError":
      return new HitError(wire.message, {
        hint: wire.hint,
        context: wire.context,
        exitCode: wire.exitCode,
        location: wire.location,
      });
  }
  const error = new Error(`run the ${stage} stage: ${wire.name}: ${wire.message}`);
  if (wire.stack !== undefined) error.stack = `${error.stack}\nin the worker: ${wire.stack}`;
  return error;
}

/**
 * The URL of a stage worker module next to `base` (an `import.meta.url`): `NAME.ts` when
 * running from source, `NAME.js` when bundled (the compile task bundles each worker apart).
 */
export function workerModuleUrl(name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith(".ts") ? ".ts" : ".js"}`, base);
}

/** Options of `runStageWorker`. */
export interface StageWorkerOptions<Progress> {
  /** The stage's name, for errors. */
  stage: string;
  permissions: StagePermissions;
  /** The one message the worker receives. */
  request: unknown;
  onProgress?: (progress: Progress) => void;
  /** Terminates the worker at once; the run then fails as interrupted. */
  signal?: AbortSignal;
}

/**
 * Runs the worker module `module` with `options.permissions`, sends it the request and
 * returns its result; the worker is terminated however it ends.
 * @throws {StageCapabilityError} when the worker steps outside its permissions.
 * @throws {HitError} or {DownloadFailure} as the worker threw them.
 */
export async function runStageWorker<Result, Progress = never>(
  module: URL,
  options: StageWorkerOptions<Progress>,
): Promise<Result> {
  using host = new StageWorkerHost<Result, Progress>(module, options);
  return await host.run(options.request, options);
}

/**
 * One stage worker with fixed grants, serving any number of requests, at once or in turn:
 * a fetch worker kept for every download from one `host:port`. Dispose of it (or call
 * `terminate`) to end the worker; its requests still running fail as interrupted.
 */
export class StageWorkerHost<Result, Progress = never> implements Disposable {
  readonly stage: string;
  #worker: Worker;
  #nextId = 0;
  #pending = new Map<number, {
    resolve: (result: Result) => void;
    reject: (error: Error) => void;
    onProgress?: (progress: Progress) => void;
  }>();
  #dead: Error | undefined;

  constructor(module: URL, options: { stage: string; permissions: StagePermissions }) {
    this.stage = options.stage;
    this.#worker = new Worker(module, {
      type: "module",
      name: `hit ${options.stage} stage`,
      deno: { permissions: withRealPaths(options.permissions) },
    });
    this.#worker.onmessage = (event: MessageEvent<StageReply<Result, Progress>>) => {
      const reply = event.data;
      const waiting = this.#pending.get(reply.id);
      if (waiting === undefined) return;
      if (reply.kind === "progress") return waiting.onProgress?.(reply.progress);
      this.#pending.delete(reply.id);
      if (reply.kind === "done") waiting.resolve(reply.result);
      else waiting.reject(decodeError(this.stage, reply.error));
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      // Without this the uncaught error in the worker would end the whole process.
      event.preventDefault();
      // An error while loading the worker's modules (a permission read at import time).
      this.#fail(
        /NotCapable|Requires \w+ access/.test(event.message)
          ? new StageCapabilityError(this.stage, event.message)
          : new Error(`run the ${this.stage} stage: ${event.message}`),
      );
    };
    this.#worker.onmessageerror = () => {
      this.#fail(new Error(`run the ${this.stage} stage: a reply could not be read`));
    };
  }

  /** Requests under way. */
  get busy(): number {
    return this.#pending.size;
  }

  /** Whether the worker has ended (terminated, or failed to load). */
  get dead(): boolean {
    return this.#dead !== undefined;
  }

  /**
   * Sends `request` and waits for its result; `options.signal` ends the whole worker.
   * @throws {StageCapabilityError} when the worker steps outside its permissions.
   * @throws {HitError} or {DownloadFailure} as the worker threw them.
   */
  async run(
    request: unknown,
    options: { onProgress?: (progress: Progress) => void; signal?: AbortSignal } = {},
  ): Promise<Result> {
    if (this.#dead !== undefined) throw this.#dead;
    const signal = options.signal;
    if (signal?.aborted) throw this.#interrupted();
    const id = this.#nextId++;
    const onAbort = () => this.terminate();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await new Promise<Result>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject, onProgress: options.onProgress });
        this.#worker.postMessage({ id, request } satisfies StageMessage);
      });
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Ends the worker at once; requests under way fail as interrupted. */
  terminate(): void {
    this.#worker.terminate();
    this.#fail(this.#interrupted());
  }

  [Symbol.dispose](): void {
    if (this.#dead === undefined) this.terminate();
  }

  #interrupted(): HitError {
    return new HitError(`run the ${this.stage} stage: interrupted`, { exitCode: 130 });
  }

  #fail(error: Error): void {
    this.#dead ??= error;
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of waiting) reject(error);
  }
}

/** The global scope of a worker, as the stage workers use it. */
interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

/**
 * Worker side: answers each request with `handle` (several may run at once), posting its
 * progress, its result or its error under the request's number. Call it from a worker
 * module's top level.
 */
export function serveStageRequest<Request, Result, Progress = never>(
  handle: (request: Request, progress: (progress: Progress) => void) => Promise<Result>,
): void {
  // The worker's global scope; the project is type-checked with the window lib.
  const scope = globalThis as unknown as WorkerScope;
  const post = (reply: StageReply<Result, Progress>) => scope.postMessage(reply);
  scope.onmessage = async (event: MessageEvent<StageMessage>) => {
    const { id, request } = event.data;
    try {
      const result = await handle(
        request as Request,
        (progress) => post({ id, kind: "progress", progress }),
      );
      post({ id, kind: "done", result });
    } catch (error) {
      post({ id, kind: "failed", error: encodeError(error) });
    }
  };
}

/**
 * `permissions` with the real path added beside each granted path that goes through a
 * symlink: Deno checks file access against real paths, so a grant of `~/cache` where `~` is a
 * symlink would refuse the very files it names.
 */
export function withRealPaths(permissions: StagePermissions): StagePermissions {
  const expand = (paths: unknown) => {
    if (!Array.isArray(paths)) return paths;
    const out = new Set<string>(paths as string[]);
    for (const path of paths as string[]) {
      const real = realPathOf(path);
      if (real !== undefined) out.add(real);
    }
    return [...out];
  };
  return {
    ...permissions,
    read: expand(permissions.read),
    write: expand(permissions.write),
  } as StagePermissions;
}

/**
 * The real path of `path`; for a path not there yet (a folder the stage is to create) the
 * real path of its nearest existing folder with the rest appended, since Deno checks the
 * creation against that. Undefined when nothing of it can be resolved.
 */
function realPathOf(path: string): string | undefined {
  const missing: string[] = [];
  let current = resolve(path);
  while (true) {
    try {
      return join(Deno.realPathSync(current), ...missing.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return undefined;
      missing.push(basename(current));
      current = parent;
    }
  }
}
