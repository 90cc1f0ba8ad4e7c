/**
 * Paces overload refusals: a request the batcher refuses (503 `queue_full`, `over_budget`, `deadline`) is
 * answered a while after the refusal instead of at once. A client that honours `Retry-After` loses nothing
 * (it waits a second or more anyway); a client that retries at once can refuse-and-retry at most once per
 * delay per connection instead of once per round trip, so the refusals stop eating the cores the model
 * needs (docs/batching.md, "Pacing refusals"). The held answers are plain promises in FIFOs, one timer each.
 *
 * @module
 */
import { defaultSetTimer, type SetTimer } from "./set_timer.ts";

/** Options for {@link RefusalPacer}. */
export interface RefusalPacerOptions {
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

/** The refusals held for one delay: due times only grow, so a FIFO and one timer suffice. */
interface Lane {
  held: Held[];
  head: number;
  cancel: (() => void) | undefined;
}

/**
 * Holds refusals for a delay the caller gives, never past the request's own deadline. Refusals with the same
 * delay form one FIFO with one timer; the server uses a handful of delays (`--mb-max-latency` per second of
 * `Retry-After`, 1 to 10 s), so there are a handful of timers however many refusals are held.
 *
 * @example
 * ```ts
 * import { RefusalPacer } from "./refusal_pacer.ts";
 * const pacer = new RefusalPacer();
 * const t0 = performance.now();
 * await pacer.hold(20, Infinity);
 * console.log(performance.now() - t0 >= 19); // true
 * ```
 */
export class RefusalPacer {
  readonly #maxHeld: number;
  readonly #now: () => number;
  readonly #setTimer: SetTimer;
  readonly #lanes = new Map<number, Lane>();
  #count = 0;

  /** Makes a pacer; see {@link RefusalPacerOptions}. */
  constructor(options: RefusalPacerOptions = {}) {
    this.#maxHeld = options.maxHeld ?? 4096;
    this.#now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.#setTimer = options.setTimer ?? defaultSetTimer;
  }

  /** Refusals held now. */
  get held(): number {
    return this.#count;
  }

  /**
   * Resolves `delayMs` from now, or at once when the delay is 0 (or not a finite positive number),
   * `deadline` (ms on the pacer's clock) comes sooner than that, or `maxHeld` refusals are already held.
   */
  hold(delayMs: number, deadline: number): Promise<void> {
    if (!(delayMs > 0) || !Number.isFinite(delayMs)) return Promise.resolve();
    const due = this.#now() + delayMs;
    if (deadline < due || this.#count >= this.#maxHeld) return Promise.resolve();
    let lane = this.#lanes.get(delayMs);
    if (lane === undefined) {
      lane = { held: [], head: 0, cancel: undefined };
      this.#lanes.set(delayMs, lane);
    }
    const it = lane;
    return new Promise((resolve) => {
      it.held.push({ due, resolve });
      this.#count++;
      if (it.cancel === undefined) this.#arm(delayMs, it, due);
    });
  }

  #arm(delayMs: number, lane: Lane, due: number): void {
    lane.cancel = this.#setTimer(() => {
      lane.cancel = undefined;
      this.#release(delayMs, lane);
    }, Math.max(0, due - this.#now()));
  }

  #release(delayMs: number, lane: Lane): void {
    const now = this.#now();
    while (lane.head < lane.held.length && lane.held[lane.head].due <= now) {
      this.#count--;
      lane.held[lane.head++].resolve();
    }
    if (lane.head === lane.held.length) {
      this.#lanes.delete(delayMs);
      return;
    }
    if (lane.head > 1024 && lane.head * 2 > lane.held.length) {
      lane.held = lane.held.slice(lane.head);
      lane.head = 0;
    }
    this.#arm(delayMs, lane, lane.held[lane.head].due);
  }

  /** Answers every held refusal now (shutdown). */
  releaseAll(): void {
    for (const lane of this.#lanes.values()) {
      lane.cancel?.();
      for (let i = lane.head; i < lane.held.length; i++) lane.held[i].resolve();
    }
    this.#lanes.clear();
    this.#count = 0;
  }
}
