/**
 * A batcher's cancellation watches: {@link CancelWatches} listens to each request's `AbortSignal`, and fetches
 * lazy signals (a served `Request`'s `signal` registers a watch with the HTTP server, which costs more than a
 * tiny model's inference) only for requests that have waited `watchAfterMs`, with one timer for them all.
 *
 * @module
 */
import type { SetTimer } from "./set_timer.ts";

/** What a watched request carries; the watches fill in `signal`, `onAbort` and clear `watch`. */
export interface Watched {
  /** When it was queued, in ms on the watches' clock. */
  readonly enqueuedAt: number;
  /** The signal watched, once there is one. */
  signal?: AbortSignal;
  /** The listener added to `signal`. */
  onAbort?: () => void;
  /** The lazy signal, until it is fetched. */
  watch?: () => AbortSignal;
}

/** Options for {@link CancelWatches}. */
export interface CancelWatchesOptions<E extends Watched> {
  /** The clock, in ms. */
  now: () => number;
  /** The timer source. */
  setTimer: SetTimer;
  /** How long (ms) a request waits before its lazy signal is fetched. */
  watchAfterMs: number;
  /** Called when a watched request's signal aborts (or is found aborted when fetched). */
  abort: (entry: E) => void;
  /** True for a request that is already answered: its lazy signal is then never fetched. */
  done: (entry: E) => boolean;
}

/**
 * Watches requests' cancellation signals, eagerly or lazily.
 *
 * @example
 * ```ts
 * import { CancelWatches, type Watched } from "./cancel_watch.ts";
 * import { defaultSetTimer } from "./set_timer.ts";
 * const aborted: Watched[] = [];
 * const watches = new CancelWatches<Watched>({
 *   now: () => performance.now(),
 *   setTimer: defaultSetTimer,
 *   watchAfterMs: 10,
 *   abort: (e) => aborted.push(e),
 *   done: () => false,
 * });
 * const controller = new AbortController();
 * const entry: Watched = { enqueuedAt: performance.now() };
 * watches.watch(entry, controller.signal);
 * controller.abort();
 * console.log(aborted.length); // 1
 * watches.close();
 * ```
 */
export class CancelWatches<E extends Watched> {
  /** Live requests whose lazy signal is not fetched yet, oldest first. */
  readonly #unwatched = new Set<E>();
  readonly #options: CancelWatchesOptions<E>;
  #cancelTimer: (() => void) | undefined;

  /** Makes the watches; no timer runs until a lazy signal is added. */
  constructor(options: CancelWatchesOptions<E>) {
    this.#options = options;
  }

  /** Watches `signal` for `entry`; an already aborted one aborts `entry` at once. */
  watch(entry: E, signal: AbortSignal): void {
    entry.signal = signal;
    if (signal.aborted) return this.#options.abort(entry);
    entry.onAbort = () => this.#options.abort(entry);
    signal.addEventListener("abort", entry.onAbort, { once: true });
  }

  /** Fetches `entry`'s signal with `cancellation` once it has waited `watchAfterMs`, then watches it. */
  watchLater(entry: E, cancellation: () => AbortSignal): void {
    entry.watch = cancellation;
    this.#unwatched.add(entry);
    if (this.#cancelTimer === undefined) this.#arm(this.#options.watchAfterMs);
  }

  /**
   * Stops watching `entry` (it is answered). The timer stays armed when nothing is left to fetch (re-arming it
   * per batch costs more than letting it fire once for nothing); {@link CancelWatches.close} cancels it.
   */
  forget(entry: E): void {
    if (entry.watch !== undefined) this.#unwatched.delete(entry);
    if (entry.onAbort) entry.signal?.removeEventListener("abort", entry.onAbort);
  }

  /** Cancels the timer. */
  close(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  #arm(ms: number): void {
    this.#cancelTimer = this.#options.setTimer(() => this.#fetchSignals(), ms);
  }

  /**
   * Fetches the lazy signals of requests that have waited `watchAfterMs`; re-arms for the next one, at least
   * `watchAfterMs / 2` from now.
   */
  #fetchSignals(): void {
    this.#cancelTimer = undefined;
    const now = this.#options.now();
    for (const e of this.#unwatched) {
      const due = e.enqueuedAt + this.#options.watchAfterMs;
      if (due > now) {
        // At least half of watchAfterMs from now: one firing fetches every request due meanwhile, instead of a
        // timer per queued request under load (each at most watchAfterMs / 2 late).
        this.#arm(Math.max(due - now, this.#options.watchAfterMs / 2));
        return;
      }
      this.#unwatched.delete(e);
      const watch = e.watch!;
      e.watch = undefined;
      if (!this.#options.done(e)) this.watch(e, watch());
    }
  }
}
