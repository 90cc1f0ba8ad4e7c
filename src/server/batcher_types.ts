/**
 * The batcher's vocabulary: its options, per-request options, stats, effective settings and the reasons it
 * reports (shed, flush, timeout stage). The class is `batcher.ts`.
 *
 * @module
 */
import type { OptionNamer } from "../option_name.ts";
import type { CostModel, CostModelOptions, CostSnapshot } from "./cost_model.ts";
import type { SetTimer } from "./set_timer.ts";

/**
 * Why a request was refused at admission (`body_budget`: the server's budget for request bodies,
 * `--max-body-total`, is spent; see src/server/body_budget.ts).
 */
export type ShedReason = "queue_full" | "over_budget" | "deadline" | "closing" | "body_budget";

/**
 * An admission refusal as a plain value: what a {@link ShedReason} `ShedError` carries, without the error.
 * `Batcher.offer` returns it (building an `Error` captures a stack, which under overload cost the server's
 * thread about a tenth of its time: docs/reliability.md "Overload").
 */
export interface Refusal {
  /** Why the request was refused. */
  readonly reason: ShedReason;
  /** The message for the client, naming the option to change. */
  readonly message: string;
  /** Seconds after which a retry is likely to be admitted: a whole number, at least 1 (`Retry-After`). */
  readonly retryAfterSeconds: number;
}

/** Why a batch left the queue when it did. */
export type FlushReason =
  /** `maxBatchSize` items were waiting. */
  | "full"
  /** The oldest item used up `maxLatencyMs`, or the next arrival is expected after that. */
  | "budget"
  /** Holding longer would risk a queued item's deadline. */
  | "deadline"
  /** Waiting is not expected to lower latency (or the cost model is not calibrated yet). */
  | "no_gain"
  /** The batcher is closing: everything left goes out at once. */
  | "drain";

/** Where a request was when its deadline (`timeoutMs`) fired (`body`: its body was still arriving). */
export type TimeoutStage = "queued" | "inference" | "body";

/** What the batcher reports about each finished batch. */
export interface BatchInfo {
  /** Items in the batch. */
  size: number;
  /** The longest queue wait in the batch (its oldest item's), ms. */
  queueWaitMs: number;
  /** How long `run` took, ms. */
  runMs: number;
  /** Why the batch left the queue when it did. */
  reason: FlushReason;
  /** False when `run` rejected or returned the wrong number of results. */
  ok: boolean;
}

/** Options for {@link Batcher}; everything but `run` has a default. */
export interface BatcherOptions<T, R> {
  /**
   * Runs one batch. Must resolve to exactly one result per item, in order; per-item failures belong in the
   * results (e.g. an error outcome), not in a rejection. A rejection fails every item of that batch; a list
   * of the wrong length fails every item of that batch with an `INTERNAL` error naming both counts.
   * `signal` aborts when no item of the batch is still waiting for it, or on `close({ drain: false })`.
   */
  run: (items: T[], signal: AbortSignal) => Promise<R[]>;
  /** Most items per batch; 1 turns batching off (every item alone). Default 64. */
  maxBatchSize?: number;
  /**
   * Queue-wait budget in ms (`--mb-max-latency` in `obento serve`): a batch is never held open past the point where its oldest
   * item has waited this long, and (once calibrated) a request whose predicted wait beyond the batches
   * already running exceeds it is shed. Default 20.
   */
  maxLatencyMs?: number;
  /** Most requests waiting in the queue (not counting running batches) before new ones are shed. Default 1024. */
  maxQueue?: number;
  /** Batches in flight at once: the number of model workers. Default 1. */
  concurrency?: number;
  /**
   * Batches each worker can hold beyond the one it runs (a worker pool's `queuedBatches`): up to
   * `concurrency × (1 + queuedBatches)` batches are dispatched, so a worker has its next batch before the
   * running one ends, whatever this thread is busy with. A batch that would wait inside a busy worker is
   * dispatched only once it cannot grow (full, at its budget or a deadline). Default 0.
   */
  queuedBatches?: number;
  /** Name used in messages (the API). Default "batch". */
  name?: string;
  /**
   * How messages name the serving options to change (`timeoutMs`, `maxQueue`, `maxLatencyMs`): default the
   * option's own name; `obento serve` passes its flags' names (src/option_name.ts).
   */
  optionName?: OptionNamer;
  /** Clock in ms. Default: `performance.timeOrigin + performance.now()` (monotonic, on Date.now()'s scale). */
  now?: () => number;
  /** Timer source (inject a fake one in tests). Default: `setTimeout`/`clearTimeout`. */
  setTimer?: SetTimer;
  /** The cost model, or options for a new one. Default: a new {@link CostModel} with its defaults. */
  costModel?: CostModel | CostModelOptions;
  /**
   * After a batch, the longest time (ms) to wait for the clients it answered to send their next requests
   * before forming the next batch (see docs/batching.md); 0 turns gathering off. Default 1.
   */
  gatherMs?: number;
  /**
   * How long (ms) a request with a lazy {@link SubmitOptions.cancellation} waits before the batcher fetches
   * its signal and starts watching it. Requests answered sooner never create one. Default 10.
   */
  watchAfterMs?: number;
  /** Called after each batch finishes. */
  onBatch?: (info: BatchInfo) => void;
  /** Called for each request refused at admission. */
  onShed?: (reason: ShedReason) => void;
  /** Called for each request whose deadline passed. */
  onTimeout?: (stage: TimeoutStage) => void;
}

/** Per-request options for {@link Batcher.submit}. */
export interface SubmitOptions {
  /** Absolute deadline in ms on the batcher's clock (`batcher.now() + timeoutMs`). Default: none. */
  deadline?: number;
  /** The configured deadline (`timeoutMs`) in ms, only for messages. Default: the deadline minus the submit time. */
  timeoutMs?: number;
  /** Aborts the request (client gone): a queued item leaves the queue, a running one is answered at once. */
  signal?: AbortSignal;
  /**
   * Like `signal`, fetched only once the request has waited {@link BatcherOptions.watchAfterMs}: for signals
   * that are costly to create (a served `Request`'s `signal` registers a cancellation watch with the HTTP
   * server, which costs more than a tiny model's inference). A client that leaves earlier still gets its
   * item computed; its answer is dropped.
   */
  cancellation?: () => AbortSignal;
}

/** A point-in-time view of a batcher. */
export interface BatcherStats {
  /** Requests waiting in the queue. */
  queueDepth: number;
  /** Batches running now. */
  inFlightBatches: number;
  /** Items in the batches running now. */
  inFlightItems: number;
  /** Requests refused at admission since start. */
  shed: number;
  /** Requests whose deadline passed since start (queued or during inference). */
  timedOut: number;
  /** Batches run since start. */
  batches: number;
  /** The cost model's figures. */
  costModel: CostSnapshot;
}

/** The effective settings of a batcher, for logs and `/metadata`. */
export interface BatcherConfig {
  /** See {@link BatcherOptions.maxBatchSize}. */
  maxBatchSize: number;
  /** See {@link BatcherOptions.maxLatencyMs}. */
  maxLatencyMs: number;
  /** See {@link BatcherOptions.maxQueue}. */
  maxQueue: number;
  /** See {@link BatcherOptions.concurrency}. */
  concurrency: number;
  /** See {@link BatcherOptions.queuedBatches}. */
  queuedBatches: number;
}

/** Options for {@link Batcher.close}. */
export interface CloseOptions {
  /** True: finish queued and running work first. False: refuse queued items and abort running batches. */
  drain?: boolean;
}
