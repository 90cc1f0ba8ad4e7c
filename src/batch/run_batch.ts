/**
 * Batch runs for Deno programs: {@link runBatch} takes an (async) iterable of records and yields one
 * {@link BatchRow} per record, in input order, with flat memory; {@link runChunks} is the same over chunks that
 * a file source reads (what `obento run` uses).
 *
 * @module
 */
import { BATCH_DEFAULTS } from "../defaults.ts";
import type { LoadedService } from "../runtime/loaded_service.ts";
import type { RecordChunk, RecordResult } from "./chunk.ts";
import { mapOrdered } from "./ordered_map.ts";
import { runChunk } from "./run_chunk.ts";
import { valueChunk } from "./value_chunk.ts";

/** Options for {@link runChunks} and {@link runBatch}. */
export interface RunBatchOptions {
  /**
   * Records per model call (default 4096, `BATCH_DEFAULTS.batchSize`). For a rowwise API (DataframeInput, TensorInput) a chunk of records
   * becomes one frame or tensor.
   */
  batchSize?: number;
  /**
   * Chunks in flight at once (default 1). Model work runs on one thread in this process, so more only helps
   * when decoding waits on I/O (reading image files, say); results still come out in input order.
   */
  concurrency?: number;
  /** Aborts the run: no new chunk starts, and model calls see the signal. */
  signal?: AbortSignal;
}

/** A chunk and what its records became. */
export interface ChunkResults {
  /** The chunk. */
  chunk: RecordChunk;
  /** One result per record. */
  results: RecordResult[];
}

/**
 * Runs chunks through an API, up to `concurrency` at once, yielding their results in input order.
 *
 * @param service the loaded service
 * @param api the API's name
 * @param chunks the input, in chunks
 * @param options concurrency and abort signal
 * @returns each chunk with its results
 * @throws {ObentoError} NOT_FOUND when the API does not exist; the signal's reason when aborted
 *
 * @example
 * ```ts
 * import { openBundle } from "../runtime/host_parts.ts";
 * import { openSource } from "./source.ts";
 * import { runChunks } from "./run_batch.ts";
 * const service = await openBundle("./iris-bundle");
 * const source = await openSource({ path: "rows.csv" }, Deno.cwd());
 * const chunks = source.chunks({ adapter: service.api("predict").input, batchSize: 1024, keepColumns: [] });
 * for await (const { chunk, results } of runChunks(service, "predict", chunks)) console.log(chunk.position, results.length);
 * ```
 */
export function runChunks(
  service: LoadedService,
  api: string,
  chunks: AsyncIterable<RecordChunk> | Iterable<RecordChunk>,
  options: RunBatchOptions = {},
): AsyncIterable<ChunkResults> {
  service.api(api); // fail early for an unknown API
  const { signal } = options;
  return mapOrdered(chunks, async (chunk) => {
    signal?.throwIfAborted();
    return { chunk, results: await runChunk(service, api, chunk, { signal }) };
  }, { concurrency: options.concurrency });
}

/** One record's outcome in {@link runBatch}. */
export type BatchRow =
  | {
    /** The record's 0-based position in the input. */
    readonly row: number;
    /** It went through. */
    readonly ok: true;
    /** The API's result: for a rowwise API the row's result, else the item's. */
    readonly value: unknown;
  }
  | {
    /** The record's 0-based position in the input. */
    readonly row: number;
    /** It failed, alone. */
    readonly ok: false;
    /** HTTP-style status: 4xx bad input, 5xx failing service. */
    readonly status: number;
    /** What went wrong. */
    readonly error: string;
  };

async function* valueChunks(
  records: AsyncIterable<unknown> | Iterable<unknown>,
  batchSize: number,
  rowRecords: boolean,
): AsyncGenerator<RecordChunk> {
  let values: unknown[] = [];
  let rows: number[] = [];
  let n = 0;
  for await (const record of records) {
    values.push(record);
    rows.push(n++);
    if (values.length >= batchSize) {
      yield valueChunk({ values, rows, position: n, bytesRead: 0, rowRecords });
      values = [];
      rows = [];
    }
  }
  if (values.length > 0) yield valueChunk({ values, rows, position: n, bytesRead: 0, rowRecords });
}

/**
 * Runs every record of `records` through API `api` of `service`: records are read `batchSize` at a time, run
 * with `concurrency` chunks in flight, and yielded in input order, one {@link BatchRow} per record; a bad
 * record fails alone. For a rowwise API each record is one row (a record object `{"a": 1}` or a row list for
 * DataframeInput, a row for TensorInput); for other APIs each record is one request body.
 *
 * @param service the loaded service
 * @param api the API's name
 * @param records the input records, as JSON values
 * @param options batch size, concurrency, abort signal
 * @returns one row per record, in order
 *
 * @example
 * ```ts
 * import { load, runBatch } from "obento";
 * const svc = await load("./iris-bundle");
 * async function* rows() {
 *   yield { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
 *   yield { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 };
 * }
 * for await (const r of runBatch(svc, "predict", rows(), { batchSize: 4096 })) {
 *   console.log(r.row, r.ok ? r.value : r.error); // 0 setosa, 1 virginica
 * }
 * await svc.close();
 * ```
 */
export async function* runBatch(
  service: LoadedService,
  api: string,
  records: AsyncIterable<unknown> | Iterable<unknown>,
  options: RunBatchOptions = {},
): AsyncGenerator<BatchRow> {
  const rowRecords = service.api(api).input.rowwise === true;
  const chunks = valueChunks(records, Math.max(1, options.batchSize ?? BATCH_DEFAULTS.batchSize), rowRecords);
  for await (const { chunk, results } of runChunks(service, api, chunks, options)) {
    for (let k = 0; k < results.length; k++) {
      const r = results[k];
      const row = chunk.rows[k];
      yield r.ok ? { row, ok: true, value: r.value } : { row, ok: false, status: r.status, error: r.message };
    }
  }
}
