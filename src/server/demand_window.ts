/**
 * The refused demand of the last second against what the server served in it, for `Retry-After`: if the
 * requests refused in the last second all came back, serving them at the rate the server just served would
 * take `refused / served` seconds. Telling refused clients to come back after that long spreads their retries
 * over the time the server needs for them, instead of sending them all back after one second to be refused
 * again (docs/batching.md, "Retry-After").
 *
 * @module
 */

/** Buckets per window. */
const BUCKETS = 10;

/** Options for {@link DemandWindow}. */
export interface DemandWindowOptions {
  /** The window, in ms. Default 1000. */
  windowMs?: number;
  /** Longest `Retry-After` it suggests, in seconds. Default 10. */
  maxSeconds?: number;
}

/**
 * Counts refused and served requests over a sliding window (10 buckets) on a caller-given clock.
 *
 * @example
 * ```ts
 * import { DemandWindow } from "./demand_window.ts";
 * const w = new DemandWindow();
 * for (let i = 0; i < 100; i++) w.served(0);
 * for (let i = 0; i < 300; i++) w.refused(0);
 * console.log(w.retryAfterSeconds(500)); // 3
 * ```
 */
export class DemandWindow {
  readonly #bucketMs: number;
  readonly #maxSeconds: number;
  readonly #windowSeconds: number;
  readonly #refused = new Float64Array(BUCKETS);
  readonly #served = new Float64Array(BUCKETS);
  /** The bucket index (time / bucketMs) the arrays were last advanced to. */
  #at = -Infinity;

  /** Makes an empty window; see {@link DemandWindowOptions}. */
  constructor(options: DemandWindowOptions = {}) {
    const windowMs = options.windowMs ?? 1000;
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
    this.#bucketMs = windowMs / BUCKETS;
    this.#windowSeconds = windowMs / 1000;
    this.#maxSeconds = options.maxSeconds ?? 10;
  }

  /** Counts `n` requests refused at time `now` (ms). */
  refused(now: number, n = 1): void {
    this.#refused[this.#advance(now)] += n;
  }

  /** Counts `n` requests served at time `now` (ms). */
  served(now: number, n = 1): void {
    this.#served[this.#advance(now)] += n;
  }

  /**
   * Seconds the server needs, at the rate it served in the window, for the demand it refused in it:
   * ⌈refused / served · window⌉, at least 1 and at most `maxSeconds`; 1 when nothing was served in the
   * window (no rate to go by).
   */
  retryAfterSeconds(now: number): number {
    this.#advance(now);
    let refused = 0, served = 0;
    for (let i = 0; i < BUCKETS; i++) {
      refused += this.#refused[i];
      served += this.#served[i];
    }
    if (served === 0) return 1;
    return Math.min(this.#maxSeconds, Math.max(1, Math.ceil((refused / served) * this.#windowSeconds)));
  }

  /** Moves the window to `now`, emptying the buckets that fell out; returns the current bucket's index. */
  #advance(now: number): number {
    const at = Math.floor(now / this.#bucketMs);
    if (at > this.#at) {
      const steps = Math.min(BUCKETS, at - this.#at);
      for (let s = 1; s <= steps; s++) {
        const i = (((at - steps + s) % BUCKETS) + BUCKETS) % BUCKETS;
        this.#refused[i] = 0;
        this.#served[i] = 0;
      }
      this.#at = at;
    }
    return ((this.#at % BUCKETS) + BUCKETS) % BUCKETS;
  }
}
