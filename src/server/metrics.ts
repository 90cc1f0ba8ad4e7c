/**
 * obento's server metric set, on the Prometheus client of `prometheus.ts`: requests, batches, sheds,
 * timeouts, sampled batcher and worker figures, then the process metrics. The metric names and meanings are
 * listed in docs/batching.md ("Metrics").
 *
 * @module
 */
import type { BatcherStats, BatchInfo, ShedReason, TimeoutStage } from "./batcher_types.ts";
import { currentProcess, type ProcessSampler, registerProcessMetrics } from "./process_metrics.ts";
import { type Counter, type Gauge, type Histogram, Registry } from "./prometheus.ts";

/** Batch-size buckets: powers of two up to 1024. */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
/** Anything with batcher stats (a {@link Batcher}). */
export interface StatsSource {
  /** A point-in-time view. */
  stats(): BatcherStats;
}

/** obento's server metrics; every name is documented in docs/batching.md. */
export interface ServerMetrics {
  /** The registry they live in. */
  readonly registry: Registry;
  /** `obento_requests_total{api,status}`. */
  readonly requests: Counter;
  /** `obento_request_duration_seconds{api,status}`. */
  readonly requestDuration: Histogram;
  /** `obento_in_flight_requests{api}`. */
  readonly inFlightRequests: Gauge;
  /** `obento_batch_size{api}`. */
  readonly batchSize: Histogram;
  /** `obento_batch_queue_wait_seconds{api}`. */
  readonly batchQueueWait: Histogram;
  /** `obento_inference_duration_seconds{api}`. */
  readonly inference: Histogram;
  /** `obento_batch_flush_total{api,reason}`. */
  readonly flushes: Counter;
  /** `obento_batch_failures_total{api}`. */
  readonly batchFailures: Counter;
  /** `obento_shed_total{api,reason}`. */
  readonly shed: Counter;
  /** `obento_timeouts_total{api,timer,stage}`. */
  readonly timeouts: Counter;
  /** Sampled from watched batchers: queue depth, batches in flight, cost-model a, b, calibrated. */
  readonly queueDepth: Gauge;
  /** `obento_batches_in_flight{api}` (sampled). */
  readonly batchesInFlight: Gauge;
  /** `obento_cost_model_a_ms{api}` (sampled). */
  readonly costA: Gauge;
  /** `obento_cost_model_b_ms{api}` (sampled). */
  readonly costB: Gauge;
  /** `obento_cost_model_calibrated{api}` (sampled). */
  readonly costCalibrated: Gauge;
  /** A request for `api` started: in-flight + 1. */
  requestStarted(api: string): void;
  /** A request for `api` finished with `status` after `seconds`: in-flight − 1, count and duration. */
  requestFinished(api: string, status: number, seconds: number): void;
  /** A batch finished (pass the batcher's `onBatch` info). */
  observeBatch(api: string, info: BatchInfo): void;
  /** A request was shed (the batcher's `onShed` reason). */
  observeShed(api: string, reason: ShedReason): void;
  /** A deadline fired at `stage` (the batcher's `onTimeout` stage, or a `DeadlineError`'s). */
  observeTimeout(api: string, stage: TimeoutStage): void;
  /** Samples `source.stats()` into the gauges at every render; returns a function that stops it. */
  watchBatcher(api: string, source: StatsSource): () => void;
  /** `obento_worker_restarts_total{cause}`: a model worker was replaced. */
  readonly workerRestarts: Counter;
  /** `obento_workers_ready`: model workers loaded and answering (sampled from `watchWorkers`). */
  readonly workersReady: Gauge;
  /** Counts one replaced model worker. */
  observeRestart(cause: string): void;
  /** Samples the number of ready workers at every render. */
  watchWorkers(ready: () => number): void;
  /** `obento_body_bytes_reserved` and `obento_body_budget_bytes`: bytes of request bodies held, and the limit. */
  readonly bodyBytes: Gauge;
  /** Samples a body budget (src/server/body_budget.ts) into {@link ServerMetrics.bodyBytes} at every render. */
  watchBodyBudget(budget: { readonly reserved: number; readonly limit: number }): void;
  /** The whole registry as text exposition format 0.0.4. */
  render(): string;
}

/**
 * Defines obento's server metrics in `registry`, followed by the process metrics read from `process`
 * (src/server/process_metrics.ts; `undefined` leaves them out).
 *
 * @example
 * ```ts
 * import { Batcher } from "./batcher.ts";
 * import { createServerMetrics } from "./metrics.ts";
 * const metrics = createServerMetrics();
 * const batcher = new Batcher<number, number>({
 *   run: (xs) => Promise.resolve(xs),
 *   onBatch: (info) => metrics.observeBatch("predict", info),
 *   onShed: (reason) => metrics.observeShed("predict", reason),
 *   onTimeout: (stage) => metrics.observeTimeout("predict", stage),
 * });
 * metrics.watchBatcher("predict", batcher);
 * await batcher.submit(1);
 * console.log(metrics.render().includes('obento_batch_size_count{api="predict"} 1')); // true
 * ```
 */
export function createServerMetrics(
  registry: Registry = new Registry(),
  process: ProcessSampler | undefined = currentProcess(),
): ServerMetrics {
  const sources = new Map<string, StatsSource>();
  const sampled = (name: string, help: string, pick: (s: BatcherStats) => number): Gauge =>
    registry.gauge({
      name,
      help,
      labelNames: ["api"],
      collect: (g) => {
        g.reset();
        for (const [api, source] of sources) g.set({ api }, pick(source.stats()));
      },
    });
  // Per-API metrics: the `api` label first, then the ones named.
  const counter = (name: string, labels: readonly string[], help: string): Counter =>
    registry.counter({ name, help, labelNames: ["api", ...labels] });
  const histogram = (name: string, labels: readonly string[], help: string, buckets?: readonly number[]) =>
    registry.histogram({ name, help, labelNames: ["api", ...labels], buckets });
  const requests = counter("obento_requests_total", ["status"], "Requests answered, by API and HTTP status.");
  const requestDuration = histogram(
    "obento_request_duration_seconds",
    ["status"],
    "Time from arrival to response, by API and HTTP status.",
  );
  const inFlightRequests = registry.gauge({
    name: "obento_in_flight_requests",
    help: "Requests received and not yet answered.",
    labelNames: ["api"],
  });
  const batchSize = histogram(
    "obento_batch_size",
    [],
    "Items per batch run by the model.",
    BATCH_SIZE_BUCKETS,
  );
  const batchQueueWait = histogram(
    "obento_batch_queue_wait_seconds",
    [],
    "Queue wait of the oldest item of each batch (bounded by --mb-max-latency when workers are free).",
  );
  const inference = histogram(
    "obento_inference_duration_seconds",
    [],
    "Time the model took per batch (decode, run, encode).",
  );
  const flushes = counter(
    "obento_batch_flush_total",
    ["reason"],
    "Batches dispatched, by why they left the queue (full, budget, deadline, no_gain, drain).",
  );
  const batchFailures = counter(
    "obento_batch_failures_total",
    [],
    "Batches that failed as a whole (run rejected or returned the wrong number of results).",
  );
  const shed = counter(
    "obento_shed_total",
    ["reason"],
    "Requests refused with 503 at admission (queue_full, over_budget, deadline, closing, body_budget).",
  );
  const timeouts = counter(
    "obento_timeouts_total",
    ["timer", "stage"],
    "Requests answered 504 because a timer fired, by timer and where the request was.",
  );
  const queueDepth = sampled(
    "obento_queue_depth",
    "Requests waiting in the batch queue.",
    (s) => s.queueDepth,
  );
  const batchesInFlight = sampled(
    "obento_batches_in_flight",
    "Batches running now or queued inside a model worker (at most twice the number of workers).",
    (s) => s.inFlightBatches,
  );
  const costA = sampled(
    "obento_cost_model_a_ms",
    "Learned marginal cost per item of a batch, ms (T(n) = a*n + b).",
    (s) => s.costModel.a,
  );
  const costB = sampled(
    "obento_cost_model_b_ms",
    "Learned fixed cost per batch, ms (T(n) = a*n + b).",
    (s) => s.costModel.b,
  );
  const costCalibrated = sampled(
    "obento_cost_model_calibrated",
    "1 once the cost model is calibrated (holding and predictive shedding enabled), else 0.",
    (s) => (s.costModel.calibrated ? 1 : 0),
  );
  const workerRestarts = registry.counter({
    name: "obento_worker_restarts_total",
    help: "Model workers replaced, by cause (crash, exit, timeout, unresponsive, memory).",
    labelNames: ["cause"],
  });
  let readyWorkers: (() => number) | undefined;
  const workersReady = registry.gauge({
    name: "obento_workers_ready",
    help: "Model workers loaded and answering (0 while loading, or while every worker is being replaced).",
    collect: (g) => {
      if (readyWorkers !== undefined) g.set({}, readyWorkers());
    },
  });
  let bodyBudget: { readonly reserved: number; readonly limit: number } | undefined;
  const bodyBytes = registry.gauge({
    name: "obento_body_bytes_reserved",
    help: "Bytes of request bodies held now (being read, queued or in inference), counted against " +
      "--max-body-total.",
    collect: (g) => {
      if (bodyBudget !== undefined) g.set({}, bodyBudget.reserved);
    },
  });
  registry.gauge({
    name: "obento_body_budget_bytes",
    help: "The budget for request bodies held at once (--max-body-total); past it requests get 503.",
    collect: (g) => {
      if (bodyBudget !== undefined && bodyBudget.limit < Number.MAX_SAFE_INTEGER) g.set({}, bodyBudget.limit);
    },
  });
  if (process !== undefined) registerProcessMetrics(registry, process);

  return {
    registry,
    requests,
    requestDuration,
    inFlightRequests,
    batchSize,
    batchQueueWait,
    inference,
    flushes,
    batchFailures,
    shed,
    timeouts,
    queueDepth,
    batchesInFlight,
    costA,
    costB,
    costCalibrated,
    requestStarted(api) {
      inFlightRequests.inc({ api });
    },
    requestFinished(api, status, seconds) {
      inFlightRequests.dec({ api });
      requests.inc({ api, status });
      requestDuration.observe({ api, status }, seconds);
    },
    observeBatch(api, info) {
      batchSize.observe({ api }, info.size);
      batchQueueWait.observe({ api }, info.queueWaitMs / 1000);
      inference.observe({ api }, info.runMs / 1000);
      flushes.inc({ api, reason: info.reason });
      if (!info.ok) batchFailures.inc({ api });
    },
    observeShed(api, reason) {
      shed.inc({ api, reason });
    },
    observeTimeout(api, stage) {
      timeouts.inc({ api, timer: "timeout", stage });
    },
    watchBatcher(api, source) {
      sources.set(api, source);
      return () => {
        if (sources.get(api) === source) sources.delete(api);
      };
    },
    workerRestarts,
    workersReady,
    observeRestart(cause) {
      workerRestarts.inc({ cause });
    },
    watchWorkers(ready) {
      readyWorkers = ready;
    },
    bodyBytes,
    watchBodyBudget(budget) {
      bodyBudget = budget;
    },
    render: () => registry.render(),
  };
}
