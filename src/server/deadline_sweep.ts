/**
 * One timer for all of a batcher's request deadlines (not one per request, which costs more than a tiny
 * model's inference): {@link DeadlineSweep} is armed for the earliest deadline among the requests it holds
 * and, when it fires, expires every request whose deadline has passed and re-arms for the next.
 *
 * @module
 */
import type { SetTimer } from "./set_timer.ts";

/** Anything with an absolute deadline, in ms on the sweep's clock. */
export interface Timed {
  /** When it expires; `Infinity` for never. */
  readonly deadline: number;
}

/** Options for {@link DeadlineSweep}. */
export interface DeadlineSweepOptions<E extends Timed> {
  /** The clock, in ms. */
  now: () => number;
  /** The timer source. */
  setTimer: SetTimer;
  /** Called for each held entry whose deadline has passed; the sweep has already let go of it. */
  expire: (entry: E) => void;
}

/**
 * Expires entries at their deadlines with one timer.
 *
 * @example
 * ```ts
 * import { DeadlineSweep } from "./deadline_sweep.ts";
 * import { defaultSetTimer } from "./set_timer.ts";
 * const expired: string[] = [];
 * const sweep = new DeadlineSweep<{ id: string; deadline: number }>({
 *   now: () => performance.now(),
 *   setTimer: defaultSetTimer,
 *   expire: (e) => expired.push(e.id),
 * });
 * sweep.add({ id: "a", deadline: performance.now() + 5 }, performance.now());
 * await new Promise((r) => setTimeout(r, 20));
 * console.log(expired); // ["a"]
 * sweep.close();
 * ```
 */
export class DeadlineSweep<E extends Timed> {
  readonly #held = new Set<E>();
  readonly #now: () => number;
  readonly #setTimer: SetTimer;
  readonly #expire: (entry: E) => void;
  #at: number | undefined;
  #cancel: (() => void) | undefined;

  /** Makes an empty sweep; no timer runs until an entry with a finite deadline is added. */
  constructor(options: DeadlineSweepOptions<E>) {
    this.#now = options.now;
    this.#setTimer = options.setTimer;
    this.#expire = options.expire;
  }

  /** Watches `entry`'s deadline (ignored when it is not finite); `now` is the caller's current time. */
  add(entry: E, now: number): void {
    if (!Number.isFinite(entry.deadline)) return;
    this.#held.add(entry);
    this.#arm(entry.deadline, now);
  }

  /**
   * Stops watching `entry`. The timer stays armed when the set empties (re-arming it per batch costs more
   * than letting it fire once for nothing); {@link DeadlineSweep.close} cancels it.
   */
  delete(entry: E): void {
    this.#held.delete(entry);
  }

  /** Cancels the timer (entries still held stay held, unexpired). */
  close(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#at = undefined;
  }

  #arm(deadline: number, now: number): void {
    if (this.#at !== undefined && this.#at <= deadline) return;
    this.#cancel?.();
    this.#at = deadline;
    this.#cancel = this.#setTimer(() => this.#sweep(), Math.max(0, deadline - now));
  }

  #sweep(): void {
    this.#cancel = undefined;
    this.#at = undefined;
    const now = this.#now();
    for (const e of [...this.#held]) {
      if (e.deadline <= now) {
        this.#held.delete(e);
        this.#expire(e);
      }
    }
    let next = Infinity;
    for (const e of this.#held) next = Math.min(next, e.deadline);
    if (Number.isFinite(next)) this.#arm(next, now);
  }
}
