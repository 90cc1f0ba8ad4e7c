/**
 * A tiny Prometheus registry (text exposition format 0.0.4) and obento's server metric set. Counters,
 * gauges and histograms carry label names fixed at creation; gauges may be sampled at render time. The
 * metric names and meanings are listed in docs/batching.md ("Metrics").
 *
 * @module
 */
import type { BatcherStats, BatchInfo, ShedReason } from "./batcher.ts";
import { currentProcess, type ProcessSampler, registerProcessMetrics } from "./process_metrics.ts";

/** Label values by label name. */
export type Labels = Readonly<Record<string, string | number>>;

/** What every metric has. */
export interface MetricOptions {
  /** Metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  name: string;
  /** One line saying what it measures (HELP). */
  help: string;
  /** Label names, `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`. Default: none. */
  labelNames?: readonly string[];
}

/** Options for {@link Counter}. */
export interface CounterOptions extends MetricOptions {
  /**
   * Called at every render before the counter is written; it may `inc` it up to a total read elsewhere
   * (a process's CPU seconds).
   */
  collect?: (counter: Counter) => void;
}

/** Options for {@link Gauge}. */
export interface GaugeOptions extends MetricOptions {
  /** Called at every render before the gauge is written; it may `set` values (sampled gauges). */
  collect?: (gauge: Gauge) => void;
}

/** Options for {@link Histogram}. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds of the buckets, increasing; `+Inf` is added. Default {@link DEFAULT_SECONDS_BUCKETS}. */
  buckets?: readonly number[];
}

/** Default histogram buckets for durations in seconds, 1 ms to 60 s. */
export const DEFAULT_SECONDS_BUCKETS: readonly number[] = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
];

/** Batch-size buckets: powers of two up to 1024. */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Formats a sample value the way Prometheus parses it. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function labelText(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return "";
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

/**
 * The common part of the three metric kinds: name, help, label checking and one child (value holder) per
 * label set. Use {@link Counter}, {@link Gauge} or {@link Histogram}.
 *
 * @example
 * ```ts
 * import { Counter, type Metric } from "./metrics.ts";
 * const m: Metric<{ v: number }> = new Counter({ name: "x_total", help: "X." });
 * console.log(m.type); // counter
 * ```
 */
export abstract class Metric<C> {
  /** Metric name. */
  readonly name: string;
  /** HELP text. */
  readonly help: string;
  /** Label names, in order. */
  readonly labelNames: readonly string[];
  /** Children by label key. */
  protected readonly children = new Map<string, { values: string[]; child: C }>();

  /** Checks the name and label names; `reserved` label names are refused. */
  constructor(options: MetricOptions, reserved: readonly string[] = []) {
    if (!METRIC_NAME.test(options.name)) throw new RangeError(`bad metric name "${options.name}"`);
    const labelNames = options.labelNames ?? [];
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith("__") || reserved.includes(l)) {
        throw new RangeError(`bad label name "${l}" for metric ${options.name}`);
      }
    }
    if (new Set(labelNames).size !== labelNames.length) {
      throw new RangeError(`duplicate label names for metric ${options.name}`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = [...labelNames];
  }

  /** The Prometheus type word. */
  abstract readonly type: string;
  /** Makes an empty child. */
  protected abstract fresh(): C;
  /** Writes the sample lines of one child. */
  protected abstract lines(pairs: readonly (readonly [string, string])[], child: C): string[];

  /** The child for `labels`, created on first use; throws on missing or unknown labels. */
  protected child(labels: Labels): C {
    // Hot path (several calls per request): a key from the label values, no intermediate arrays.
    const names = this.labelNames;
    let key = "";
    let given = 0;
    for (const _ in labels) given++;
    let ok = given === names.length;
    for (let i = 0; ok && i < names.length; i++) {
      const value = labels[names[i]];
      if (value === undefined) ok = false;
      else key += i === 0 ? String(value) : "\u0000" + String(value);
    }
    if (!ok) {
      throw new RangeError(
        `metric ${this.name} takes labels [${names.join(", ")}], got [${Object.keys(labels).join(", ")}]`,
      );
    }
    let entry = this.children.get(key);
    if (!entry) {
      entry = { values: names.map((l) => String(labels[l])), child: this.fresh() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  /** Drops every child (all label sets). */
  reset(): void {
    this.children.clear();
  }

  /**
   * The HELP, TYPE and sample lines. A metric without labels shows its zero value before any use.
   * `constLabels` (a {@link Registry}'s) come first on every sample.
   */
  render(constLabels: readonly (readonly [string, string])[] = []): string {
    if (this.labelNames.length === 0 && this.children.size === 0) this.child({});
    const out = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { values, child } of this.children.values()) {
      const pairs = [...constLabels, ...this.labelNames.map((l, i) => [l, values[i]] as const)];
      out.push(...this.lines(pairs, child));
    }
    return out.join("\n") + "\n";
  }
}

/**
 * A value that only goes up (requests, sheds, timeouts).
 *
 * @example
 * ```ts
 * import { Counter } from "./metrics.ts";
 * const c = new Counter({ name: "obento_requests_total", help: "Requests.", labelNames: ["api", "status"] });
 * c.inc({ api: "predict", status: 200 });
 * console.log(c.get({ api: "predict", status: 200 })); // 1
 * ```
 */
export class Counter extends Metric<{ v: number }> {
  /** Prometheus type. */
  readonly type = "counter";
  readonly #collect?: (counter: Counter) => void;

  /** Makes a counter. */
  constructor(options: CounterOptions) {
    super(options);
    this.#collect = options.collect;
  }

  /** Samples (if the counter has `collect`), then renders. */
  override render(constLabels: readonly (readonly [string, string])[] = []): string {
    this.#collect?.(this);
    return super.render(constLabels);
  }

  /** Adds `by` (default 1, must be ≥ 0). */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new RangeError(`counter ${this.name} can only go up, got ${by}`);
    this.child(labels).v += by;
  }

  /** The current value for `labels` (0 if never set). */
  get(labels: Labels = {}): number {
    return this.child(labels).v;
  }

  /** @internal */
  protected fresh(): { v: number } {
    return { v: 0 };
  }

  /** @internal */
  protected lines(pairs: readonly (readonly [string, string])[], child: { v: number }): string[] {
    return [`${this.name}${labelText(pairs)} ${formatValue(child.v)}`];
  }
}

/**
 * A value that goes up and down (queue depth, in-flight requests, cost-model figures). With `collect`, it
 * is sampled at render time.
 *
 * @example
 * ```ts
 * import { Gauge } from "./metrics.ts";
 * let depth = 3;
 * const g = new Gauge({ name: "obento_queue_depth", help: "Queued.", collect: (g) => g.set({}, depth) });
 * console.log(g.render().split("\n")[2]); // obento_queue_depth 3
 * ```
 */
export class Gauge extends Metric<{ v: number }> {
  /** Prometheus type. */
  readonly type = "gauge";
  readonly #collect?: (gauge: Gauge) => void;

  /** Makes a gauge. */
  constructor(options: GaugeOptions) {
    super(options);
    this.#collect = options.collect;
  }

  /** Sets the value. */
  set(labels: Labels, value: number): void {
    this.child(labels).v = value;
  }

  /** Adds `by` (default 1; may be negative). */
  inc(labels: Labels = {}, by = 1): void {
    this.child(labels).v += by;
  }

  /** Subtracts `by` (default 1). */
  dec(labels: Labels = {}, by = 1): void {
    this.child(labels).v -= by;
  }

  /** The current value for `labels` (0 if never set). */
  get(labels: Labels = {}): number {
    return this.child(labels).v;
  }

  /** Samples (if the gauge has `collect`), then renders. */
  override render(constLabels: readonly (readonly [string, string])[] = []): string {
    this.#collect?.(this);
    return super.render(constLabels);
  }

  /** @internal */
  protected fresh(): { v: number } {
    return { v: 0 };
  }

  /** @internal */
  protected lines(pairs: readonly (readonly [string, string])[], child: { v: number }): string[] {
    return [`${this.name}${labelText(pairs)} ${formatValue(child.v)}`];
  }
}

/** One histogram series: cumulative per-bucket counts, sum and count. */
export interface HistogramChild {
  /** Observations ≤ each bucket's bound. */
  counts: number[];
  /** Sum of observations. */
  sum: number;
  /** Number of observations. */
  count: number;
}

/**
 * Observations counted into cumulative buckets, with their sum and count (durations, batch sizes).
 *
 * @example
 * ```ts
 * import { Histogram } from "./metrics.ts";
 * const h = new Histogram({ name: "obento_batch_size", help: "Items per batch.", buckets: [1, 8, 64] });
 * h.observe({}, 5);
 * console.log(h.render().includes('obento_batch_size_bucket{le="8"} 1')); // true
 * ```
 */
export class Histogram extends Metric<HistogramChild> {
  /** Prometheus type. */
  readonly type = "histogram";
  /** Bucket upper bounds, without `+Inf`. */
  readonly buckets: readonly number[];

  /** Makes a histogram; the label name `le` is reserved. */
  constructor(options: HistogramOptions) {
    super(options, ["le"]);
    const buckets = [...(options.buckets ?? DEFAULT_SECONDS_BUCKETS)].filter((b) => b !== Infinity);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i] > buckets[i - 1])) throw new RangeError(`buckets of ${this.name} must increase`);
    }
    this.buckets = buckets;
  }

  /** Records one observation. */
  observe(labels: Labels, value: number): void {
    const child = this.child(labels);
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) child.counts[i]++;
    child.sum += value;
    child.count++;
  }

  /** Count and sum for `labels`. */
  get(labels: Labels = {}): { count: number; sum: number } {
    const child = this.child(labels);
    return { count: child.count, sum: child.sum };
  }

  /** @internal */
  protected fresh(): HistogramChild {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  /** @internal */
  protected lines(pairs: readonly (readonly [string, string])[], child: HistogramChild): string[] {
    const out = this.buckets.map((b, i) =>
      `${this.name}_bucket${labelText([...pairs, ["le", formatValue(b)]])} ${child.counts[i]}`
    );
    out.push(`${this.name}_bucket${labelText([...pairs, ["le", "+Inf"]])} ${child.count}`);
    out.push(`${this.name}_sum${labelText(pairs)} ${formatValue(child.sum)}`);
    out.push(`${this.name}_count${labelText(pairs)} ${child.count}`);
    return out;
  }
}

/** Options for {@link Registry}. */
export interface RegistryOptions {
  /** Labels written on every sample, e.g. `{ service: "IrisClassifier", service_version: "1.0.0" }`. */
  constLabels?: Readonly<Record<string, string>>;
}

/** Anything the registry can render. */
export type AnyMetric = Counter | Gauge | Histogram;

/**
 * A set of metrics rendered together as one exposition.
 *
 * @example
 * ```ts
 * import { Registry } from "./metrics.ts";
 * const registry = new Registry();
 * const shed = registry.counter({ name: "obento_shed_total", help: "Shed.", labelNames: ["api", "reason"] });
 * shed.inc({ api: "predict", reason: "queue_full" });
 * console.log(registry.render());
 * ```
 */
export class Registry {
  readonly #metrics = new Map<string, AnyMetric>();
  readonly #constLabels: readonly (readonly [string, string])[];

  /**
   * Makes an empty registry. `options.constLabels` (e.g. the served bundle's name and version) are written
   * first on every sample of every metric; no metric may use one of their names as a label of its own.
   */
  constructor(options: RegistryOptions = {}) {
    const pairs = Object.entries(options.constLabels ?? {});
    for (const [l] of pairs) {
      if (!LABEL_NAME.test(l) || l.startsWith("__") || l === "le") {
        throw new RangeError(`bad constant label name "${l}"`);
      }
    }
    this.#constLabels = pairs;
  }

  /** Adds a metric; names must be unique, and its label names must differ from the constant labels'. */
  register<M extends AnyMetric>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new RangeError(`metric ${metric.name} is already registered`);
    const clash = metric.labelNames.find((l) => this.#constLabels.some(([c]) => c === l));
    if (clash !== undefined) {
      throw new RangeError(
        `metric ${metric.name}'s label "${clash}" is one of the registry's constant labels`,
      );
    }
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /** Makes and registers a counter. */
  counter(options: CounterOptions): Counter {
    return this.register(new Counter(options));
  }

  /** Makes and registers a gauge. */
  gauge(options: GaugeOptions): Gauge {
    return this.register(new Gauge(options));
  }

  /** Makes and registers a histogram. */
  histogram(options: HistogramOptions): Histogram {
    return this.register(new Histogram(options));
  }

  /** The registered metric called `name`, if any. */
  get(name: string): AnyMetric | undefined {
    return this.#metrics.get(name);
  }

  /** Text exposition format 0.0.4 of every metric, in registration order. */
  render(): string {
    return [...this.#metrics.values()].map((m) => m.render(this.#constLabels)).join("");
  }
}

/** Anything with batcher stats (a {@link Batcher}). */
export interface StatsSource {
  /** A point-in-time view. */
  stats(): BatcherStats;
}

/** Classifies a timeout for `obento_timeouts_total`: a {@link DeadlineError}'s stage, or from the message. */
function timeoutStage(cause: unknown): string {
  if (typeof cause === "object" && cause !== null && "stage" in cause && typeof cause.stage === "string") {
    return cause.stage;
  }
  const text = typeof cause === "string" ? cause : cause instanceof Error ? cause.message : "";
  if (text.includes("while queued") || text.includes("before")) return "queued";
  if (text.includes("during inference")) return "inference";
  return "other";
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
  /** A deadline fired: pass a stage ("queued" | "inference"), a DeadlineError, or its message. */
  observeTimeout(api: string, cause: unknown): void;
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
  const requests = registry.counter({
    name: "obento_requests_total",
    help: "Requests answered, by API and HTTP status.",
    labelNames: ["api", "status"],
  });
  const requestDuration = registry.histogram({
    name: "obento_request_duration_seconds",
    help: "Time from arrival to response, by API and HTTP status.",
    labelNames: ["api", "status"],
  });
  const inFlightRequests = registry.gauge({
    name: "obento_in_flight_requests",
    help: "Requests received and not yet answered.",
    labelNames: ["api"],
  });
  const batchSize = registry.histogram({
    name: "obento_batch_size",
    help: "Items per batch run by the model.",
    labelNames: ["api"],
    buckets: BATCH_SIZE_BUCKETS,
  });
  const batchQueueWait = registry.histogram({
    name: "obento_batch_queue_wait_seconds",
    help: "Queue wait of the oldest item of each batch (bounded by --mb-max-latency when workers are free).",
    labelNames: ["api"],
  });
  const inference = registry.histogram({
    name: "obento_inference_duration_seconds",
    help: "Time the model took per batch (decode, run, encode).",
    labelNames: ["api"],
  });
  const flushes = registry.counter({
    name: "obento_batch_flush_total",
    help: "Batches dispatched, by why they left the queue (full, budget, deadline, no_gain, drain).",
    labelNames: ["api", "reason"],
  });
  const batchFailures = registry.counter({
    name: "obento_batch_failures_total",
    help: "Batches that failed as a whole (run rejected or returned the wrong number of results).",
    labelNames: ["api"],
  });
  const shed = registry.counter({
    name: "obento_shed_total",
    help: "Requests refused with 503 at admission (queue_full, over_budget, deadline, closing, body_budget).",
    labelNames: ["api", "reason"],
  });
  const timeouts = registry.counter({
    name: "obento_timeouts_total",
    help: "Requests answered 504 because a timer fired, by timer and where the request was.",
    labelNames: ["api", "timer", "stage"],
  });
  const queueDepth = sampled(
    "obento_queue_depth",
    "Requests waiting in the batch queue.",
    (s) => s.queueDepth,
  );
  const batchesInFlight = sampled(
    "obento_batches_in_flight",
    "Batches running now (at most the number of workers).",
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
    observeTimeout(api, cause) {
      const stage = cause === "queued" || cause === "inference" ? cause : timeoutStage(cause);
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
