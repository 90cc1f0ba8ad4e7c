/**
 * A chunk of CSV rows. For a rowwise adapter that reads CSV (DataframeInput), the whole chunk is decoded as
 * one CSV body (`header` + rows), which takes the adapter's numeric fast path; a row is decoded alone, as
 * `header` + that row, only when the chunk fails. For other adapters each row becomes a record object of
 * strings keyed by the header and goes through `fromJson`.
 *
 * @module
 */
import { BadInputError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import { formatCsv, parseCsv } from "../adapters/csv.ts";
import { CsvHeaderError } from "../adapters/csv_header_error.ts";
import { type AnyInputAdapter, JobInputError, type RecordChunk } from "./chunk.ts";
import { splitRecords } from "./text_batches.ts";

/** What a CSV chunk is made of. */
export interface CsvChunkInit {
  /** The header line as it is in the file. */
  header: string;
  /** The header's column names. */
  names: readonly string[];
  /** The rows' text, separated by line ends. */
  text: string;
  /** Their 0-based record numbers. */
  rows: number[];
  /** Records consumed after this chunk. */
  position: number;
  /** Input bytes read so far. */
  bytesRead: number;
  /** Whether the adapter is rowwise (then a row's result is one row result). */
  rowwise: boolean;
  /** Columns passed through but not given to the API (kept columns the adapter does not declare). */
  drop?: readonly string[];
  /** The input's name, for a header error. */
  source?: string;
}

/** `fields` without the positions in `drop`, as a CSV record. */
function withoutFields(fields: readonly string[], drop: ReadonlySet<number>): string {
  return formatCsv(["x"], [fields.filter((_, i) => !drop.has(i))]).slice(2, -1);
}

const CSV_TYPE = "text/csv";
const encoder = new TextEncoder();

/** True when the adapter decodes CSV bodies itself. */
function readsCsv(adapter: AnyInputAdapter): boolean {
  return adapter.contentTypes.includes(CSV_TYPE);
}

/**
 * Makes the chunk.
 *
 * @example
 * ```ts
 * import { csvChunk } from "./csv_chunk.ts";
 * const chunk = csvChunk({ header: "a,b", names: ["a", "b"], text: "1,2", rows: [0], position: 1, bytesRead: 8, rowwise: true });
 * ```
 */
export function csvChunk(init: CsvChunkInit): RecordChunk {
  const { names, text } = init;
  const dropAt = new Set((init.drop ?? []).map((c) => names.indexOf(c)).filter((i) => i >= 0));
  const header = dropAt.size === 0 ? init.header : withoutFields(names, dropAt);
  const inputNames = names.filter((_, i) => !dropAt.has(i));
  /** The chunk's rows as given to the API: the kept-only columns cut out; throws on a ragged row. */
  const body = (): string => {
    if (dropAt.size === 0) return text;
    return splitRecords(text, true).map((_, k) => withoutFields(fieldsOf(k), dropAt)).join("\n");
  };
  const headerError = (error: unknown): unknown =>
    error instanceof CsvHeaderError
      ? new JobInputError(
        `${init.source ?? "the input"}: ${error.message}; pass the API's columns (extra columns can go to ` +
          "keepColumns)",
        { option: "keepColumns" },
      )
      : error;
  let split: string[] | undefined;
  const record = (k: number): string => (split ??= splitRecords(text, true))[k];
  let fields: (string[] | Error)[] | undefined;
  const fieldsOf = (k: number): string[] => {
    fields ??= new Array(init.rows.length);
    let f = fields[k];
    if (f === undefined) {
      try {
        f = parseCsv(record(k))[0] ?? [""];
        if (f.length !== names.length) {
          f = new BadInputError(
            `has ${f.length} fields, the header has ${names.length}; quote fields that contain commas`,
          );
        }
      } catch (error) {
        f = error as Error;
      }
      fields[k] = f;
    }
    if (f instanceof Error) throw f;
    return f;
  };
  return {
    rows: init.rows,
    position: init.position,
    bytesRead: init.bytesRead,
    rowRecords: init.rowwise,
    decodeAll(adapter: AnyInputAdapter): unknown {
      if (!readsCsv(adapter)) return undefined;
      return adapter.fromBytes(encoder.encode(header + "\n" + body() + "\n"), CSV_TYPE);
    },
    decodeOne(adapter: AnyInputAdapter, k: number): unknown {
      const f = fieldsOf(k);
      try {
        if (readsCsv(adapter)) {
          const row = dropAt.size === 0 ? record(k) : withoutFields(f, dropAt);
          return adapter.fromBytes(encoder.encode(header + "\n" + row + "\n"), CSV_TYPE);
        }
        return adapter.fromJson(Object.fromEntries(inputNames.map((name) => [name, f[names.indexOf(name)]])));
      } catch (error) {
        throw headerError(error);
      }
    },
    columns(k: number, wanted: readonly string[]): JsonValue[] {
      let f: string[] | undefined;
      try {
        f = fieldsOf(k);
      } catch {
        f = undefined;
      }
      return wanted.map((name) => f?.[names.indexOf(name)] ?? null);
    },
  };
}
