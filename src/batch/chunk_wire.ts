/**
 * Chunks and their results as bytes, for `obento run`'s sandboxed worker when the CLI's thread reads the
 * input itself (stdin, which a new worker could not read again; other inputs are read in the worker,
 * src/batch/report_wire.ts): the worker runs the bundle's code on one chunk at a time (src/cli/run_sandboxed.ts).
 * A chunk travels as what its factory was given ({@link ChunkWire}) and is made again on the other side;
 * results travel after `toJsonResults`, so they are plain JSON. Both go as JSON text: CSV and file chunks and
 * results always (they are JSON-safe by construction), chunks of parsed records (JSON, JSON lines, Parquet)
 * when a check finds nothing JSON would change, else through V8's structured-clone serialisation (`node:v8`),
 * which keeps what a parsed record can hold (Parquet's bytes).
 * JSON first because it is several times cheaper for many small objects: cloning 4096 `{ ok, value }`
 * results took 15–19 ms in Deno 2.9.6 against 4 ms for JSON, and results as columns (below) less still; at
 * 244 chunks per million rows that was most of `obento run`'s time (docs/batch.md).
 *
 * The worker's items ride the model worker protocol (src/runtime/worker_pool.ts) as request bodies of two
 * content types: {@link CHUNK_TYPE} (a chunk: answered with its results) and {@link DESCRIBE_TYPE} (answered
 * with what the host needs to read the input for the API: {@link ApiDescription}).
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import type { RecordChunk, RecordResult } from "./chunk.ts";
import type { ChunkWire } from "./chunk_init.ts";
import { csvChunk } from "./csv_chunk.ts";
import { fileChunk } from "./file_chunk.ts";
import { UnparsedRecord, valueChunk } from "./value_chunk.ts";

/** The content type of an item that holds one chunk. */
export const CHUNK_TYPE = "application/vnd.obento.chunk";

/** The content type of an item that asks what the API's input adapter is. */
export const DESCRIBE_TYPE = "application/vnd.obento.describe";

/** What reading the input for an API needs to know about its adapter, and the service's identity. */
export interface ApiDescription {
  /** The service's bundle name. */
  name: string;
  /** The bundle's version. */
  version: string;
  /** Whether the input adapter is rowwise. */
  rowwise: boolean;
  /** Its config (`adapter.config()`), for the columns it declares. */
  config: Record<string, JsonValue>;
}

const JSON_TAG = 0x4a; // "J"
const V8_TAG = 0x56; // "V"
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Marks a value JSON would change (so the structured-clone form is used instead). */
class NotJson extends Error {}

/** JSON.stringify that throws {@link NotJson} for anything JSON.parse would not give back as it was. */
function strictJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key]; // before toJSON (a Date would arrive as a string)
    if (raw !== v) throw new NotJson();
    switch (typeof v) {
      case "string":
      case "boolean":
        return v;
      case "number":
        if (!Number.isFinite(v) || Object.is(v, -0)) throw new NotJson();
        return v;
      case "object":
        if (v === null || Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype) return v;
        throw new NotJson();
      default:
        throw new NotJson();
    }
  });
}

/**
 * Plain data as bytes: JSON text where JSON gives the same value back, else V8's structured-clone format.
 *
 * @example
 * ```ts
 * import { fromBytes, toBytes } from "./chunk_wire.ts";
 * console.log(fromBytes(toBytes({ a: [1, "x"] })), fromBytes(toBytes(new Uint8Array([1]))));
 * ```
 */
export function toBytes(value: unknown): Uint8Array {
  let text: string;
  try {
    text = strictJson(value);
  } catch (error) {
    if (!(error instanceof NotJson)) throw error;
    const v8 = serialize(value);
    const out = new Uint8Array(v8.length + 1);
    out[0] = V8_TAG;
    out.set(v8, 1);
    return out;
  }
  return jsonBytes(text);
}

/** JSON text as tagged bytes, for what is plain JSON by construction. */
function jsonBytes(text: string): Uint8Array {
  const json = encoder.encode(text);
  const out = new Uint8Array(json.length + 1);
  out[0] = JSON_TAG;
  out.set(json, 1);
  return out;
}

/** What {@link toBytes} wrote. */
export function fromBytes<T>(bytes: Uint8Array): T {
  const body = bytes.subarray(1);
  if (bytes[0] === JSON_TAG) return JSON.parse(decoder.decode(body)) as T;
  if (bytes[0] === V8_TAG) return deserialize(body) as T;
  throw new ObentoError("INTERNAL", `not a chunk or results message (tag ${bytes[0]})`);
}

/**
 * The chunk as bytes.
 *
 * @throws {ObentoError} INTERNAL for a chunk without a {@link ChunkWire} (one a program made by hand)
 *
 * @example
 * ```ts
 * import { chunkFromBytes, chunkToBytes } from "./chunk_wire.ts";
 * import { valueChunk } from "./value_chunk.ts";
 * const chunk = valueChunk({ values: [{ a: 1 }], rows: [0], position: 1, bytesRead: 0, rowRecords: true });
 * console.log(chunkFromBytes(chunkToBytes(chunk)).rows); // [0]
 * ```
 */
export function chunkToBytes(chunk: RecordChunk): Uint8Array {
  const wire = chunk.wire;
  if (wire === undefined) {
    throw new ObentoError("INTERNAL", "this chunk cannot be sent to a worker: it has no wire form");
  }
  // CSV and file chunks hold strings and whole numbers only; records parsed from JSON or Parquet are checked.
  return wire.kind === "values" ? toBytes(wire) : jsonBytes(JSON.stringify(wire));
}

/** The chunk {@link chunkToBytes} described, made again. */
export function chunkFromBytes(bytes: Uint8Array): RecordChunk {
  return chunkFromWire(fromBytes<ChunkWire>(bytes));
}

/** Makes the chunk a {@link ChunkWire} describes. */
export function chunkFromWire(wire: ChunkWire): RecordChunk {
  switch (wire.kind) {
    case "csv":
      return csvChunk(wire.init);
    case "files":
      return fileChunk(wire.init);
    case "values": {
      const values = [...wire.init.values];
      for (const [k, message] of wire.unparsed) values[k] = new UnparsedRecord(message);
      return valueChunk({ ...wire.init, values });
    }
  }
}

/** Results as columns: the values (null where a record failed) and the failures, `[index, status, message]`. */
interface ResultColumns {
  values: unknown[];
  failures: [number, number, string][];
}

/**
 * Results as bytes (plain data after `toJsonResults`), as columns: one list of values is much cheaper to
 * parse than a list of `{ ok, value }` objects.
 *
 * @example
 * ```ts
 * import { resultsFromBytes, resultsToBytes } from "./chunk_wire.ts";
 * const bytes = resultsToBytes([{ ok: true, value: "setosa" }, { ok: false, status: 400, message: "bad" }]);
 * console.log(resultsFromBytes(bytes)); // [{ ok: true, value: "setosa" }, { ok: false, status: 400, message: "bad" }]
 * ```
 */
export function resultsToBytes(results: readonly RecordResult[]): Uint8Array {
  const columns: ResultColumns = { values: new Array(results.length), failures: [] };
  for (let k = 0; k < results.length; k++) {
    const r = results[k];
    if (r.ok) columns.values[k] = r.value;
    else {
      columns.values[k] = null;
      columns.failures.push([k, r.status, r.message]);
    }
  }
  return jsonBytes(JSON.stringify(columns)); // JSON-safe: toJsonResults made them so
}

/** What {@link resultsToBytes} wrote. */
export function resultsFromBytes(bytes: Uint8Array): RecordResult[] {
  const { values, failures } = fromBytes<ResultColumns>(bytes);
  const results = new Array<RecordResult>(values.length);
  for (let k = 0; k < values.length; k++) results[k] = { ok: true, value: values[k] };
  for (const [k, status, message] of failures) results[k] = { ok: false, status, message };
  return results;
}
