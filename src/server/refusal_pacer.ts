/**
 * Paces overload refusals: a request the batcher refuses (503 `queue_full`, `over_budget`, `deadline`) is
 * answered a while after the refusal instead of at once. A client that honours `Retry-After` loses nothing
 * (it waits a second or more anyway); a client that retries at once can refuse-and-retry at most once per
 * delay per connection instead of once per round trip, so the refusals stop eating the cores the model
 * needs (docs/batching.md, "Pacing refusals"). The held answers are plain promises in FIFOs, one per delay,
 * released by one timer that fires at most once per tick however many refusals are held.
 *
 * @module
 */
import { defaultSetTimer, type SetTimer } from "./set_timer.ts";

/** Options for {@link RefusalPacer}. */
export interface RefusalPacerOptions {
  /** Most refusals held at once; past it a refusal is answered at once (bounds memory). Default 4096. */
  maxHeld?: number;
  /**
   * The timer fires at most once per `tickMs` and releases every refusal due by then, so a refusal may be
   * answered up to `tickMs` after its delay (never past its deadline). Default 5 ms.
   */
  tickMs?: number;
  /** Clock in ms. Default: `performance.timeOrigin + performance.now()`. */
  now?: () => number;
  /** Timer source (inject a fake one in tests). */
  setTimer?: SetTimer;
}

interface Held {
  due: number;
  resolve: () => void;
}

/** The refusals held for one delay: due times only grow, so a FIFO suffices. */
interface Lane {
  held: Held[];
  head: number;
}

/**
 * Holds refusals for a delay the caller gives, never past the request's own deadline. Refusals with the same
 * delay form one FIFO; the server uses a handful of delays (`--mb-max-latency` per second of `Retry-After`, 1
 * to 10 s). One timer serves them all and fires at most once per tick: under overload a refusal arrives every
 * fraction of a millisecond, and a timer armed for each one's exact due time cost the server's thread more than
 * the rest of the hold (docs/reliability.md "Overload").
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
  readonly #tickMs: number;
  readonly #now: () => number;
  readonly #setTimer: SetTimer;
  readonly #lanes = new Map<number, Lane>();
  #count = 0;
  #cancel: (() => void) | undefined;
  /** When the armed timer fires (ms on the pacer's clock); Infinity when none is armed. */
  #armedFor = Infinity;

  /** Makes a pacer; see {@link RefusalPacerOptions}. */
  constructor(options: RefusalPacerOptions = {}) {
    this.#maxHeld = options.maxHeld ?? 4096;
    this.#tickMs = Math.max(0, options.tickMs ?? 5);
    this.#now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.#setTimer = options.setTimer ?? defaultSetTimer;
  }

  /** Refusals held now. */
  get held(): number {
    return this.#count;
  }

  /**
   * Resolves `delayMs` from now (up to one tick later), or at once when the delay is 0 (or not a finite
   * positive number), `deadline` (ms on the pacer's clock) could come before it is released, or `maxHeld`
   * refusals are already held.
   */
  hold(delayMs: number, deadline: number): Promise<void> {
    if (!(delayMs > 0) || !Number.isFinite(delayMs)) return Promise.resolve();
    const now = this.#now();
    const due = now + delayMs;
    if (deadline < due + this.#tickMs || this.#count >= this.#maxHeld) return Promise.resolve();
    let lane = this.#lanes.get(delayMs);
    if (lane === undefined) {
      lane = { held: [], head: 0 };
      this.#lanes.set(delayMs, lane);
    }
    const it = lane;
    return new Promise((resolve) => {
      it.held.push({ due, resolve });
      this.#count++;
      // Armed for later than a tick past this one's due time (a longer delay's refusals only): re-arm.
      if (due + this.#tickMs < this.#armedFor) this.#arm(due, now);
    });
  }

  #arm(at: number, now: number): void {
    this.#cancel?.();
    this.#armedFor = at;
    this.#cancel = this.#setTimer(() => {
      this.#cancel = undefined;
      this.#armedFor = Infinity;
      this.#release();
    }, Math.max(0, at - now));
  }

  /** Releases every refusal due now; re-arms for the next due one, at least a tick from now. */
  #release(): void {
    const now = this.#now();
    let next = Infinity;
    for (const [delayMs, lane] of this.#lanes) {
      while (lane.head < lane.held.length && lane.held[lane.head].due <= now) {
        this.#count--;
        lane.held[lane.head++].resolve();
      }
      if (lane.head === lane.held.length) {
        this.#lanes.delete(delayMs);
        continue;
      }
      if (lane.head > 1024 && lane.head * 2 > lane.held.length) {
        lane.held = lane.held.slice(lane.head);
        lane.head = 0;
      }
      next = Math.min(next, lane.held[lane.head].due);
    }
    if (next < Infinity) this.#arm(Math.max(next, now + this.#tickMs), now);
  }

  /** Answers every held refusal now (shutdown). */
  releaseAll(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#armedFor = Infinity;
    for (const lane of this.#lanes.values()) {
      for (let i = lane.head; i < lane.held.length; i++) lane.held[i].resolve();
    }
    this.#lanes.clear();
    this.#count = 0;
  }
}
