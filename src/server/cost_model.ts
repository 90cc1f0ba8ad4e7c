/**
 * An online estimate of how long the model takes for a batch of n items, T(n) = a·n + b, learned from the
 * batches the server actually ran. The batcher uses it to decide whether holding a batch open pays off and
 * whether a new request can still meet its budgets. Until it is calibrated it predicts nothing useful and
 * the batcher neither holds batches nor sheds on predictions (neutral start).
 *
 * @module
 */

/** Options for {@link CostModel}; every field has a default. */
export interface CostModelOptions {
  /**
   * Weight an old sample keeps each time a new one arrives (forgetting factor, 0 < decay < 1). 0.95 weighs
   * roughly the last 20 batches, so the model follows slow drifts (warm caches, other load on the host).
   * Default 0.95.
   */
  decay?: number;
  /** Batches ignored at the start (first-run allocation, JIT, cold caches). Default 1. */
  warmup?: number;
  /** Samples (after warm-up) needed before the model is calibrated. Default 3. */
  minSamples?: number;
  /**
   * Distinct batch sizes needed before the model is calibrated: with one size, a and b cannot be told apart.
   * Use 1 when batching is off (every batch has one item, so T(1) is all that matters). Default 2.
   */
  minDistinctSizes?: number;
  /**
   * Outlier clip once calibrated: a sample is clipped into [predict(n) / k, predict(n) · k + 1 ms] before it
   * is learned, so one GC pause or a descheduled worker does not wreck the estimate; a real change still
   * gets through over a few batches. Default 4.
   */
  outlierFactor?: number;
}

/** The model's current figures. */
export interface CostSnapshot {
  /** Marginal cost of one more item in a batch, ms (≥ 0). */
  a: number;
  /** Fixed cost of running a batch at all, ms (≥ 0). */
  b: number;
  /** Samples learned so far (after warm-up). */
  samples: number;
  /** True once predictions may be used to hold batches and shed requests. */
  calibrated: boolean;
}

/** Below this weighted variance of batch sizes, the slope is not identifiable from the data in the window. */
const MIN_SIZE_VARIANCE = 0.1;

/**
 * Exponentially weighted least squares of batch duration on [n, 1], with a ≥ 0 and b ≥ 0.
 *
 * Each `observe` multiplies the weighted sums by `decay` and adds the new sample; the fit is solved in closed
 * form. When the sizes in the window are (nearly) all the same, the last identified slope is kept and only b
 * is refitted. Until {@link CostSnapshot.calibrated} is true, `a` and `b` are the best fit so far (0 with no
 * data) and must not be used to refuse work.
 *
 * @example
 * ```ts
 * import { CostModel } from "./cost_model.ts";
 * const model = new CostModel({ warmup: 0 });
 * model.observe(1, 12);
 * model.observe(8, 26);
 * model.observe(4, 18);
 * const { a, b, calibrated } = model.snapshot(); // a ≈ 2, b ≈ 10, calibrated
 * console.log(model.predict(16), calibrated); // ≈ 42 true
 * ```
 */
export class CostModel {
  readonly #decay: number;
  readonly #minSamples: number;
  readonly #minDistinct: number;
  readonly #outlier: number;
  #warmupLeft: number;
  #s0 = 0;
  #sn = 0;
  #sy = 0;
  #snn = 0;
  #sny = 0;
  #a = 0;
  #b = 0;
  #slopeKnown = false;
  #samples = 0;
  readonly #sizes = new Set<number>();

  /** Makes an empty model; see {@link CostModelOptions} for the defaults. */
  constructor(options: CostModelOptions = {}) {
    this.#decay = options.decay ?? 0.95;
    this.#warmupLeft = options.warmup ?? 1;
    this.#minSamples = options.minSamples ?? 3;
    this.#minDistinct = options.minDistinctSizes ?? 2;
    this.#outlier = options.outlierFactor ?? 4;
    if (!(this.#decay > 0 && this.#decay < 1)) {
      throw new RangeError(`decay must be in (0, 1), got ${this.#decay}`);
    }
    if (!(this.#outlier > 1)) throw new RangeError(`outlierFactor must be > 1, got ${this.#outlier}`);
  }

  /** True once enough samples of enough distinct sizes have been learned. */
  get calibrated(): boolean {
    return this.#samples >= this.#minSamples && this.#sizes.size >= this.#minDistinct;
  }

  /**
   * Predicted duration in ms of a batch of `n` items: a·n + b (0 before any sample).
   * @param n items in the batch
   */
  predict(n: number): number {
    return this.#a * n + this.#b;
  }

  /**
   * Learns from one finished batch.
   * @param n items in the batch (≥ 1)
   * @param ms how long the model took, in ms
   */
  observe(n: number, ms: number): void {
    if (!(n >= 1) || !Number.isFinite(ms) || ms < 0) return;
    if (this.#warmupLeft > 0) {
      this.#warmupLeft--;
      return;
    }
    let y = ms;
    if (this.calibrated) {
      const p = this.predict(n);
      y = Math.min(Math.max(y, p / this.#outlier), p * this.#outlier + 1);
    }
    const d = this.#decay;
    this.#s0 = this.#s0 * d + 1;
    this.#sn = this.#sn * d + n;
    this.#sy = this.#sy * d + y;
    this.#snn = this.#snn * d + n * n;
    this.#sny = this.#sny * d + n * y;
    this.#samples++;
    if (this.#sizes.size < this.#minDistinct) this.#sizes.add(n);
    this.#fit();
  }

  /** The current figures. */
  snapshot(): CostSnapshot {
    return { a: this.#a, b: this.#b, samples: this.#samples, calibrated: this.calibrated };
  }

  #fit(): void {
    const s0 = this.#s0, sn = this.#sn, sy = this.#sy, snn = this.#snn, sny = this.#sny;
    const det = s0 * snn - sn * sn;
    let a: number;
    let b: number;
    if (det / (s0 * s0) >= MIN_SIZE_VARIANCE) {
      a = (s0 * sny - sn * sy) / det;
      b = (sy - a * sn) / s0;
      this.#slopeKnown = true;
    } else {
      a = this.#slopeKnown ? this.#a : 0;
      b = (sy - a * sn) / s0;
    }
    if (a < 0) {
      a = 0;
      b = sy / s0;
    }
    if (b < 0) {
      b = 0;
      a = sny / snn;
    }
    this.#a = a;
    this.#b = b;
  }
}
