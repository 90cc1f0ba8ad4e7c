/**
 * One budget for the bytes of every request body the server holds: bodies being read, queued for a batch and
 * in inference. `--max-body` bounds one request; this bounds their sum (`--max-body-total`), so a burst of
 * large bodies is refused with 503 + `Retry-After` before its bodies are read instead of growing the process
 * until the machine runs out of memory.
 *
 * @module
 */

/** Memory figures of the machine, in bytes (the shape of `Deno.systemMemoryInfo()`). */
export interface MachineMemory {
  /** Total physical memory. */
  total: number;
  /** Memory available to new allocations without swapping. */
  available: number;
}

/** The cap of {@link defaultBodyBudgetBytes}: 512 MiB. */
export const BODY_BUDGET_CAP_BYTES = 512 * 2 ** 20;

/**
 * The default of `--max-body-total`: a quarter of the machine's available memory, at most
 * {@link BODY_BUDGET_CAP_BYTES}, and never below `maxBodyBytes` (so one largest body always fits).
 * Bodies are copied on their way to a model worker, so the budget's bytes can cost about twice as much RSS.
 *
 * @example
 * ```ts
 * import { defaultBodyBudgetBytes } from "./body_budget.ts";
 * console.log(defaultBodyBudgetBytes({ total: 2 ** 30, available: 2 ** 30 }, 2 ** 25)); // 268435456
 * ```
 */
export function defaultBodyBudgetBytes(memory: MachineMemory, maxBodyBytes: number): number {
  const quarter = Math.floor(Math.min(memory.available, memory.total) / 4);
  return Math.max(maxBodyBytes, Math.min(BODY_BUDGET_CAP_BYTES, quarter));
}

/**
 * Counts reserved body bytes against a limit. Reserve before reading (by `Content-Length`, or chunk by chunk
 * for a body without one); release once the request is answered.
 *
 * @example
 * ```ts
 * import { BodyBudget } from "./body_budget.ts";
 * const budget = new BodyBudget(100);
 * console.log(budget.tryReserve(60), budget.tryReserve(60), budget.reserved); // true false 60
 * budget.release(60);
 * console.log(budget.reserved); // 0
 * ```
 */
export class BodyBudget {
  /** The most bytes that may be reserved at once. */
  readonly limit: number;
  #reserved = 0;
  #refused = 0;

  /** Makes a budget of `limit` bytes (a positive integer). */
  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit <= 0) {
      throw new RangeError(`a body budget must be a positive integer of bytes, got ${limit}`);
    }
    this.limit = limit;
  }

  /** Bytes reserved now. */
  get reserved(): number {
    return this.#reserved;
  }

  /** Reservations refused so far. */
  get refused(): number {
    return this.#refused;
  }

  /** Reserves `bytes` if they fit under the limit; false (and nothing reserved) when they do not. */
  tryReserve(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (this.#reserved + bytes > this.limit) {
      this.#refused++;
      return false;
    }
    this.#reserved += bytes;
    return true;
  }

  /** Gives back `bytes` reserved earlier. */
  release(bytes: number): void {
    if (bytes <= 0) return;
    this.#reserved = Math.max(0, this.#reserved - bytes);
  }
}
