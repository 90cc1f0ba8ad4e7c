/**
 * Runs one {@link RecordChunk} through an API: the whole chunk as one item when it can (the fast path), and
 * record by record when that fails, so that one bad record fails alone and the others still go through.
 *
 * @module
 */
import { httpStatusOf, messageOf } from "../errors.ts";
import type { ItemOutcome } from "../runtime/invoke.ts";
import type { LoadedService } from "../runtime/loaded_service.ts";
import { JobInputError, type RecordChunk, type RecordFailure, type RecordResult } from "./chunk.ts";

/** Options for {@link runChunk}. */
export interface RunChunkOptions {
  /** Aborts the model calls. */
  signal?: AbortSignal;
}

/** A decode failure of a one-record item; "row 1, " / "row 1: " prefixes of one-row frames are dropped. */
function failure(error: unknown, oneRow: boolean): RecordFailure {
  const message = messageOf(error);
  return {
    ok: false,
    status: httpStatusOf(error),
    message: oneRow ? message.replace(/^row 1(, |: )/, "") : message,
  };
}

/**
 * Invokes `items`; when the call failed as a whole with a 5xx (a batch handler that threw), retries each item
 * alone, so that one bad item fails alone.
 */
async function invokeIsolated(
  service: LoadedService,
  api: string,
  items: unknown[],
  options: RunChunkOptions,
): Promise<ItemOutcome[]> {
  const outcomes = await service.invoke(api, items, options);
  if (items.length < 2) return outcomes;
  const first = outcomes[0];
  const wholesale = !first.ok && first.status >= 500 && first.wholeCall === true;
  if (!wholesale) return outcomes;
  const alone: ItemOutcome[] = [];
  for (const item of items) alone.push(...await service.invoke(api, [item], options));
  return alone;
}

/**
 * Runs the records of `chunk` through API `api` of `service` and returns one result per record, in order.
 * Never throws for record-level problems (bad input, a discarded row, a failing batch): those become
 * {@link RecordFailure}s; it throws only when `service` itself is unusable (closed, no such API) or a record
 * throws a {@link JobInputError} (an input no record can get past).
 *
 * @param service the loaded service
 * @param api the API's name
 * @param chunk the records
 * @param options abort signal
 * @returns one result per record of `chunk`
 *
 * @example
 * ```ts
 * import { runChunk } from "./run_chunk.ts";
 * import { valueChunk } from "./value_chunk.ts";
 * import { openBundle } from "../runtime/host_parts.ts";
 * const service = await openBundle("./iris-bundle");
 * const chunk = valueChunk({ values: [[5.1, 3.5, 1.4, 0.2]], rows: [0], position: 1, bytesRead: 0, rowRecords: true });
 * const results = await runChunk(service, "predict", chunk);
 * console.log(results.filter((r) => !r.ok).length, "failed");
 * ```
 */
export async function runChunk(
  service: LoadedService,
  api: string,
  chunk: RecordChunk,
  options: RunChunkOptions = {},
): Promise<RecordResult[]> {
  const adapter = service.api(api).input;
  const n = chunk.rows.length;
  const rowwise = adapter.rowwise === true;
  if (chunk.rowRecords && chunk.decodeAll !== undefined) {
    let item: unknown;
    try {
      item = await chunk.decodeAll(adapter);
    } catch {
      item = undefined; // decode record by record below, to name the bad records
    }
    if (item !== undefined && adapter.rows(item) === n) {
      const [outcome] = await service.invoke(api, [item], options);
      if (outcome.ok && Array.isArray(outcome.value) && outcome.value.length === n) {
        const values = outcome.value;
        const out = new Array<RecordResult>(n);
        for (let k = 0; k < n; k++) out[k] = { ok: true, value: values[k] };
        return out;
      }
    }
  }
  const results = new Array<RecordResult>(n);
  const items: unknown[] = [];
  const owners: number[] = [];
  for (let k = 0; k < n; k++) {
    try {
      const item = await chunk.decodeOne(adapter, k);
      if (chunk.rowRecords && rowwise && adapter.rows(item) !== 1) {
        results[k] = {
          ok: false,
          status: 400,
          message: `the record holds ${adapter.rows(item)} rows; give one row per record`,
        };
        continue;
      }
      items.push(item);
      owners.push(k);
    } catch (error) {
      if (error instanceof JobInputError) throw error;
      results[k] = failure(error, chunk.rowRecords);
    }
  }
  if (items.length > 0) {
    const outcomes = await invokeIsolated(service, api, items, options);
    outcomes.forEach((o, i) => {
      const k = owners[i];
      if (!o.ok) results[k] = { ok: false, status: o.status, message: o.message };
      else if (chunk.rowRecords && rowwise && Array.isArray(o.value)) {
        results[k] = { ok: true, value: o.value[0] };
      } else results[k] = { ok: true, value: o.value };
    });
  }
  return results;
}
