/**
 * Executors run whole requests — raw bytes in, encoded responses out — for the server's batcher. Decoding,
 * the API call and encoding all happen inside the executor, so an executor can live in another thread (a
 * worker pool) and only bytes cross the boundary.
 *
 * @module
 */
import { messageOf, ObentoError } from "../errors.ts";
import type { ItemOutcome } from "./invoke.ts";
import type { LoadedService } from "./loaded_service.ts";

/** One request as it arrived. */
export interface RawItem {
  /** The request body. */
  body: Uint8Array;
  /** Its content type (may carry parameters, e.g. `multipart/form-data; boundary=…`). */
  contentType: string;
  /** The caller's Accept header, if any. */
  accept?: string;
}

/** One encoded response. */
export interface RawOutcome {
  /** HTTP status. */
  status: number;
  /** Response body. */
  body: string | Uint8Array;
  /** Its content type. */
  contentType: string;
  /** Extra headers (from InferenceResult). */
  headers: Record<string, string>;
  /**
   * Set on error outcomes: the message of `body`, and for a 5xx from a thrown error its stack, which the server
   * logs and never sends.
   */
  error?: { message: string; stack?: string };
}

/** Runs batches of raw requests against one loaded bundle. */
export interface Executor {
  /** How many batches may run at once (the number of model workers). */
  readonly concurrency: number;
  /**
   * Batches each of those can hold beyond the one it runs, posted ahead so it never waits for the caller's
   * thread between two (a worker pool's `queuedBatches`). Absent: 0.
   */
  readonly queuedBatches?: number;
  /**
   * Runs one batch for API `api`: decodes each item (a decode failure is that item's 4xx outcome), calls the
   * API once for all decodable items, encodes each outcome. Always one outcome per item, in order.
   */
  run(api: string, items: readonly RawItem[], signal?: AbortSignal): Promise<RawOutcome[]>;
  /**
   * Frees the executor. `waitMs` bounds how long a running batch may still take before it is stopped (an
   * executor that cannot stop one, like the in-process one, ignores it). Default: the executor's own.
   */
  close(waitMs?: number): Promise<void>;
}

/**
 * The JSON body of an error response: `{ "error": message, "status": status }`; `stack` (of a 5xx) is kept
 * beside it for the server's log.
 */
export function errorOutcome(status: number, message: string, stack?: string): RawOutcome {
  return {
    status,
    body: JSON.stringify({ error: message, status }),
    contentType: "application/json",
    headers: {},
    error: stack === undefined ? { message } : { message, stack },
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/**
 * Decodes, invokes and encodes raw items on a {@link LoadedService} in this thread.
 * @param service the loaded service
 * @param api the API name
 * @param items raw requests
 * @param signal aborts the call
 */
export async function runRawItems(
  service: LoadedService,
  api: string,
  items: readonly RawItem[],
  signal?: AbortSignal,
): Promise<RawOutcome[]> {
  const spec = service.api(api);
  const output = service.output(api);
  const outcomes: (RawOutcome | undefined)[] = new Array(items.length);
  const decoded: unknown[] = [];
  const positions: number[] = [];
  const decodeFailed = (i: number, error: unknown) => {
    outcomes[i] = error instanceof ObentoError
      ? errorOutcome(error.status, error.message)
      : errorOutcome(400, messageOf(error));
  };
  // Most adapters decode synchronously: only asynchronous results are awaited (a promise per item costs
  // as much as decoding a small body).
  const pending: Promise<void>[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      const value = spec.input.fromBytes(items[i].body, items[i].contentType);
      if (isThenable(value)) {
        pending.push(Promise.resolve(value).then((v) => void (decoded[i] = v), (e) => decodeFailed(i, e)));
      } else decoded[i] = value;
    } catch (error) {
      decodeFailed(i, error);
    }
  }
  if (pending.length > 0) await Promise.all(pending);
  const batch: unknown[] = [];
  items.forEach((_, i) => {
    if (outcomes[i] === undefined) {
      positions.push(i);
      batch.push(decoded[i]);
    }
  });
  let results: ItemOutcome[] = [];
  if (batch.length > 0) results = await service.invoke(api, batch, { signal });
  results.forEach((outcome, k) => {
    const i = positions[k];
    if (!outcome.ok) {
      outcomes[i] = errorOutcome(outcome.status, outcome.message, outcome.stack);
      return;
    }
    try {
      const encoded = output.encode(outcome.value, items[i].accept);
      outcomes[i] = {
        status: outcome.status,
        body: encoded.body,
        contentType: encoded.contentType,
        headers: { ...encoded.headers, ...outcome.headers },
      };
    } catch (error) {
      // An output that cannot take the format the client asked for (406) is the client's to change.
      outcomes[i] = error instanceof ObentoError && error.status < 500
        ? errorOutcome(error.status, error.message)
        : errorOutcome(
          500,
          `could not encode the result of API "${api}": ${messageOf(error)}`,
          error instanceof Error ? error.stack : undefined,
        );
    }
  });
  return outcomes as RawOutcome[];
}

/**
 * Runs batches in this thread, one at a time per call (concurrency 1).
 *
 * @example
 * ```ts
 * import { InProcessExecutor } from "./executor.ts";
 * import { openBundle } from "./host_parts.ts";
 * const executor = new InProcessExecutor(await openBundle("./bundle"));
 * const [out] = await executor.run("predict", [{ body: new TextEncoder().encode("[[1,2,3,4]]"), contentType: "application/json" }]);
 * ```
 */
export class InProcessExecutor implements Executor {
  /** One batch at a time. */
  readonly concurrency = 1;
  readonly #service: LoadedService;

  /** Wraps a loaded service. */
  constructor(service: LoadedService) {
    this.#service = service;
  }

  /** Runs one batch. */
  run(api: string, items: readonly RawItem[], signal?: AbortSignal): Promise<RawOutcome[]> {
    return runRawItems(this.#service, api, items, signal);
  }

  /** Closes the service. */
  async close(): Promise<void> {
    await this.#service.close();
  }
}
