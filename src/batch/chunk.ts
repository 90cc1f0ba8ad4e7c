/**
 * The unit of work of a batch run: a {@link RecordChunk} is up to `batchSize` consecutive input records (CSV
 * rows, JSON lines, array elements, files) that know how to decode themselves with an API's input adapter,
 * and a {@link RecordResult} is what one record became.
 *
 * @module
 */
import { BadInputError, type ObentoErrorOptions } from "../errors.ts";
import type { InputAdapter, JsonValue } from "../sdk/adapter.ts";

/**
 * An input problem that no record can get past (a CSV header the API does not accept, say): it stops the
 * whole run instead of failing every record alike.
 */
export class JobInputError extends BadInputError {
  /** Makes one; the message names the input and what to change. */
  constructor(message: string, options: ObentoErrorOptions = {}) {
    super(message, options);
    this.name = "JobInputError";
  }
}

/**
 * The input columns an adapter declares (DataframeInput's `columns`), or undefined when it takes any.
 * `--keep-columns` columns that are not declared are passed through but not given to the API.
 */
export function declaredColumns(adapter: AdapterShape): readonly string[] | undefined {
  const columns = adapter.config().columns;
  if (Array.isArray(columns)) return columns.filter((c): c is string => typeof c === "string");
  if (columns !== null && typeof columns === "object") return Object.keys(columns);
  return undefined;
}

/** Any input adapter, as a batch run sees it. */
export type AnyInputAdapter = InputAdapter<unknown, unknown>;

/**
 * Consecutive input records (in input order; with `--shard`, every N-th record) read by a source.
 *
 * A record is either a *row* (`rowRecords`: a CSV or Parquet row, a JSON array element, for a rowwise
 * adapter: its result is one row result) or a *body* (a JSON line, a file: its result is the item's value).
 */
export interface RecordChunk {
  /** The 0-based input record numbers of this chunk's records, ascending. */
  readonly rows: readonly number[];
  /** Input records consumed once this chunk is done (the next record's number); `--resume` skips as many. */
  readonly position: number;
  /** Input bytes read so far, for progress; 0 when unknown. */
  readonly bytesRead: number;
  /** True when each record is one row of a rowwise adapter, so its result is one row result. */
  readonly rowRecords: boolean;
  /**
   * Decodes every record into one rowwise item (the fast path), if this chunk has such a path. Throws like
   * the adapter when any record is bad; the runner then decodes the records one by one.
   */
  decodeAll?(adapter: AnyInputAdapter): unknown;
  /** Decodes record `k` (0-based within the chunk) alone; throws naming what is wrong with it. */
  decodeOne(adapter: AnyInputAdapter, k: number): unknown;
  /** The values of the named input columns of record `k` (`--keep-columns`); null where a record has none. */
  columns(k: number, names: readonly string[]): JsonValue[];
}

/** The parts of an input adapter that reading the input needs (a worker's adapter is described by these). */
export type AdapterShape = Pick<AnyInputAdapter, "rowwise" | "config">;

/** A record that went through: its API result (a row's result for row records). */
export interface RecordOk {
  /** Discriminant. */
  readonly ok: true;
  /** The result, as the API returned it (not yet converted to JSON). */
  readonly value: unknown;
}

/** A record that failed alone. */
export interface RecordFailure {
  /** Discriminant. */
  readonly ok: false;
  /** HTTP-style status: 4xx for bad input, 5xx for a failing service. */
  readonly status: number;
  /** What went wrong with this record. */
  readonly message: string;
}

/** What one record became. */
export type RecordResult = RecordOk | RecordFailure;
