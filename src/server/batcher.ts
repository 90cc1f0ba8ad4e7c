/**
 * The adaptive micro-batcher: one per API. Requests queue in FIFO order and leave in batches when a model
 * worker is free. A learned cost model T(n) = a·n + b decides whether holding a batch open for one more
 * arrival lowers the total latency, and whether a new request can still meet its budgets; requests that
 * cannot are shed at admission (503 + Retry-After) instead of timing out later. Plain data and AbortSignal
 * only: the batcher knows nothing of HTTP. The algorithm and its formulas are in docs/batching.md.
 *
 * @module
 */
import { type OptionNamer, sdkOptionName } from "../option_name.ts";
import { SERVE_DEFAULTS } from "../defaults.ts";
import { setImmediate } from "node:timers";
import { messageOf, ObentoError } from "../errors.ts";
import { DeadlineError, ShedError } from "./batcher_errors.ts";
import type {
  BatcherConfig,
  BatcherOptions,
  BatcherStats,
  BatchInfo,
  CloseOptions,
  FlushReason,
  Refusal,
  ShedReason,
  SubmitOptions,
  TimeoutStage,
} from "./batcher_types.ts";
import { CancelWatches } from "./cancel_watch.ts";
import { CostModel } from "./cost_model.ts";
import { DeadlineSweep } from "./deadline_sweep.ts";
import { DemandWindow } from "./demand_window.ts";
import { defaultSetTimer, type SetTimer } from "./set_timer.ts";

type State = "queued" | "running" | "done";

interface Entry<T, R> {
  /** The item; dropped once settled, so settled entries the queue array still holds keep no large body alive. */
  value: T | undefined;
  enqueuedAt: number;
  deadline: number;
  timeoutMs: number;
  state: State;
  batch?: Batch<T, R>;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** The lazy cancellation signal, until it is fetched. */
  watch?: () => AbortSignal;
}

interface Batch<T, R> {
  entries: Entry<T, R>[];
  /** When it was dispatched, or (for one that waited inside a busy worker) when a worker took it. */
  startedAt: number;
  /** Dispatched while every worker was busy: it waits inside one until a running batch ends. */
  waiting: boolean;
  pending: number;
  controller: AbortController;
}

/** Exponential weight of the newest inter-arrival gap. */
const GAP_WEIGHT = 0.2;
/** Holds shorter than this (ms) are not worth a timer. */
const MIN_HOLD_MS = 0.01;

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ObentoError("BAD_ARGUMENT", `${name} must be a whole number ≥ 1, got ${value}`, {
      option: name,
    });
  }
  return value;
}

function wholeNumber(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new ObentoError("BAD_ARGUMENT", `${name} must be a whole number ≥ 0, got ${value}`, {
      option: name,
    });
  }
  return value;
}

/**
 * FIFO adaptive micro-batcher with a learned cost model, admission control and per-request deadlines.
 *
 * @example
 * ```ts
 * import { Batcher } from "./batcher.ts";
 * const batcher = new Batcher<number, number>({
 *   run: (xs) => Promise.resolve(xs.map((x) => x * 2)),
 *   maxBatchSize: 32,
 *   maxLatencyMs: 20,
 * });
 * const deadline = batcher.now() + 1000; // --timeout 1000
 * console.log(await Promise.all([1, 2, 3].map((x) => batcher.submit(x, { deadline })))); // [2, 4, 6]
 * await batcher.close({ drain: true });
 * ```
 */
export class Batcher<T, R> {
  /** The effective settings. */
  readonly config: Readonly<BatcherConfig>;
  readonly #run: (items: T[], signal: AbortSignal) => Promise<R[]>;
  readonly #name: string;
  readonly #option: OptionNamer;
  readonly #now: () => number;
  readonly #setTimer: SetTimer;
  readonly #cost: CostModel;
  /** Refused and served requests of the last second, for `Retry-After` under sustained overload. */
  readonly #demand = new DemandWindow();
  readonly #onBatch?: (info: BatchInfo) => void;
  readonly #onShed?: (reason: ShedReason) => void;
  readonly #onTimeout?: (stage: TimeoutStage) => void;

  #queue: Entry<T, R>[] = [];
  #head = 0;
  #queued = 0;
  readonly #running = new Set<Batch<T, R>>();
  #inFlightItems = 0;
  #shed = 0;
  #timedOut = 0;
  #batches = 0;
  #lastArrival: number | undefined;
  #gap: number | undefined;
  #cancelWake: (() => void) | undefined;
  #pumping = false;
  /** Live requests with a finite deadline, watched by one sweep timer. */
  readonly #sweep: DeadlineSweep<Entry<T, R>>;
  /** Live requests' cancellation signals. */
  readonly #watches: CancelWatches<Entry<T, R>>;
  readonly #gatherMs: number;
  /** A gather window is open ({@link #gather}): dispatch waits for the answered clients to come back. */
  #gathering = false;
  /** Items the last batch answered, whose clients {@link #gather} waits for. */
  #returning = 0;
  #finishedAt = 0;
  #cancelGather: (() => void) | undefined;
  #gatherCheck = false;
  #repump = false;
  #closing = false;
  #idle: (() => void)[] = [];

  /** Makes a batcher; see {@link BatcherOptions} for the defaults. */
  constructor(options: BatcherOptions<T, R>) {
    const maxBatchSize = positiveInt(options.maxBatchSize ?? SERVE_DEFAULTS.maxBatchSize, "maxBatchSize");
    const maxLatencyMs = options.maxLatencyMs ?? SERVE_DEFAULTS.maxLatencyMs;
    if (!(maxLatencyMs >= 0) || !Number.isFinite(maxLatencyMs)) {
      throw new ObentoError("BAD_ARGUMENT", `maxLatencyMs must be ≥ 0 ms, got ${maxLatencyMs}`, {
        option: "maxLatencyMs",
      });
    }
    this.config = Object.freeze({
      maxBatchSize,
      maxLatencyMs,
      maxQueue: positiveInt(options.maxQueue ?? SERVE_DEFAULTS.maxQueue, "maxQueue"),
      concurrency: positiveInt(options.concurrency ?? 1, "concurrency"),
      queuedBatches: wholeNumber(options.queuedBatches ?? 0, "queuedBatches"),
    });
    this.#run = options.run;
    this.#name = options.name ?? "batch";
    this.#option = options.optionName ?? sdkOptionName;
    this.#now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.#setTimer = options.setTimer ?? defaultSetTimer;
    this.#cost = options.costModel instanceof CostModel
      ? options.costModel
      : new CostModel({ minDistinctSizes: maxBatchSize === 1 ? 1 : 2, ...options.costModel });
    const watchAfterMs = options.watchAfterMs ?? 10;
    this.#gatherMs = options.gatherMs ?? 1;
    if (!(this.#gatherMs >= 0) || !Number.isFinite(this.#gatherMs)) {
      throw new ObentoError("BAD_ARGUMENT", `gatherMs must be ≥ 0 ms, got ${this.#gatherMs}`, {
        option: "gatherMs",
      });
    }
    if (!(watchAfterMs >= 0) || !Number.isFinite(watchAfterMs)) {
      throw new ObentoError("BAD_ARGUMENT", `watchAfterMs must be ≥ 0 ms, got ${watchAfterMs}`, {
        option: "watchAfterMs",
      });
    }
    this.#sweep = new DeadlineSweep({
      now: this.#now,
      setTimer: this.#setTimer,
      expire: (e) => this.#expire(e),
    });
    this.#watches = new CancelWatches({
      now: this.#now,
      setTimer: this.#setTimer,
      watchAfterMs,
      abort: (e) => this.#abort(e),
      done: (e) => e.state === "done",
    });
    this.#onBatch = options.onBatch;
    this.#onShed = options.onShed;
    this.#onTimeout = options.onTimeout;
  }

  /** The batcher's clock, in ms; deadlines are absolute times on it. */
  now(): number {
    return this.#now();
  }

  /**
   * Queues one item and resolves with its result.
   *
   * @throws {ShedError} (as a rejection) when the queue is full, the request is predicted to miss its queue
   * budget or deadline, or the batcher is closing
   * @throws {DeadlineError} (as a rejection) when `deadline` passes before the result is ready
   * @throws {ObentoError} (as a rejection) `INTERNAL` when the batch failed or returned the wrong count
   */
  submit(item: T, options: SubmitOptions = {}): Promise<R> {
    const admitted = this.offer(item, options);
    if (admitted instanceof Promise) return admitted;
    return Promise.reject(new ShedError(admitted.reason, admitted.message, admitted.retryAfterSeconds));
  }

  /**
   * {@link Batcher.submit}, except that a refusal at admission (overloaded or closing) is returned as a
   * {@link Refusal} value instead of a rejected {@link ShedError}: the server answers it at once, and a refusal
   * should cost it as little as possible (no stack captured, no rejected promise). Every other failure
   * (deadline, cancellation, the batch) still rejects the returned promise.
   */
  offer(item: T, options: SubmitOptions = {}): Promise<R> | Refusal {
    const now = this.#now();
    const deadline = options.deadline ?? Infinity;
    const timeoutMs = options.timeoutMs ?? deadline - now;
    if (this.#closing) {
      return this.#refuse("closing", `"${this.#name}" is shutting down and accepts no new requests`, 1);
    }
    if (options.signal?.aborted) return Promise.reject(this.#cancelled(options.signal));
    if (deadline <= now) {
      this.#timedOut++;
      this.#onTimeout?.("queued");
      return Promise.reject(
        new DeadlineError(
          "queued",
          `${this.#option("timeoutMs")} (${fmt(timeoutMs)} ms) expired before "${this.#name}" queued it`,
        ),
      );
    }
    if (this.#queued >= this.config.maxQueue) {
      const drain = this.#cost.calibrated ? this.#predict(this.#queued - 1, now).start - now : 0;
      return this.#refuse(
        "queue_full",
        `"${this.#name}" is overloaded: its queue is full (${this.config.maxQueue} requests waiting, ` +
          `${this.#option("maxQueue")}); retry later`,
        drain / 1000,
      );
    }
    if (this.#cost.calibrated) {
      const p = this.#predict(this.#queued, now);
      const retry = (p.start - now) / 1000;
      // Never refused for the budget while it would go out at once into a free slot (a worker, or the queue
      // inside one): it then waits at most for the batch running there, and a worker kept fed is what holds
      // the goodput under overload when the server's thread answers late (docs/batching.md, admission, 4).
      if (p.start - p.firstFree > this.config.maxLatencyMs && !this.#slotFree()) {
        return this.#refuse(
          "over_budget",
          `"${this.#name}" is overloaded: this request would wait about ${fmt(p.start - now)} ms, over the ` +
            `${this.#option("maxLatencyMs")} budget of ${
              fmt(this.config.maxLatencyMs)
            } ms beyond the batches already running; ` +
            `retry later`,
          retry,
        );
      }
      if (p.finish > deadline) {
        return this.#refuse(
          "deadline",
          `"${this.#name}" is overloaded: this request would finish in about ${
            fmt(p.finish - now)
          } ms, after ` +
            `its ${this.#option("timeoutMs")} deadline (${fmt(deadline - now)} ms left); retry later`,
          retry,
        );
      }
    }
    return new Promise<R>((resolve, reject) => {
      const entry: Entry<T, R> = {
        value: item,
        enqueuedAt: now,
        deadline,
        timeoutMs,
        state: "queued",
        resolve,
        reject,
      };
      this.#sweep.add(entry, now);
      if (options.signal) this.#watches.watch(entry, options.signal);
      else if (options.cancellation) this.#watches.watchLater(entry, options.cancellation);
      this.#queue.push(entry);
      this.#queued++;
      this.#arrived(now);
      this.#pump();
    });
  }

  /** A point-in-time view: queue depth, batches in flight, counters and the cost model's figures. */
  stats(): BatcherStats {
    return {
      queueDepth: this.#queued,
      inFlightBatches: this.#running.size,
      inFlightItems: this.#inFlightItems,
      shed: this.#shed,
      timedOut: this.#timedOut,
      batches: this.#batches,
      costModel: this.#cost.snapshot(),
    };
  }

  /**
   * Stops accepting requests (new ones are shed with reason "closing"). With `drain: true` (the default),
   * queued items go out at once and the promise resolves when everything has finished; with `drain: false`,
   * queued items are refused, running batches are aborted and their items refused.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing = true;
    if (options.drain === false) {
      const gone = () =>
        new ShedError("closing", `"${this.#name}" shut down before this request finished`, 1);
      for (let i = this.#head; i < this.#queue.length; i++) {
        const e = this.#queue[i];
        if (e.state === "queued") this.#settle(e, gone());
      }
      this.#queued = 0;
      for (const batch of this.#running) {
        for (const e of batch.entries) if (e.state === "running") this.#settle(e, gone());
        batch.controller.abort(gone());
      }
    }
    this.#pump();
    if (this.#queued === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  // ---- admission ---------------------------------------------------------------------------------

  #refuse(reason: ShedReason, message: string, retryAfterSeconds: number): Refusal {
    this.#shed++;
    this.#onShed?.(reason);
    let retry = retryAfterSeconds;
    if (reason !== "closing") {
      // Under sustained overload, the refused demand of the last second at the rate the server served in it
      // (docs/batching.md, "Retry-After"): more than the queue's own drain time, which is mostly under 1 s.
      const now = this.#now();
      this.#demand.refused(now);
      if (this.#cost.calibrated) retry = Math.max(retry, this.#demand.retryAfterSeconds(now));
    }
    return { reason, message, retryAfterSeconds: Math.max(1, Math.ceil(retry)) };
  }

  #cancelled(signal: AbortSignal): ObentoError {
    const reason = signal.reason;
    if (reason instanceof DOMException && reason.name === "TimeoutError") {
      return new ObentoError(
        "TIMEOUT",
        `the caller's signal timed out while "${this.#name}" held the request`,
        {
          cause: reason,
        },
      );
    }
    return new ObentoError(
      "UNAVAILABLE",
      `request to "${this.#name}" cancelled by the caller (client gone?)`,
      {
        cause: reason,
        status: 499,
      },
    );
  }

  /**
   * Predicts when the item at queue position `position` (0 = head) would start and finish: the queue is cut
   * into batches of `maxBatchSize`, each given to the earliest-free worker. Optimistic (full batches, no
   * holding), so a request is shed only when even this estimate misses.
   */
  #predict(position: number, now: number): { start: number; finish: number; firstFree: number } {
    const free: number[] = [];
    const waiting: Batch<T, R>[] = [];
    for (const batch of this.#running) {
      if (batch.waiting) waiting.push(batch);
      else free.push(Math.max(now, batch.startedAt + this.#cost.predict(batch.entries.length)));
    }
    while (free.length < this.config.concurrency) free.push(now);
    const firstFree = Math.min(...free);
    // Batches waiting inside busy workers start as those free up, before anything still queued here.
    for (const batch of waiting) {
      let k = 0;
      for (let w = 1; w < free.length; w++) if (free[w] < free[k]) k = w;
      free[k] = Math.max(now, free[k]) + this.#cost.predict(batch.entries.length);
    }
    const size = this.config.maxBatchSize;
    const chunk = Math.floor(position / size);
    let start = now;
    let finish = now;
    for (let j = 0; j <= chunk; j++) {
      let k = 0;
      for (let w = 1; w < free.length; w++) if (free[w] < free[k]) k = w;
      const n = j < chunk ? size : (position % size) + 1;
      start = free[k];
      finish = start + this.#cost.predict(n);
      free[k] = finish;
    }
    return { start, finish, firstFree };
  }

  #arrived(now: number): void {
    if (this.#lastArrival !== undefined) {
      const gap = Math.min(now - this.#lastArrival, Math.max(this.config.maxLatencyMs, MIN_HOLD_MS));
      this.#gap = this.#gap === undefined ? gap : (1 - GAP_WEIGHT) * this.#gap + GAP_WEIGHT * gap;
    }
    this.#lastArrival = now;
  }

  // ---- queue ---------------------------------------------------------------------------------------

  #front(): Entry<T, R> | undefined {
    while (this.#head < this.#queue.length && this.#queue[this.#head].state !== "queued") this.#head++;
    // Entries before the head are done, but they hold their items (a request body each): drop them once
    // the queue is empty, and past 64 when they are most of it (amortised O(1) per entry), so a queue that
    // never empties keeps no more done entries than live ones.
    if (this.#head === this.#queue.length) {
      if (this.#head > 0) this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return this.#queue[this.#head];
  }

  #take(k: number): Entry<T, R>[] {
    const taken: Entry<T, R>[] = [];
    while (taken.length < k) {
      const e = this.#front();
      if (!e) break;
      this.#head++;
      taken.push(e);
    }
    this.#front(); // drops the entries just taken when they were the last
    this.#queued -= taken.length;
    return taken;
  }

  /** The earliest deadline among the first `n` queued items. */
  #minDeadline(n: number): number {
    let min = Infinity;
    let seen = 0;
    for (let i = this.#head; i < this.#queue.length && seen < n; i++) {
      const e = this.#queue[i];
      if (e.state !== "queued") continue;
      seen++;
      if (e.deadline < min) min = e.deadline;
    }
    return min;
  }

  // ---- dispatch ------------------------------------------------------------------------------------

  #pump(): void {
    if (this.#gathering) return this.#checkGather();
    if (this.#returning > 0 && this.#queued > 0 && this.#running.size < this.config.concurrency) {
      // Clients answered by the last batch may still be on their way: gather them first, unless
      // that batch finished longer ago than the latency budget (then they are not coming back soon).
      const now = this.#now();
      if (now - this.#finishedAt <= this.config.maxLatencyMs) return this.#gather(now);
      this.#returning = 0;
    }
    if (this.#pumping) {
      this.#repump = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#repump = false;
        this.#cancelWake?.();
        this.#cancelWake = undefined;
        while (this.#queued > 0 && this.#running.size < this.#inFlightLimit) {
          const now = this.#now();
          const decision = this.#decideFor(now);
          if (typeof decision === "number") {
            this.#cancelWake = this.#setTimer(() => {
              this.#cancelWake = undefined;
              this.#pump();
            }, decision - now);
            break;
          }
          this.#dispatch(now, decision);
        }
      } while (this.#repump);
    } finally {
      this.#pumping = false;
    }
    this.#checkIdle();
  }

  /** True when fewer requests are queued here than batches could still be sent to the workers now. */
  #slotFree(): boolean {
    return this.#queued < this.#inFlightLimit - this.#running.size;
  }

  /** Most batches in flight: one running per worker, and `queuedBatches` waiting inside each. */
  get #inFlightLimit(): number {
    return this.config.concurrency * (1 + this.config.queuedBatches);
  }

  /**
   * {@link #decide}, except that a batch that would wait inside a busy worker is held until it cannot grow
   * (full, at its budget, or a deadline): dispatching it earlier only makes it smaller. A worker that frees
   * up pumps again, so it is dispatched then if that comes first.
   */
  #decideFor(now: number): FlushReason | number {
    const decision = this.#decide(now);
    if (decision !== "no_gain" || this.#running.size < this.config.concurrency) return decision;
    return this.#front()!.enqueuedAt + this.config.maxLatencyMs;
  }

  /**
   * Dispatch now (returns why) or hold until the returned time. Holding one more arrival time Δ changes the
   * total latency by n·Δ + 2·a·n − max(0, W − Δ) (W: time until a worker would be free after dispatching
   * now), so the batch is held only while W > (n + 1)·Δ + 2·a·n, the oldest item stays within the budget and
   * no deadline is put at risk. See docs/batching.md.
   */
  #decide(now: number): FlushReason | number {
    const n = this.#queued;
    const { maxBatchSize, maxLatencyMs, concurrency } = this.config;
    if (this.#closing) return "drain";
    if (n >= maxBatchSize) return "full";
    const oldest = this.#front()!;
    const budgetEnd = oldest.enqueuedAt + maxLatencyMs;
    if (now >= budgetEnd) return "budget";
    if (!this.#cost.calibrated || this.#gap === undefined || this.#lastArrival === undefined) {
      return "no_gain";
    }
    const delta = Math.max(this.#gap, now - this.#lastArrival);
    if (now + delta > budgetEnd) return "budget";
    const { a } = this.#cost.snapshot();
    let w = 0;
    if (concurrency - this.#running.size <= 1) {
      w = this.#cost.predict(n);
      for (const batch of this.#running) {
        w = Math.min(w, Math.max(0, batch.startedAt + this.#cost.predict(batch.entries.length) - now));
      }
    }
    const gain = w - 2 * a * n;
    if (!(gain > (n + 1) * delta)) return "no_gain";
    const minDeadline = this.#minDeadline(n);
    const nextCost = this.#cost.predict(n + 1);
    if (now + delta + nextCost > minDeadline) return "deadline";
    const until = Math.min(budgetEnd, this.#lastArrival + gain / (n + 1), minDeadline - nextCost);
    return until - now < MIN_HOLD_MS ? "no_gain" : until;
  }

  #dispatch(now: number, reason: FlushReason): void {
    const entries = this.#take(this.config.maxBatchSize);
    if (entries.length === 0) return;
    const batch: Batch<T, R> = {
      entries,
      startedAt: now,
      waiting: this.#running.size >= this.config.concurrency,
      pending: entries.length,
      controller: new AbortController(),
    };
    for (const e of entries) {
      e.state = "running";
      e.batch = batch;
    }
    this.#running.add(batch);
    this.#inFlightItems += entries.length;
    const queueWaitMs = now - entries[0].enqueuedAt;
    let promise: Promise<R[]>;
    try {
      promise = this.#run(entries.map((e) => e.value as T), batch.controller.signal);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (results) => this.#finish(batch, reason, queueWaitMs, results, undefined),
      (error) => this.#finish(batch, reason, queueWaitMs, undefined, error ?? new Error("batch rejected")),
    );
  }

  #finish(
    batch: Batch<T, R>,
    reason: FlushReason,
    queueWaitMs: number,
    results?: R[],
    error?: unknown,
  ): void {
    const now = this.#now();
    const runMs = now - batch.startedAt;
    const size = batch.entries.length;
    this.#running.delete(batch);
    if (!batch.waiting) {
      // Its worker takes the next batch that waited inside a busy one (which worker is the pool's business:
      // the oldest stands for it).
      for (const next of this.#running) {
        if (!next.waiting) continue;
        next.waiting = false;
        next.startedAt = now;
        break;
      }
    }
    this.#inFlightItems -= size;
    this.#batches++;
    let failure: unknown;
    if (results === undefined) {
      failure = error instanceof ObentoError ? error : new ObentoError(
        "INTERNAL",
        `"${this.#name}": the batch of ${size} failed: ${messageOf(error)}`,
        { cause: error },
      );
    } else if (!Array.isArray(results) || results.length !== size) {
      const got = Array.isArray(results) ? `${results.length} results` : `a ${typeof results}`;
      failure = new ObentoError(
        "INTERNAL",
        `"${this.#name}": a batch of ${size} items returned ${got}; a batch must give exactly one result ` +
          `per item, so every item of this batch failed`,
      );
    }
    const ok = failure === undefined;
    const abandoned = batch.controller.signal.aborted;
    batch.entries.forEach((e, i) => {
      if (e.state !== "running") return;
      if (ok) this.#settle(e, undefined, results![i]);
      else this.#settle(e, failure);
    });
    // A batch that ends still marked waiting ran on a worker other than the one guessed: its run time is unknown.
    if (ok && !abandoned && !batch.waiting) this.#cost.observe(size, runMs);
    if (ok) this.#demand.served(batch.startedAt + runMs, size);
    // One whose requests all left while it waited inside a busy worker was dropped there: not a batch run.
    if (batch.waiting && abandoned && !ok) this.#batches--;
    else this.#onBatch?.({ size, queueWaitMs, runMs, reason, ok });
    if (this.config.maxBatchSize > 1 && this.#gatherMs > 0) {
      this.#returning = size;
      this.#finishedAt = this.#now();
      if (!this.#gathering) this.#gather(this.#finishedAt);
    } else this.#pump();
  }

  /**
   * Waits for the clients the previous batch answered (`#returning` of them) before forming the next batch:
   * they are on their way back, and dispatching the first one to arrive alone makes batches alternate between
   * tiny and large (with the model on this thread, it also blocks the event loop while the others queue up).
   * The batcher waits passively (arrivals wake it) until they are back — the queue holds `#returning` and
   * stopped growing between two event-loop turns — or for at most `gatherMs` from `since` (the batch's end,
   * or the first arrival after the queue ran empty). It stops at once when the batch is full, the oldest item
   * reaches its budget or the batcher closes. An empty queue at the end of the window ends it; the next
   * arrival opens a new one.
   */
  #gather(since: number): void {
    this.#gathering = true;
    const now = this.#now();
    const oldest = this.#front();
    const budgetEnd = oldest === undefined ? Infinity : oldest.enqueuedAt + this.config.maxLatencyMs;
    const end = Math.min(since + this.#gatherMs, budgetEnd);
    this.#cancelGather = this.#setTimer(() => {
      this.#cancelGather = undefined;
      this.#endGather();
    }, Math.max(0, end - now));
    this.#checkGather();
  }

  /** Checks, one event-loop turn from now, whether the gathered requests are all back. */
  #checkGather(): void {
    if (this.#gatherCheck) return;
    this.#gatherCheck = true;
    const size = this.#queued;
    // setImmediate: one event-loop turn (I/O is polled) without the 4 ms clamp nested setTimeout(0) gets.
    setImmediate(() => {
      this.#gatherCheck = false;
      if (!this.#gathering) return;
      const n = this.#queued;
      const oldest = this.#front();
      const ready = n >= this.config.maxBatchSize || this.#closing ||
        (oldest !== undefined && this.#now() >= oldest.enqueuedAt + this.config.maxLatencyMs) ||
        (n > 0 && n >= this.#returning);
      if (!ready) return; // more are on their way: the next arrival checks again
      if (n !== size && n < this.config.maxBatchSize && !this.#closing) return this.#checkGather();
      this.#endGather();
    });
  }

  #endGather(): void {
    if (!this.#gathering) return;
    this.#cancelGather?.();
    this.#cancelGather = undefined;
    this.#gathering = false;
    if (this.#queued === 0) return this.#checkIdle();
    this.#returning = 0;
    this.#pump();
  }

  // ---- per-item events -----------------------------------------------------------------------------

  #settle(e: Entry<T, R>, error: unknown, value?: R): void {
    const wasRunning = e.state === "running";
    e.state = "done";
    e.value = undefined;
    // The sweep and watch timers stay armed when nothing is left to watch (re-arming them per batch costs
    // more than letting them fire once for nothing); #checkIdle cancels them when the batcher closes.
    this.#sweep.delete(e);
    this.#watches.forget(e);
    if (error === undefined) e.resolve(value as R);
    else e.reject(error);
    const batch = e.batch;
    if (wasRunning && batch && --batch.pending === 0 && this.#running.has(batch)) {
      batch.controller.abort(new ObentoError("UNAVAILABLE", "no request is waiting for this batch any more"));
    }
  }

  #expire(e: Entry<T, R>): void {
    const now = this.#now();
    if (e.state === "queued") {
      this.#queued--;
      this.#timedOut++;
      this.#onTimeout?.("queued");
      this.#settle(
        e,
        new DeadlineError(
          "queued",
          `${this.#option("timeoutMs")} (${
            fmt(e.timeoutMs)
          } ms) expired while queued for "${this.#name}" after ` +
            `${fmt(now - e.enqueuedAt)} ms; the server is slower than the offered load`,
        ),
      );
      this.#pump();
    } else if (e.state === "running") {
      this.#timedOut++;
      this.#onTimeout?.("inference");
      const batch = e.batch!;
      this.#settle(
        e,
        new DeadlineError(
          "inference",
          `${this.#option("timeoutMs")} (${
            fmt(e.timeoutMs)
          } ms) expired during inference for "${this.#name}" (batch of ` +
            `${batch.entries.length}, running for ${fmt(now - batch.startedAt)} ms after ` +
            `${fmt(batch.startedAt - e.enqueuedAt)} ms in the queue)`,
        ),
      );
    }
  }

  #abort(e: Entry<T, R>): void {
    if (e.state === "done") return;
    const queued = e.state === "queued";
    if (queued) this.#queued--;
    this.#settle(e, this.#cancelled(e.signal!));
    if (queued) this.#pump();
  }

  #checkIdle(): void {
    if (!this.#closing || this.#queued > 0 || this.#running.size > 0) return;
    this.#sweep.close();
    this.#watches.close();
    const waiters = this.#idle;
    this.#idle = [];
    for (const resolve of waiters) resolve();
  }
}

function fmt(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  return ms >= 10 ? String(Math.round(ms)) : String(Math.round(ms * 10) / 10);
}
