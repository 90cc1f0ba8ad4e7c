/**
 * Per-item outcomes of an API call: {@link InferenceTask} lets API code discard single items,
 * {@link InferenceError} and {@link InferenceResult} are values an API may return for one item.
 *
 * @module
 */

/**
 * A failed item, returned (not thrown) by API code in place of that item's result. Batch-mates are not affected.
 *
 * @example
 * ```ts
 * import { InferenceError } from "./inference.ts";
 * const item = new InferenceError(422, "petal_length must be positive");
 * console.log(item.status, item.message);
 * ```
 */
export class InferenceError {
  /** HTTP-style status for this item (4xx for the caller's fault, 5xx for ours). */
  readonly status: number;
  /** What is wrong with this item and how to fix it. */
  readonly message: string;

  /** Makes an item error; `status` must be 400–599. */
  constructor(status: number, message: string) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`InferenceError status must be an integer 400-599, got ${status}`);
    }
    this.status = status;
    this.message = message;
  }
}

/** Options for {@link InferenceResult}. */
export interface InferenceResultOptions {
  /** HTTP-style status (default 200). */
  status?: number;
  /** Extra response headers for this item. */
  headers?: Record<string, string>;
}

/**
 * A successful item result with a status and headers, returned by API code in place of a bare value.
 *
 * @example
 * ```ts
 * import { InferenceResult } from "./inference.ts";
 * const item = new InferenceResult({ label: "setosa" }, { headers: { "x-model": "iris" } });
 * console.log(item.status, item.data);
 * ```
 */
export class InferenceResult<T = unknown> {
  /** The item's value. */
  readonly data: T;
  /** HTTP-style status, 200–299. */
  readonly status: number;
  /** Extra response headers. */
  readonly headers: Readonly<Record<string, string>>;

  /** Wraps a value with a status and headers. */
  constructor(data: T, options: InferenceResultOptions = {}) {
    const status = options.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 299) {
      throw new RangeError(`InferenceResult status must be an integer 200-299, got ${status}`);
    }
    this.data = data;
    this.status = status;
    this.headers = { ...options.headers };
  }
}

/**
 * One item of a call as API code sees it. Discarding it makes that item fail with the given status while the
 * rest of the batch goes on; whatever the API returns at that position is then ignored.
 *
 * @example
 * ```ts
 * import { InferenceTask } from "./inference.ts";
 * const task = new InferenceTask(0);
 * task.discard(422, "empty text");
 * console.log(task.discarded); // { status: 422, message: "empty text" }
 * ```
 */
export class InferenceTask {
  /** Position of the item in the batch the API received. */
  readonly index: number;
  #discarded: InferenceError | undefined;

  /** Makes the task for batch position `index`. */
  constructor(index: number) {
    this.index = index;
  }

  /** Fails this item with `status` (400–599) and `message`. */
  discard(status: number, message: string): void {
    this.#discarded = new InferenceError(status, message);
  }

  /** The error this item was discarded with, if any. */
  get discarded(): InferenceError | undefined {
    return this.#discarded;
  }
}

/** What an API may return for one item. */
export type ItemResult<R> = R | InferenceError | InferenceResult<R>;
