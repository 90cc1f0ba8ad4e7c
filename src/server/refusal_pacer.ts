/**
 * Paces overload refusals: a request the batcher refuses (503 `queue_full`, `over_budget`, `deadline`) is
 * answered `delayMs` after the refusal instead of at once. A client that honours `Retry-After` loses nothing
 * (it waits a second or more anyway); a client that retries at once can refuse-and-retry at most once per
 * `delayMs` per connection instead of once per round trip, so the refusals stop eating the cores the model
 * needs (docs/batching.md, "Pacing refusals"). The held answers are plain promises in one FIFO with one timer.
 *
 * @module
 */
import { defaultSetTimer, type SetTimer } from "./set_timer.ts";

/** Options for {@link RefusalPacer}. */
export interface RefusalPacerOptions {
  /** How long a refusal is held, in ms; 0 answers at once. */
  delayMs: number;
  /** Most refusals held at once; past it a refusal is answered at once (bounds memory). Default 4096. */
  maxHeld?: number;
  /** Clock in ms. Default: `performance.timeOrigin + performance.now()`. */
  now?: () => number;
  /** Timer source (inject a fake one in tests). */
  setTimer?: SetTimer;
}

interface Held {
  due: number;
  resolve: () => void;
}

/**
 * Holds refusals for a fixed delay, never past the request's own deadline.
 *
 * @example
 * ```ts
 * import { RefusalPacer } from "./refusal_pacer.ts";
 * const pacer = new RefusalPacer({ delayMs: 20 });
 * const t0 = performance.now();
 * await pacer.hold(Infinity);
 * console.log(performance.now() - t0 >= 19); // true
 * ```
 */
export class RefusalPacer {
  readonly #delayMs: number;
  readonly #maxHeld: number;
  readonly #now: () => number;
  readonly #setTimer: SetTimer;
  #held: Held[] = [];
  #head = 0;
  #cancel: (() => void) | undefined;

  /** Makes a pacer; see {@link RefusalPacerOptions}. */
  constructor(options: RefusalPacerOptions) {
    if (!(options.delayMs >= 0) || !Number.isFinite(options.delayMs)) {
      throw new RangeError(`a refusal delay must be ≥ 0 ms, got ${options.delayMs}`);
    }
    this.#delayMs = options.delayMs;
    this.#maxHeld = options.maxHeld ?? 4096;
    this.#now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.#setTimer = options.setTimer ?? defaultSetTimer;
  }

  /** Refusals held now. */
  get held(): number {
    return this.#held.length - this.#head;
  }

  /**
   * Resolves `delayMs` from now, or at once when the delay is 0, `deadline` (ms on the pacer's clock) comes
   * sooner than that, or `maxHeld` refusals are already held.
   */
  hold(deadline: number): Promise<void> {
    const due = this.#now() + this.#delayMs;
    if (this.#delayMs === 0 || deadline < due || this.held >= this.#maxHeld) return Promise.resolve();
    return new Promise((resolve) => {
      // The delay is the same for every refusal, so due times only grow: a FIFO and one timer suffice.
      this.#held.push({ due, resolve });
      if (this.#cancel === undefined) this.#arm(due);
    });
  }

  #arm(due: number): void {
    this.#cancel = this.#setTimer(() => {
      this.#cancel = undefined;
      this.#release();
    }, Math.max(0, due - this.#now()));
  }

  #release(): void {
    const now = this.#now();
    while (this.#head < this.#held.length && this.#held[this.#head].due <= now) {
      this.#held[this.#head++].resolve();
    }
    if (this.#head === this.#held.length) {
      this.#held = [];
      this.#head = 0;
    } else {
      if (this.#head > 1024 && this.#head * 2 > this.#held.length) {
        this.#held = this.#held.slice(this.#head);
        this.#head = 0;
      }
      this.#arm(this.#held[this.#head].due);
    }
  }

  /** Answers every held refusal now (shutdown). */
  releaseAll(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    for (let i = this.#head; i < this.#held.length; i++) this.#held[i].resolve();
    this.#held = [];
    this.#head = 0;
  }
}
