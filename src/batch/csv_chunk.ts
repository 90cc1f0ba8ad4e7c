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
import { parseCsv } from "../adapters/csv.ts";
import type { AnyInputAdapter, RecordChunk } from "./chunk.ts";

/** What a CSV chunk is made of. */
export interface CsvChunkInit {
  /** The header line as it is in the file. */
  header: string;
  /** The header's column names. */
  names: readonly string[];
  /** The rows' text, line ends removed. */
  records: string[];
  /** Their 0-based record numbers. */
  rows: number[];
  /** Records consumed after this chunk. */
  position: number;
  /** Input bytes read so far. */
  bytesRead: number;
  /** Whether the adapter is rowwise (then a row's result is one row result). */
  rowwise: boolean;
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
 * ```ts ignore
 * import { csvChunk } from "./csv_chunk.ts";
 * const chunk = csvChunk({ header: "a,b", names: ["a", "b"], records: ["1,2"], rows: [0], position: 1, bytesRead: 8, rowwise: true });
 * ```
 */
export function csvChunk(init: CsvChunkInit): RecordChunk {
  const { header, names, records } = init;
  let fields: (string[] | Error)[] | undefined;
  const fieldsOf = (k: number): string[] => {
    fields ??= new Array(records.length);
    let f = fields[k];
    if (f === undefined) {
      try {
        f = parseCsv(records[k])[0] ?? [""];
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
      return adapter.fromBytes(encoder.encode(header + "\n" + records.join("\n") + "\n"), CSV_TYPE);
    },
    decodeOne(adapter: AnyInputAdapter, k: number): unknown {
      const f = fieldsOf(k);
      if (readsCsv(adapter)) {
        return adapter.fromBytes(encoder.encode(header + "\n" + records[k] + "\n"), CSV_TYPE);
      }
      return adapter.fromJson(Object.fromEntries(names.map((name, i) => [name, f[i]])));
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
