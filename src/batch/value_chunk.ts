/**
 * A chunk of JSON values: JSON lines, the elements of a JSON array, or the values a Deno program passes to
 * `runBatch`. A value that could not be parsed is kept as an {@link UnparsedRecord} and fails alone.
 *
 * @module
 */
import { BadInputError, oneLine } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import type { AnyInputAdapter, RecordChunk } from "./chunk.ts";

/** What a value chunk is made of. */
export interface ValueChunkInit {
  /** The records: parsed JSON values, or {@link UnparsedRecord}s. */
  values: unknown[];
  /** Their 0-based record numbers. */
  rows: number[];
  /** Records consumed after this chunk. */
  position: number;
  /** Input bytes read so far (0 when unknown). */
  bytesRead: number;
  /**
   * True when each value is one row for a rowwise adapter (a record object, a row list): the chunk is then
   * decoded as one list of rows first. False: each value is a whole request body.
   */
  rowRecords: boolean;
  /** Keys passed through but not given to the API (kept columns the adapter does not declare). */
  drop?: readonly string[];
}

/** A record whose text is not valid JSON (a truncated line, say). */
export class UnparsedRecord {
  /** Why it could not be parsed. */
  readonly message: string;
  /** Makes one. */
  constructor(message: string) {
    this.message = message;
  }
}

/** A record object without the keys in `drop` (other values as they are). */
function without(value: unknown, drop: readonly string[]): unknown {
  if (drop.length === 0 || value === null || typeof value !== "object" || Array.isArray(value)) return value;
  if (value instanceof UnparsedRecord) return value;
  const out: Record<string, unknown> = { ...value as Record<string, unknown> };
  for (const k of drop) delete out[k];
  return out;
}

/** Parses one JSON line; a bad line becomes an {@link UnparsedRecord} naming the line. */
export function parseJsonRecord(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return new UnparsedRecord(`${where} is not valid JSON: ${oneLine((error as Error).message)}`);
  }
}

/**
 * Makes the chunk.
 *
 * @example
 * ```ts
 * import { valueChunk } from "./value_chunk.ts";
 * const chunk = valueChunk({ values: [{ a: 1 }, { a: 2 }], rows: [0, 1], position: 2, bytesRead: 0, rowRecords: true });
 * ```
 */
export function valueChunk(init: ValueChunkInit): RecordChunk {
  const drop = init.drop ?? [];
  const values = drop.length === 0 ? init.values : init.values.map((v) => without(v, drop));
  const originals = init.values;
  return {
    rows: init.rows,
    position: init.position,
    bytesRead: init.bytesRead,
    rowRecords: init.rowRecords,
    decodeAll: init.rowRecords
      ? (adapter: AnyInputAdapter) => {
        if (values.some((v) => v instanceof UnparsedRecord)) return undefined;
        return adapter.fromJson(values);
      }
      : undefined,
    decodeOne(adapter: AnyInputAdapter, k: number): unknown {
      const v = values[k];
      if (v instanceof UnparsedRecord) throw new BadInputError(v.message);
      return adapter.fromJson(v);
    },
    columns(k: number, names: readonly string[]): JsonValue[] {
      const v = originals[k];
      const isRecord = v !== null && typeof v === "object" && !Array.isArray(v) &&
        !(v instanceof UnparsedRecord);
      return names.map((name) => {
        const cell = isRecord ? (v as Record<string, unknown>)[name] : undefined;
        return cell === undefined ? null : cell as JsonValue;
      });
    },
  };
}
