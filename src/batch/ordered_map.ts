/**
 * {@link mapOrdered}: an async map with up to `concurrency` calls in flight whose results come out in input
 * order (a reorder buffer of at most `concurrency` entries).
 *
 * @module
 */

/** Options for {@link mapOrdered}. */
export interface MapOrderedOptions {
  /** Calls in flight at most (default 1: one at a time). */
  concurrency?: number;
}

/**
 * Maps `source` through `fn`, running up to `concurrency` calls at once, and yields the results in the order of
 * `source`. The source is read at most `concurrency` items ahead of what has been yielded, so memory stays
 * bounded. The first failing call's error is thrown when its turn comes; later calls are still awaited (and
 * their errors dropped) so that nothing is left running.
 *
 * @param source the inputs
 * @param fn the async function
 * @param options concurrency
 * @returns the results, in input order
 *
 * @example
 * ```ts
 * import { mapOrdered } from "./ordered_map.ts";
 * const slowFirst = (n: number) => new Promise<number>((r) => setTimeout(() => r(n * 10), n === 1 ? 20 : 0));
 * const out: number[] = [];
 * for await (const x of mapOrdered([1, 2, 3], slowFirst, { concurrency: 3 })) out.push(x);
 * console.log(out); // [10, 20, 30]
 * ```
 */
export async function* mapOrdered<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  fn: (value: T) => Promise<R>,
  options: MapOrderedOptions = {},
): AsyncGenerator<R> {
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const pending: Promise<R>[] = [];
  try {
    for await (const value of source) {
      const p = fn(value);
      p.catch(() => {}); // handled when its turn comes
      pending.push(p);
      if (pending.length >= concurrency) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    await Promise.allSettled(pending);
  }
}
