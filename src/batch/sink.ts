/**
 * Output formats of a batch run. A {@link ResultSink} turns each chunk's results into the bytes to append to
 * the output, in order; its {@link ResultSink.state} is what a checkpoint must remember to continue the same
 * output after `--resume` (the CSV header, say).
 *
 * @module
 */
import type { OptionNamer } from "../option_name.ts";
import type { JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import type { RecordResult } from "./chunk.ts";

/** Output formats of `obento run`. */
export type OutputFormat = "json" | "jsonl" | "csv" | "parquet";

/** All output formats, for flag checks. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["json", "jsonl", "csv", "parquet"];

/** How results are written. */
export interface SinkOptions {
  /** Input columns passed through, first, in this order. */
  keepColumns: readonly string[];
  /**
   * Write failed records as `{"error", "status"}` rows (JSON and JSON lines only; default false: failures are
   * left out, and go to the errors file or stderr).
   */
  inlineErrors?: boolean;
  /** The input is one request body: JSON output is then its value alone, not a list. */
  single?: boolean;
  /** How messages name the job's options (`format`; src/option_name.ts). Default: as they are. */
  optionName?: OptionNamer;
}

/** One chunk's results, with the pass-through columns of each record when `--keep-columns` is set. */
export interface SinkChunk {
  /** One result per record, values already JSON-safe ({@link toJsonResults}). */
  results: readonly RecordResult[];
  /** Per record, the kept columns' values (same order as `keepColumns`), or undefined without any. */
  kept: readonly JsonValue[][] | undefined;
}

/** Encodes results in one format. */
export interface ResultSink {
  /** Whether a partial output can be continued after `--resume`. */
  readonly resumable: boolean;
  /** Bytes before the first chunk (a fresh output only). */
  begin(): Uint8Array;
  /** Bytes for one chunk. */
  write(chunk: SinkChunk): Uint8Array;
  /** Bytes after the last chunk. */
  end(): Uint8Array;
  /** What a checkpoint must keep to continue this output. */
  state(): JsonValue;
  /** Restores {@link ResultSink.state} after `--resume`. */
  restore(state: JsonValue): void;
}

/**
 * The results with every value in its JSON-safe form (`output.toJson`); a value that cannot be converted
 * fails its record. Strings, booleans, null and finite numbers from the default JsonOutput are already JSON.
 */
export function toJsonResults(results: readonly RecordResult[], output: OutputAdapter): RecordResult[] {
  const plain = output.type === "JsonOutput";
  const out = new Array<RecordResult>(results.length);
  for (let k = 0; k < results.length; k++) {
    const r = results[k];
    if (!r.ok) {
      out[k] = r;
      continue;
    }
    const v = r.value;
    if (plain && (typeof v === "string" || typeof v === "boolean" || v === null || Number.isFinite(v))) {
      out[k] = r;
      continue;
    }
    try {
      out[k] = { ok: true, value: output.toJson(v) };
    } catch (error) {
      out[k] = {
        ok: false,
        status: 500,
        message: `the result cannot be written as JSON: ${(error as Error).message}`,
      };
    }
  }
  return out;
}

/** Rows of one chunk as JSON objects or values (JSON and JSON lines), failed ones left out unless inline. */
export function jsonRows(chunk: SinkChunk, options: SinkOptions): JsonValue[] {
  const out: JsonValue[] = [];
  const { results, kept } = chunk;
  const keep = options.keepColumns;
  for (let k = 0; k < results.length; k++) {
    const r = results[k];
    let value: JsonValue;
    if (r.ok) value = r.value as JsonValue;
    else if (options.inlineErrors) value = { error: r.message, status: r.status };
    else continue;
    if (kept !== undefined && keep.length > 0) {
      const row: Record<string, JsonValue> = {};
      keep.forEach((name, i) => (row[name] = kept[k][i]));
      if (value !== null && typeof value === "object" && !Array.isArray(value)) Object.assign(row, value);
      else row.result = value;
      value = row;
    }
    out.push(value);
  }
  return out;
}
