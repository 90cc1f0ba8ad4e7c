/**
 * A worker-pool {@link Executor}: N module Workers, each holding its own copy of the bundle (and its own
 * onnxruntime-web WASM instance), run whole batches — raw request bytes in, encoded responses out — so model
 * work uses N cores. Only bytes and plain objects cross the thread boundary. Why this is the multi-core
 * strategy, with measurements: docs/multicore.md.
 *
 * The worker entry is `src/worker/worker_main.ts`; `deno compile` must be given
 * `--include src/worker/worker_main.ts` because a worker URL is not part of the static module graph. Each
 * worker runs sandboxed: only what the bundle declares (src/runtime/sandbox.ts, docs/serving.md "Sandbox").
 *
 * @module
 */
import { resolve, sep as SEP } from "node:path";
import { type OptionNamer, sdkOptionName } from "../option_name.ts";
import { messageOf, ObentoError } from "../errors.ts";
import type { ErrorCode } from "../errors.ts";
import { WebWorker } from "../web_worker.ts";
import { errorOutcome, type Executor, type RawItem, type RawOutcome } from "./executor.ts";
import { movesBodies, packItems, unpackOutcomes, type WireItems, type WireOutcomes } from "./batch_wire.ts";
import type { BundlePermissions } from "../bundle/permissions.ts";
import { workerPermissions } from "./sandbox.ts";
import { type ReadBento, readBento } from "./load.ts";
import { defaultWorkers } from "../defaults.ts";

/** An error as it crosses the worker boundary (structured clone keeps no class). */
export interface SerializedError {
  /** The ObentoError code; INTERNAL for anything that was not an ObentoError. */
  code: ErrorCode;
  /** The one-line message. */
  message: string;
  /** The HTTP status. */
  status: number;
  /** The library option the message names, if any ({@link ObentoError.option}): the CLI reports its flag. */
  option?: string;
}

/** A message from the pool to a worker. */
export type ToWorker =
  | {
    kind: "open";
    path: string;
    threads: number;
    verify: boolean;
    /** `native` (and `auto`): open onnxruntime-node, then revoke FFI before the bundle's code loads. */
    device: WorkerDevice;
    /** `native`: the runtime pack to load it from (src/backends/native_pack.ts); absent: the npm package. */
    nativeDir?: string;
    memoryReportMs: number;
    /** The host's extra API sets to add (src/worker/worker_main.ts maps each name to its module). */
    hostApis: HostApiSet[];
    /** The bundle's bento.yaml, read on the pool's thread (the worker runs no YAML parser). */
    bento: ReadBento;
    /** What the items of `run` messages are (see {@link WorkerPoolOptions.items}). */
    items: WorkerItems;
  }
  /** A batch, packed (src/runtime/batch_wire.ts). */
  | { kind: "run"; id: number; api: string; items: WireItems }
  /** Drop batch `id` if it has not started (its caller gave up); answered by `cancelled`. */
  | { kind: "cancel"; id: number }
  | { kind: "ping"; id: number }
  | { kind: "collect" }
  | { kind: "close" };

/** A message from a worker to the pool. */
export type FromWorker =
  | { kind: "ready"; device: OpenedDevice }
  | { kind: "open-failed"; error: SerializedError }
  /** `endedAt`: `Date.now()` when the worker answered, which is when it started the batch queued behind. */
  | { kind: "done"; id: number; outcomes: WireOutcomes; endedAt: number }
  | { kind: "failed"; id: number; error: SerializedError; endedAt: number }
  | { kind: "cancelled"; id: number }
  | { kind: "pong"; id: number }
  | { kind: "exiting"; how: string }
  | { kind: "memory"; heapUsed: number }
  | { kind: "closed" };

/**
 * Why a worker was replaced: it threw an uncaught error (`crash`), its code ended it (`exit`: `Deno.exit()`
 * or `close()`), a batch overran the batch timeout (`timeout`), it stopped answering while idle
 * (`unresponsive`), or its JS heap passed the memory limit (`memory`).
 */
export type RestartCause = "crash" | "exit" | "timeout" | "unresponsive" | "memory";

/** Every {@link RestartCause}, in a fixed order (for metrics). */
export const RESTART_CAUSES: readonly RestartCause[] = ["crash", "exit", "timeout", "unresponsive", "memory"];

/** What the pool tells its owner when it replaces a worker. */
export interface RestartEvent {
  /** The worker slot. */
  worker: number;
  /** Why it was replaced. */
  cause: RestartCause;
  /** What happened, in a sentence. */
  message: string;
}

/** Whether the pool can take work now (for `/readyz`). */
export interface PoolHealth {
  /** Workers loaded and answering. */
  ready: number;
  /** Workers in the pool. */
  total: number;
  /** Why none is ready, when none is. */
  reason?: string;
}

/**
 * Turns any thrown value into a {@link SerializedError}; an {@link ObentoError} keeps its code and status.
 *
 * @example
 * ```ts
 * import { ObentoError } from "../errors.ts";
 * import { serializeError } from "./worker_pool.ts";
 * console.log(serializeError(new ObentoError("NOT_FOUND", "no bundle"))); // { code: "NOT_FOUND", message: "no bundle", status: 404 }
 * ```
 */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof ObentoError) {
    const { code, message, status, option } = error;
    return option === undefined ? { code, message, status } : { code, message, status, option };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: "INTERNAL", message, status: 500 };
}

/**
 * Rebuilds the {@link ObentoError} that {@link serializeError} described.
 *
 * @example
 * ```ts
 * import { deserializeError } from "./worker_pool.ts";
 * const err = deserializeError({ code: "BAD_BUNDLE", message: "bad", status: 500 });
 * console.log(err.code, err.message); // BAD_BUNDLE bad
 * ```
 */
export function deserializeError(error: SerializedError): ObentoError {
  return new ObentoError(error.code, error.message, { status: error.status, option: error.option });
}

/**
 * The device a model worker opens: `auto` is native where its library loads in the worker, else wasm
 * (src/backends/device.ts); the worker says which it got when it is ready.
 */
export type WorkerDevice = "wasm" | "native" | "webgpu" | "auto";

/** The device a worker opened, as its `ready` message says (`fallback`: why `auto` did not get native). */
export interface OpenedDevice {
  /** The device its models run on. */
  device: "wasm" | "native" | "webgpu";
  /** Why `auto` did not get native; absent when it did, or when a device was named. */
  fallback?: string;
}

/**
 * A set of APIs the host adds beside the service's own, named because a function cannot cross a worker
 * message: `v2` is Open Inference Protocol v2's `v2:<model>` per ONNX model (src/worker/worker_main.ts maps the name to
 * src/v2/).
 */
export type HostApiSet = "v2";

/**
 * What a pool's items are: HTTP request bodies answered with encoded responses (`requests`, the server), or
 * `obento run`'s chunks of records answered with their results (`chunks`, src/batch/chunk_items.ts).
 */
export type WorkerItems = "requests" | "chunks";

/** Batches each worker holds beyond the one it runs, unless {@link WorkerPoolOptions.queuedBatches} says. */
export const DEFAULT_QUEUED_BATCHES = 1;

/** Options for {@link WorkerPoolExecutor.open}. */
export interface WorkerPoolOptions {
  /**
   * Number of workers, each with its own copy of the bundle. Default: one per core, as `obento serve`
   * ({@link defaultWorkers}).
   */
  workers?: number;
  /**
   * Batches each worker holds beyond the one it runs: the pool posts the next batch before the running one
   * ends and the worker runs them in order, so a worker never idles while this thread is too busy to hand it
   * the next one. Only batches whose bodies are copied (none of 64 KiB or more) are posted ahead, so a batch
   * waiting in a worker that is replaced can be posted again to another. Default 1; 0 posts a batch only to
   * an idle worker. See docs/serving.md "Supervised workers".
   */
  queuedBatches?: number;
  /** onnxruntime threads per worker (each worker has its own WASM runtime). Default 1. */
  threads?: number;
  /** Check the bundle's MANIFEST in each worker before loading. Default true. */
  verify?: boolean;
  /** How long {@link WorkerPoolExecutor.close} waits for a worker to finish and free its models. Default 5000. */
  closeTimeoutMs?: number;
  /**
   * A batch that runs longer than this is stopped: its worker is terminated and replaced, and its items get
   * 504 outcomes. Default: no limit. The server passes its `--timeout` plus a margin.
   */
  batchTimeoutMs?: number;
  /** What the batch timeout is called in messages. Default "the request timeout plus a margin". */
  batchTimeoutName?: string;
  /** How long a worker may take to load the bundle and warm its models up. Default 60000. */
  loadTimeoutMs?: number;
  /** How often idle workers are asked whether they are alive, in ms; 0 turns the check off. Default 1000. */
  heartbeatMs?: number;
  /**
   * Most bytes of JS heap (`Deno.memoryUsage().heapUsed` inside the worker) a worker may use; past it the worker
   * is terminated and replaced, and its batch gets 500. WASM memory (the models) is not counted. Each worker
   * reports its heap every `memoryReportMs` while its event loop is free: an API that allocates in a loop
   * that never yields is stopped by the batch timeout or V8's own heap limit instead (docs/serving.md,
   * "Supervised workers"). Default: no limit (0).
   */
  memoryLimitBytes?: number;
  /** How often each worker reports its heap, in ms. Default 100. */
  memoryReportMs?: number;
  /** Called whenever a worker is replaced (for logs and metrics). */
  onRestart?: (event: RestartEvent) => void;
  /** What the items of {@link WorkerPoolExecutor.run} are. Default `requests`. */
  items?: WorkerItems;
  /**
   * Called when a replacement worker could not load the bundle (e.g. its files changed on disk and fail
   * the MANIFEST check): that slot stays out of service. For logs.
   */
  onRestartFailed?: (event: { worker: number; message: string }) => void;
  /**
   * What the bundle's code may do beyond reading its directory (src/bundle/permissions.ts); each worker is
   * sandboxed to that (src/runtime/sandbox.ts). Default `{}`: nothing else.
   */
  permissions?: BundlePermissions;
  /**
   * Where each worker runs its models. `native` needs the FFI permission in this thread (each worker gets it
   * to load onnxruntime-node and revokes it before the bundle's code loads); `webgpu` needs a WebGPU adapter;
   * `auto` is native where the library loads in the worker, else wasm: the first worker ready decides for
   * the workers started after it ({@link WorkerPoolOptions.onDevice}). Default `wasm`.
   */
  device?: WorkerDevice;
  /**
   * Called once, when the first worker is ready, with the device it opened (what `auto` resolved to, and
   * why it fell back). For the log and /metadata.
   */
  onDevice?: (opened: OpenedDevice) => void;
  /** `native`: the runtime pack each worker loads it from (read access is granted to it). Default: none. */
  nativeDir?: string;
  /**
   * How messages name the pool's options (`loadTimeoutMs`, `memoryLimitBytes`): default as they are
   * (src/option_name.ts); `obento serve` passes its flags' names.
   */
  optionName?: OptionNamer;
  /** The host's API sets each worker adds (`["v2"]`: the server's v2 routes need them). Default: none. */
  hostApis?: readonly HostApiSet[];
  /**
   * The bundle's bento.yaml, already read with `readBento` (the server has read it before the pool opens).
   * Default: read it here.
   */
  bento?: ReadBento;
}

/** Counters of one worker slot, for tests and diagnostics. */
export interface WorkerStats {
  /** Batches this slot has answered (across restarts). */
  batches: number;
  /** Items in those batches. */
  items: number;
  /** How many times the slot's worker was replaced, for any cause. */
  restarts: number;
  /** Replacements by cause. */
  restartsBy: Record<RestartCause, number>;
  /** Whether the slot is running a batch now. */
  busy: boolean;
  /** Batches posted to the slot's worker that wait behind the one it runs. */
  queued: number;
  /** Whether the slot is out of service (its worker crashed and could not be restarted). */
  dead: boolean;
}

/** A batch waiting for, or running on, a worker. */
interface Job {
  id: number;
  api: string;
  items: readonly RawItem[];
  signal?: AbortSignal;
  /** `Date.now()` when it was posted to a worker. */
  postedAt: number;
  /** Its caller gave up while it waited in a worker (it was rejected; the worker was asked to drop it). */
  dropped: boolean;
  /** Fires when the batch has run for the batch timeout. */
  timer?: ReturnType<typeof setTimeout>;
  resolve(outcomes: RawOutcome[]): void;
  reject(error: unknown): void;
  onAbort?: () => void;
}

/** One worker and what it is doing. */
interface Slot {
  index: number;
  worker?: Worker;
  /**
   * The batches posted to the worker and not answered, oldest first: the worker runs them in this order, so
   * `jobs[0]` is the one it runs (or, for the time its answer is on the way, has just finished).
   */
  jobs: Job[];
  ready: boolean;
  dead: boolean;
  stats: { batches: number; items: number; restarts: number; restartsBy: Record<RestartCause, number> };
  /** The heartbeat ping not yet answered, if any. */
  ping?: number;
  /** Replacements in a row without a batch answered in between (for the restart backoff). */
  failures: number;
  /** The last reason the slot went out of service. */
  lastError?: string;
  /** Settles the open/close handshake in progress, if any. */
  waiter?: (message: FromWorker | { kind: "crashed"; message: string; code?: ErrorCode }) => void;
}

const WORKER_URL = new URL("../worker/worker_main.ts", import.meta.url);

/** The Web Worker constructor (src/web_worker.ts), or an INTERNAL error saying how to keep it. */
function webWorker(): typeof Worker {
  if (WebWorker === undefined) {
    throw new ObentoError(
      "INTERNAL",
      "globalThis.Worker is not the Web Worker (onnxruntime-web replaced it with node:worker_threads' " +
        "when its WASM started); import obento's modules statically, before any model is loaded",
    );
  }
  return WebWorker;
}

/**
 * Runs batches on a pool of module Workers, each of which loads the bundle once. `concurrency` equals the
 * number of workers; a batch goes to an idle worker, else (up to `queuedBatches`) waits inside a busy one,
 * else waits in a FIFO queue. A worker that crashes answers its running batch's items with 500 outcomes and
 * is replaced; the batches that waited inside it go to the next free worker.
 *
 * @example
 * ```ts
 * import { WorkerPoolExecutor } from "./worker_pool.ts";
 * const pool = await WorkerPoolExecutor.open("./iris-bundle", { workers: 2 });
 * const body = new TextEncoder().encode("[[5.1, 3.5, 1.4, 0.2]]");
 * const [out] = await pool.run("predict", [{ body, contentType: "application/json" }]);
 * console.log(out.status, out.body);
 * await pool.close();
 * ```
 */
export class WorkerPoolExecutor implements Executor {
  /** How many batches run at once: the number of workers. */
  readonly concurrency: number;
  /** Batches each worker holds beyond the one it runs ({@link WorkerPoolOptions.queuedBatches}). */
  readonly queuedBatches: number;
  readonly #path: string;
  readonly #threads: number;
  readonly #verify: boolean;
  readonly #closeTimeoutMs: number;
  readonly #batchTimeoutMs: number;
  readonly #batchTimeoutName: string;
  readonly #loadTimeoutMs: number;
  readonly #memoryLimitBytes: number;
  readonly #memoryReportMs: number;
  readonly #onRestart?: (event: RestartEvent) => void;
  readonly #onRestartFailed?: (event: { worker: number; message: string }) => void;
  #sandbox: SandboxSettings;
  readonly #permissions: BundlePermissions;
  readonly #onDevice?: (opened: OpenedDevice) => void;
  #opened?: OpenedDevice;
  readonly #hostApis: HostApiSet[];
  readonly #optionName: OptionNamer;
  readonly #bento: ReadBento;
  readonly #items: WorkerItems;
  readonly #heartbeat?: ReturnType<typeof setInterval>;
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  private constructor(
    path: string,
    bento: ReadBento,
    options:
      & Required<
        Omit<
          WorkerPoolOptions,
          | "onRestart"
          | "onRestartFailed"
          | "permissions"
          | "device"
          | "onDevice"
          | "nativeDir"
          | "hostApis"
          | "bento"
          | "optionName"
          | "items"
          | "batchTimeoutName"
        >
      >
      & WorkerPoolOptions,
  ) {
    this.#path = path;
    this.#hostApis = [...options.hostApis ?? []];
    this.#optionName = options.optionName ?? sdkOptionName;
    this.#bento = bento;
    this.#items = options.items ?? "requests";
    this.#permissions = options.permissions ?? {};
    this.#onDevice = options.onDevice;
    this.#sandbox = sandboxSettings(path, this.#permissions, options.device ?? "wasm", options.nativeDir);
    this.#threads = options.threads;
    this.#verify = options.verify;
    this.#closeTimeoutMs = options.closeTimeoutMs;
    this.#batchTimeoutMs = options.batchTimeoutMs;
    this.#batchTimeoutName = options.batchTimeoutName ?? "the request timeout plus a margin";
    this.#loadTimeoutMs = options.loadTimeoutMs;
    this.#memoryLimitBytes = options.memoryLimitBytes;
    this.#memoryReportMs = options.memoryReportMs;
    this.#onRestart = options.onRestart;
    this.#onRestartFailed = options.onRestartFailed;
    this.concurrency = options.workers;
    this.queuedBatches = options.queuedBatches;
    this.#slots = Array.from({ length: options.workers }, (_, index) => ({
      index,
      jobs: [],
      ready: false,
      dead: false,
      failures: 0,
      stats: {
        batches: 0,
        items: 0,
        restarts: 0,
        restartsBy: { crash: 0, exit: 0, timeout: 0, unresponsive: 0, memory: 0 },
      },
    }));
    if (options.heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => this.#checkIdle(), options.heartbeatMs);
      Deno.unrefTimer(this.#heartbeat);
    }
  }

  /**
   * Starts the workers and resolves once every one of them has loaded the bundle.
   *
   * @param path the bundle directory
   * @param options workers, threads per worker, MANIFEST check
   * @returns a ready pool
   * @throws {ObentoError} what an in-thread `load(path)` would throw (same code and message), e.g. NOT_FOUND
   *   for a directory without bento.yaml; BAD_ARGUMENT for a bad `workers`/`threads` count
   *
   * @example
   * ```ts
   * const pool = await WorkerPoolExecutor.open("./bundle", { workers: 2, threads: 1 });
   * console.log(pool.concurrency); // 2
   * await pool.close();
   * ```
   */
  static async open(path: string, options: WorkerPoolOptions = {}): Promise<WorkerPoolExecutor> {
    webWorker(); // fails early when the Web Worker is gone
    const workers = options.workers ?? defaultWorkers(navigator.hardwareConcurrency || 1).workers;
    const threads = options.threads ?? 1;
    const queuedBatches = options.queuedBatches ?? DEFAULT_QUEUED_BATCHES;
    checkCount(workers, "workers");
    checkCount(threads, "threads");
    if (!Number.isInteger(queuedBatches) || queuedBatches < 0) {
      throw new ObentoError("BAD_ARGUMENT", `queuedBatches must be an integer >= 0, got ${queuedBatches}`);
    }
    const bento = options.bento ?? await readBento(path);
    const pool = new WorkerPoolExecutor(path, bento, {
      workers,
      queuedBatches,
      threads,
      verify: options.verify ?? true,
      closeTimeoutMs: options.closeTimeoutMs ?? 5000,
      batchTimeoutMs: options.batchTimeoutMs ?? Infinity,
      loadTimeoutMs: options.loadTimeoutMs ?? 60_000,
      heartbeatMs: options.heartbeatMs ?? 1000,
      memoryLimitBytes: options.memoryLimitBytes ?? 0,
      memoryReportMs: options.memoryReportMs ?? 100,
      onRestart: options.onRestart,
      onRestartFailed: options.onRestartFailed,
      permissions: options.permissions,
      device: options.device,
      onDevice: options.onDevice,
      nativeDir: options.nativeDir,
      hostApis: options.hostApis,
      optionName: options.optionName,
      items: options.items,
      batchTimeoutName: options.batchTimeoutName,
    });
    const started = await Promise.allSettled(pool.#slots.map((slot) => pool.#start(slot)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed !== undefined) {
      for (const slot of pool.#slots) pool.#terminate(slot);
      pool.#closed = true;
      clearInterval(pool.#heartbeat);
      throw failed.reason;
    }
    return pool;
  }

  /** Per-worker counters (a copy), in worker order. */
  stats(): WorkerStats[] {
    return this.#slots.map((slot) => ({
      ...slot.stats,
      restartsBy: { ...slot.stats.restartsBy },
      busy: slot.jobs.length > 0,
      queued: Math.max(0, slot.jobs.length - 1),
      dead: slot.dead,
    }));
  }

  /**
   * Asks every idle worker to run a full garbage collection (for when traffic stops: request bodies moved to
   * a worker are freed only when its isolate collects, and an idle isolate does not). Returns at once.
   */
  collectGarbage(): void {
    for (const slot of this.#slots) {
      if (slot.ready && slot.jobs.length === 0 && slot.worker !== undefined) {
        post(slot.worker, { kind: "collect" });
      }
    }
  }

  /** How many workers can take work now, and why none can when none can. */
  health(): PoolHealth {
    const ready = this.#slots.filter((s) => s.ready && !s.dead).length;
    const total = this.#slots.length;
    if (ready > 0) return { ready, total };
    if (this.#closed) return { ready, total, reason: "the worker pool is closed" };
    const reasons = [...new Set(this.#slots.map((s) => s.lastError).filter((r) => r !== undefined))];
    return {
      ready,
      total,
      reason: reasons.length > 0
        ? `no model worker is ready: ${reasons.join("; ")}`
        : "no model worker is ready yet",
    };
  }

  /**
   * Runs one batch on the next idle worker: one outcome per item, in order.
   *
   * @throws {ObentoError} UNAVAILABLE when the pool is closed or every worker is out of service; what the
   *   worker's `runRawItems` threw (e.g. NOT_FOUND for an unknown API); `signal.reason` when the signal aborts
   *   before a worker starts the batch (a running batch is not interrupted; one waiting inside a worker is
   *   dropped there unless it has started by the time the worker reads the request)
   */
  run(api: string, items: readonly RawItem[], signal?: AbortSignal): Promise<RawOutcome[]> {
    if (this.#closed) return Promise.reject(unavailable("the worker pool is closed"));
    if (this.#slots.every((s) => s.dead)) return Promise.reject(this.#allDead());
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<RawOutcome[]>((resolve, reject) => {
      const job: Job = {
        id: this.#nextId++,
        api,
        items,
        signal,
        postedAt: 0,
        dropped: false,
        resolve,
        reject,
      };
      if (signal !== undefined) {
        job.onAbort = () => {
          const at = this.#queue.indexOf(job);
          if (at >= 0) {
            this.#queue.splice(at, 1);
            reject(signal.reason);
            return;
          }
          for (const slot of this.#slots) {
            // Waiting inside a worker: ask it to drop the batch; its answer (cancelled, or done if it had
            // started) only clears the slot. A running batch is let finish.
            if (slot.jobs.indexOf(job) < 1 || slot.worker === undefined) continue;
            job.dropped = true;
            post(slot.worker, { kind: "cancel", id: job.id });
            reject(signal.reason);
          }
        };
        signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  /**
   * Stops every worker after its running batch (at most `waitMs`, default `closeTimeoutMs`); queued batches
   * are rejected, and a batch still running then gets UNAVAILABLE.
   */
  async close(waitMs: number = this.#closeTimeoutMs): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const job of this.#queue.splice(0)) settle(job).reject(unavailable("the worker pool was closed"));
    await Promise.all(this.#slots.map((slot) => this.#stop(slot, waitMs)));
  }

  /**
   * Hands queued jobs to workers: first to idle ones, then one more to each busy one, and so on up to
   * `queuedBatches` waiting per worker. A job whose bodies would be moved (not copied) is given only to an
   * idle worker, and the jobs behind it wait with it (first in, first out).
   */
  #pump(): void {
    for (let depth = 0; depth <= this.queuedBatches; depth++) {
      for (const slot of this.#slots) {
        if (this.#queue.length === 0) return;
        if (!slot.ready || slot.jobs.length !== depth || slot.worker === undefined) continue;
        if (depth > 0 && movesBodies(this.#queue[0].items)) return;
        this.#post(slot, slot.worker, this.#queue.shift()!);
      }
    }
  }

  /** Posts a job to a slot's worker; the batch timeout starts now if the worker is idle. */
  #post(slot: Slot, worker: Worker, job: Job): void {
    try {
      postBatch(worker, job);
    } catch (error) {
      settle(job).reject(new ObentoError("INTERNAL", `cannot send the batch to a model worker: ${error}`));
      return;
    }
    job.postedAt = Date.now();
    slot.jobs.push(job);
    if (slot.jobs.length === 1) this.#startTimer(slot, worker, job.postedAt);
  }

  /**
   * Starts the batch timeout of the slot's running job (`jobs[0]`), counted from `startedAt` (`Date.now()`
   * time): when the worker took it, not when it was posted.
   */
  #startTimer(slot: Slot, worker: Worker, startedAt: number): void {
    const job = slot.jobs[0];
    if (job === undefined || !Number.isFinite(this.#batchTimeoutMs)) return;
    clearTimeout(job.timer);
    job.timer = setTimeout(() => {
      if (slot.jobs[0] !== job || slot.worker !== worker) return;
      this.#replace(
        slot,
        worker,
        "timeout",
        `model worker ${slot.index} ran API "${job.api}" for more than ${this.#batchTimeoutMs} ms ` +
          `(${this.#batchTimeoutName}); it was stopped and a new one started`,
      );
    }, Math.max(0, startedAt + this.#batchTimeoutMs - Date.now()));
  }

  /** Starts (or restarts) a slot's worker; resolves when its bundle is loaded. */
  #start(slot: Slot): Promise<void> {
    const worker = new (webWorker())(WORKER_URL, {
      type: "module",
      name: `obento-model-worker-${slot.index}`,
      deno: { permissions: this.#sandbox.permissions },
    });
    slot.worker = worker;
    slot.ready = false;
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#onMessage(slot, worker, event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#replace(slot, worker, "crash", event.message || "uncaught error");
    };
    worker.onmessageerror = () => this.#replace(slot, worker, "crash", "a message could not be deserialized");
    const loadTimer = setTimeout(() => {
      if (slot.worker !== worker || slot.waiter === undefined) return;
      this.#terminate(slot);
      slot.waiter({
        kind: "crashed",
        code: "TIMEOUT",
        message: loadTimeoutMessage(this.#loadTimeoutMs, this.#optionName),
      });
    }, this.#loadTimeoutMs);
    const ready = new Promise<void>((resolve, reject) => {
      slot.waiter = (message) => {
        slot.waiter = undefined;
        clearTimeout(loadTimer);
        if (message.kind === "ready") {
          slot.ready = true;
          slot.lastError = undefined;
          this.#deviceOpened(message.device);
          resolve();
        } else if (message.kind === "open-failed") reject(deserializeError(message.error));
        else if (message.kind === "crashed") {
          reject(
            new ObentoError(
              message.code ?? "INTERNAL",
              message.code === "TIMEOUT"
                ? message.message
                : `model worker ${slot.index} crashed while loading: ${message.message}`,
            ),
          );
        }
      };
    });
    post(worker, {
      kind: "open",
      path: this.#path,
      threads: this.#threads,
      verify: this.#verify,
      device: this.#sandbox.device,
      nativeDir: this.#sandbox.nativeDir,
      memoryReportMs: this.#memoryLimitBytes > 0 ? this.#memoryReportMs : 0,
      hostApis: this.#hostApis,
      bento: this.#bento,
      items: this.#items,
    });
    return ready;
  }

  /**
   * The first worker ready tells what the device is: reported once, and under `auto` the workers started
   * from now on open that device (no FFI for them once it is wasm).
   */
  #deviceOpened(opened: OpenedDevice): void {
    if (this.#opened !== undefined) return;
    this.#opened = opened;
    if (this.#sandbox.device === "auto") {
      this.#sandbox = sandboxSettings(this.#path, this.#permissions, opened.device, this.#sandbox.nativeDir);
    }
    this.#onDevice?.(opened);
  }

  #onMessage(slot: Slot, worker: Worker, message: FromWorker): void {
    if (slot.worker !== worker) return; // a late message from a replaced worker
    if (message.kind === "done" || message.kind === "failed" || message.kind === "cancelled") {
      const at = slot.jobs.findIndex((j) => j.id === message.id);
      if (at < 0) return;
      const [job] = slot.jobs.splice(at, 1);
      if (message.kind === "cancelled") settle(job);
      else {
        slot.failures = 0;
        slot.stats.batches++;
        slot.stats.items += job.items.length;
        if (message.kind === "done") settle(job).resolve(unpackOutcomes(message.outcomes));
        else settle(job).reject(deserializeError(message.error));
      }
      // The worker answers in order, so the next job started when this one ended (or when it arrived).
      const next = slot.jobs[0];
      if (at === 0 && next !== undefined) {
        const endedAt = message.kind === "cancelled" ? Date.now() : message.endedAt;
        this.#startTimer(slot, worker, Math.max(next.postedAt, endedAt));
      }
      this.#pump();
      return;
    }
    if (message.kind === "pong") {
      if (slot.ping === message.id) slot.ping = undefined;
      return;
    }
    if (message.kind === "exiting") {
      this.#replace(slot, worker, "exit", `the service's code ended its model worker (${message.how})`);
      return;
    }
    if (message.kind === "memory") {
      if (this.#memoryLimitBytes > 0 && message.heapUsed > this.#memoryLimitBytes) {
        const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
        this.#replace(
          slot,
          worker,
          "memory",
          `model worker ${slot.index} used ${mib(message.heapUsed)} MiB of JS heap, over the ` +
            `${mib(this.#memoryLimitBytes)} MiB limit (${this.#optionName("memoryLimitBytes")})`,
        );
      }
      return;
    }
    slot.waiter?.(message);
  }

  /** Pings idle workers; one that has not answered the previous ping is replaced. */
  #checkIdle(): void {
    for (const slot of this.#slots) {
      const worker = slot.worker;
      if (this.#closed || !slot.ready || slot.jobs.length > 0 || worker === undefined) {
        slot.ping = undefined;
        continue;
      }
      if (slot.ping !== undefined) {
        this.#replace(
          slot,
          worker,
          "unresponsive",
          `model worker ${slot.index} stopped answering while idle`,
        );
        continue;
      }
      slot.ping = this.#nextId++;
      try {
        post(worker, { kind: "ping", id: slot.ping });
      } catch {
        this.#replace(slot, worker, "unresponsive", `model worker ${slot.index} cannot be reached`);
      }
    }
  }

  /**
   * A worker died, ended itself or overran: it is terminated, its running batch gets 500 (504 for a timeout)
   * outcomes, the batches that waited behind it go back to the head of the queue (none of them started, and
   * their bodies were copied, not moved), and a new worker takes its place after a backoff that grows while
   * replacements fail in a row.
   */
  #replace(slot: Slot, worker: Worker, cause: RestartCause, message: string): void {
    if (slot.worker !== worker) return; // a stale event from a replaced worker
    this.#terminate(slot);
    slot.ping = undefined;
    slot.lastError = message;
    if (slot.waiter !== undefined) {
      slot.waiter({ kind: "crashed", message });
      return;
    }
    const [job, ...waiting] = slot.jobs.splice(0);
    const again = waiting.filter((j) => !j.dropped);
    for (const j of again) clearTimeout(j.timer);
    this.#queue.unshift(...again);
    if (job !== undefined) {
      slot.stats.batches++;
      slot.stats.items += job.items.length;
      const [status, text] = cause === "timeout" ? [504, message] : [
        500,
        `model worker ${slot.index} ${
          cause === "exit" ? "was ended" : cause === "memory" ? "was stopped" : "crashed"
        } while running API "${job.api}": ${message}`,
      ];
      settle(job).resolve(job.items.map(() => errorOutcome(status, text)));
    }
    if (this.#closed) {
      for (const j of this.#queue.splice(0)) settle(j).reject(unavailable("the worker pool was closed"));
      return;
    }
    this.#pump(); // the batches that waited in the replaced worker, to the other workers
    slot.stats.restarts++;
    slot.stats.restartsBy[cause]++;
    this.#onRestart?.({ worker: slot.index, cause, message });
    const delay = Math.min(5000, slot.failures === 0 ? 0 : 100 * 2 ** (slot.failures - 1));
    slot.failures++;
    const restart = () => {
      if (this.#closed) return;
      this.#start(slot).then(
        () => this.#pump(),
        (error) => {
          this.#terminate(slot);
          slot.dead = true;
          slot.lastError = messageOf(error);
          this.#onRestartFailed?.({ worker: slot.index, message: slot.lastError });
          if (this.#slots.every((s) => s.dead)) {
            const failure = this.#allDead();
            for (const queued of this.#queue.splice(0)) settle(queued).reject(failure);
          }
        },
      );
    };
    if (delay === 0) restart();
    else setTimeout(restart, delay);
  }

  /** The error once every slot is out of service, with why their replacements did not load. */
  #allDead(): ObentoError {
    // Clients get the reasons with file names relative to the bundle: the server's paths stay in its log.
    const reasons = [
      ...new Set(
        this.#slots.map((s) => s.lastError).filter((r) => r !== undefined).map((r) =>
          withoutDir(r, this.#path)
        ),
      ),
    ];
    return unavailable(
      "every model worker crashed and could not be restarted" +
        (reasons.length > 0 ? `: ${reasons.join("; ")}` : ""),
    );
  }

  /** Asks a worker to free its models, waits for it (bounded), then terminates it. */
  async #stop(slot: Slot, waitMs: number): Promise<void> {
    const worker = slot.worker;
    if (worker === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = new Promise<void>((resolve) => {
      slot.waiter = () => resolve();
      timer = setTimeout(resolve, waitMs);
    });
    post(worker, { kind: "close" });
    await closed;
    clearTimeout(timer);
    slot.waiter = undefined;
    const jobs = slot.jobs.splice(0);
    this.#terminate(slot);
    for (const job of jobs) settle(job).reject(unavailable("the worker pool was closed while the batch ran"));
  }

  #terminate(slot: Slot): void {
    slot.worker?.terminate();
    slot.worker = undefined;
    slot.ready = false;
  }
}

/**
 * What a bundle that did not load in time is told, in a worker or in-process (the server's executors share it).
 *
 * @example
 * ```ts
 * import { loadTimeoutMessage } from "./worker_pool.ts";
 * console.log(loadTimeoutMessage(500)); // the bundle did not load within 500 ms (…); the load timeout is loadTimeoutMs
 * ```
 */
export function loadTimeoutMessage(ms: number, optionName: OptionNamer = sdkOptionName): string {
  return `the bundle did not load within ${ms} ms (top-level code that never finishes, or a model too big ` +
    `for this machine?); the load timeout is ${optionName("loadTimeoutMs")}`;
}

/** How every worker of a pool is sandboxed, computed once. */
interface SandboxSettings {
  permissions: Deno.PermissionOptionsObject;
  device: WorkerDevice;
  nativeDir?: string;
}

function sandboxSettings(
  path: string,
  permissions: BundlePermissions,
  device: WorkerDevice,
  nativeDir: string | undefined,
): SandboxSettings {
  const native = device === "native" || device === "auto";
  return {
    permissions: workerPermissions({
      root: path,
      permissions,
      native,
      nativeDir: native ? nativeDir : undefined,
    }),
    device,
    nativeDir: native ? nativeDir : undefined,
  };
}

/** Detaches a job's abort listener and batch timer, and returns it for settling. */
function settle(job: Job): Job {
  if (job.onAbort !== undefined) job.signal?.removeEventListener("abort", job.onAbort);
  clearTimeout(job.timer);
  return job;
}

/**
 * Posts a job's batch, packed from the items the job keeps (src/runtime/batch_wire.ts): the small bodies are
 * copied into one transferred buffer, and large ones are moved (the server has no use for them once posted,
 * and a copy would double the memory a burst of large bodies holds).
 */
function postBatch(worker: Worker, job: Job): void {
  const { wire, transfer } = packItems(job.items);
  const message: ToWorker = { kind: "run", id: job.id, api: job.api, items: wire };
  // Without a second argument Deno 2.9.6 takes its cheaper path (op_host_post_message_raw); even an empty
  // transfer list goes through the options' conversion and op_host_post_message.
  if (transfer.length === 0) return worker.postMessage(message);
  try {
    worker.postMessage(message, transfer);
  } catch {
    worker.postMessage(message); // a buffer that cannot be moved is copied
  }
}

/** Posts a control message (nothing to transfer). */
function post(worker: Worker, message: ToWorker): void {
  worker.postMessage(message);
}

function unavailable(message: string): ObentoError {
  return new ObentoError("UNAVAILABLE", message);
}

function checkCount(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ObentoError("BAD_ARGUMENT", `${what} must be an integer >= 1, got ${value}`);
  }
}

/** `message` with every mention of `dir/` (as given, and resolved) cut to the path below it. */
function withoutDir(message: string, dir: string): string {
  let out = message;
  for (const prefix of new Set([dir, resolve(dir)])) {
    out = out.split(prefix.endsWith(SEP) ? prefix : prefix + SEP).join("");
  }
  return out;
}
