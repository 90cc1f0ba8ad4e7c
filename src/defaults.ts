/**
 * Serving and batch-run defaults, stated once: the library (`startServer`, `Batcher`, `runBatch`,
 * `runJob`), the CLI (`obento serve`, `obento run`) and the CLI's help text all take them from here, so the
 * three cannot disagree.
 *
 * @module
 */

/** Defaults of `obento serve` and of the server library it starts (src/server/serve.ts, batcher.ts). */
export const SERVE_DEFAULTS = {
  /** Port to listen on. */
  port: 3000,
  /** Address to bind: this machine only. */
  host: "127.0.0.1",
  /** Most items per batch (1 turns batching off). */
  maxBatchSize: 64,
  /** Queue-wait budget of an item, in ms. */
  maxLatencyMs: 20,
  /** Most requests queued per API before new ones are shed with 503. */
  maxQueue: 1024,
  /** End-to-end deadline of a request, arrival to response, in ms. */
  timeoutMs: 10_000,
  /** Largest request body, in bytes (32 MiB). */
  maxBodyBytes: 32 * 1024 * 1024,
  /** How long loading and warming the bundle may take, in ms. */
  loadTimeoutMs: 60_000,
  /** On shutdown, how long in-flight requests may take to finish, in ms. */
  shutdownGraceMs: 20_000,
  /**
   * On shutdown, how long to keep accepting and answering with `Connection: close` before stopping accepting,
   * in ms (over sooner once requests stop coming; src/server/drain.ts).
   */
  shutdownDrainMs: 1000,
  /** onnxruntime threads per worker (WASM). */
  threads: 1,
  /** Most JS heap a model worker may use before it is replaced, in bytes (1 GiB). */
  workerMemoryLimitBytes: 2 ** 30,
  /** `--transport bounded`: time to send a request's headers, in ms. */
  headerTimeoutMs: 10_000,
  /** `--transport bounded`: how long a kept-alive connection may sit idle, in ms. */
  idleTimeoutMs: 5_000,
  /** `--transport bounded`: most connections open at once. */
  maxConnections: 4096,
} as const;

/** How many model workers serve starts when none is asked for, and why ({@link defaultWorkers}). */
export interface DefaultWorkers {
  /** Workers: one per core. */
  workers: number;
  /** The rule and the core count it was applied to, for the start-up log and `/metadata`. */
  reason: string;
}

/**
 * The model workers `obento serve` starts without `--workers` on a machine with `cores` cores: one per core.
 * The rule `max(1, cores − 1)` (a core for the server's thread) was measured against it and not adopted: on
 * 2 cores with the default device, `--workers 1` served the MLP at 0.84× and 0.92× of `--workers 2` in two
 * runs of alternating pairs, iris at 1.04× and 0.90× (docs/benchmarks.md, "Executors").
 *
 * @example
 * ```ts
 * import { defaultWorkers } from "./defaults.ts";
 * console.log(defaultWorkers(8).workers, defaultWorkers(0).workers); // 8 1
 * ```
 */
export function defaultWorkers(cores: number): DefaultWorkers {
  const known = Number.isInteger(cores) && cores > 0 ? cores : 1;
  return { workers: known, reason: `default: one per core, ${known} core${known === 1 ? "" : "s"}` };
}

/** Defaults of offline runs: `runBatch` (src/batch/run_batch.ts), `obento run` and its job (job.ts). */
export const BATCH_DEFAULTS = {
  /** Records per model call (a chunk). 4096 runs 1M iris rows at about 0.9M rows/s, 1024 at 0.5M (docs/batch.md). */
  batchSize: 4096,
  /** Chunks in flight at once. */
  concurrency: 1,
  /** Minimum time between checkpoints, in ms. */
  checkpointIntervalMs: 1000,
  /**
   * `obento run`: deadline of one chunk's model call, in ms. Longer than serve's per-request 10 s because a
   * chunk holds up to `batchSize` records; past it the chunk's worker is replaced and its records fail (504).
   */
  timeoutMs: 60_000,
} as const;
