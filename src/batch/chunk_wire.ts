/**
 * Chunks and their results as bytes, for `obento run`'s sandboxed worker: the CLI's thread reads the input
 * and writes the output, the worker runs the bundle's code on one chunk at a time (src/cli/run_sandboxed.ts).
 * A chunk travels as what its factory was given ({@link ChunkWire}) and is made again on the other side;
 * results travel after `toJsonResults`, so they are plain data. Both go through V8's structured-clone
 * serialisation (`node:v8`), which keeps what a parsed record can hold (Parquet's bytes and dates included).
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
import type { ChunkWire, RecordChunk, RecordResult } from "./chunk.ts";
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

/** Plain data as bytes (V8's structured-clone format). */
export function toBytes(value: unknown): Uint8Array {
  return new Uint8Array(serialize(value));
}

/** What {@link toBytes} wrote. */
export function fromBytes<T>(bytes: Uint8Array): T {
  return deserialize(bytes) as T;
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
  if (chunk.wire === undefined) {
    throw new ObentoError("INTERNAL", "this chunk cannot be sent to a worker: it has no wire form");
  }
  return toBytes(chunk.wire);
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

/** Results as bytes (they are plain data after `toJsonResults`). */
export function resultsToBytes(results: readonly RecordResult[]): Uint8Array {
  return toBytes(results);
}

/** What {@link resultsToBytes} wrote. */
export function resultsFromBytes(bytes: Uint8Array): RecordResult[] {
  return fromBytes<RecordResult[]>(bytes);
}
