/**
 * Parquet output through hyparquet-writer (pure JavaScript): rows are buffered into row groups of
 * {@link ParquetSinkOptions.rowGroupSize} rows, each written as soon as it is full, and the footer at the end.
 * Columns: the kept columns, then the result's fields (an object's keys) or one `result` column; nested values
 * are stored as JSON text. A Parquet file cannot be continued from a byte offset, so `--resume` refuses it.
 *
 * @module
 */
import { type OptionNamer, sdkOptionName } from "../option_name.ts";
import { ByteWriter, ParquetWriter, schemaFromColumnData } from "hyparquet-writer";
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import { jsonRows, type ResultSink, type SinkChunk, type SinkOptions } from "./sink.ts";

/** Options for {@link ParquetSink}. */
export interface ParquetSinkOptions extends SinkOptions {
  /** Rows per row group (default 65536). */
  rowGroupSize?: number;
}

type Cell = string | number | boolean | null;

/** A JSON value as a Parquet cell: nested values as JSON text. */
function toCell(value: JsonValue | undefined): Cell {
  if (value === undefined || value === null) return null;
  if (typeof value === "object") return JSON.stringify(value);
  return value;
}

/**
 * Writes Parquet.
 *
 * @example
 * ```ts
 * import { ParquetSink } from "./parquet_sink.ts";
 * const sink = new ParquetSink({ keepColumns: [] });
 * const bytes = [sink.begin(), sink.write({ results: [{ ok: true, value: "a" }], kept: undefined }), sink.end()];
 * ```
 */
export class ParquetSink implements ResultSink {
  readonly resumable = false;
  readonly #options: SinkOptions;
  readonly #rowGroupSize: number;
  readonly #keep: readonly string[];
  readonly #optionName: OptionNamer;
  #names: string[] | undefined;
  #objects = false;
  #columns: Cell[][] = [];
  #bytes = new ByteWriter();
  #writer: ParquetWriter | undefined;

  /** Makes the sink. */
  constructor(options: ParquetSinkOptions) {
    this.#options = { ...options, keepColumns: [], inlineErrors: false };
    this.#keep = options.keepColumns;
    this.#optionName = options.optionName ?? sdkOptionName;
    this.#rowGroupSize = options.rowGroupSize ?? 65536;
  }

  /** Nothing: the file starts with the first row group. */
  begin(): Uint8Array {
    return new Uint8Array();
  }

  /** Buffers the rows; returns a row group's bytes when one is full. */
  write(chunk: SinkChunk): Uint8Array {
    const okKept = chunk.kept === undefined ? undefined : chunk.kept.filter((_, k) => chunk.results[k].ok);
    const values = jsonRows({ results: chunk.results, kept: undefined }, this.#options);
    if (values.length === 0) return new Uint8Array();
    if (this.#names === undefined) {
      const first = values[0];
      this.#objects = first !== null && typeof first === "object" && !Array.isArray(first);
      const fields = this.#objects ? Object.keys(first as Record<string, JsonValue>) : ["result"];
      this.#names = [...this.#keep, ...fields];
      this.#columns = this.#names.map(() => []);
    }
    const keep = this.#keep.length;
    const names = this.#names;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      for (let c = 0; c < keep; c++) this.#columns[c].push(toCell(okKept![i][c]));
      if (this.#objects && v !== null && typeof v === "object" && !Array.isArray(v)) {
        for (let c = keep; c < names.length; c++) this.#columns[c].push(toCell(v[names[c]]));
      } else {
        this.#columns[keep].push(toCell(v));
      }
    }
    return this.#columns[0].length >= this.#rowGroupSize ? this.#flush() : new Uint8Array();
  }

  /** The last row group and the footer. */
  end(): Uint8Array {
    if (this.#names === undefined) {
      this.#names = [...this.#keep, "result"];
      this.#columns = this.#names.map(() => []);
    }
    const head = this.#flush(true);
    this.#writer!.finish();
    const tail = this.#take();
    const out = new Uint8Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  }

  /** Nothing (not resumable). */
  state(): JsonValue {
    return null;
  }

  /** Nothing (not resumable). */
  restore(_state: JsonValue): void {}

  #flush(last = false): Uint8Array {
    const rows = this.#columns[0].length;
    const columnData = this.#names!.map((name, c) => ({ name, data: this.#columns[c] }));
    if (this.#writer === undefined) {
      const schema = schemaFromColumnData({
        columnData: rows > 0 ? columnData : columnData.map((c) => ({ ...c, data: [""] })),
      });
      this.#writer = new ParquetWriter({ writer: this.#bytes, schema });
    }
    if (rows > 0 || !last) {
      try {
        this.#writer.write({ columnData, rowGroupSize: Math.max(rows, 1) });
      } catch (error) {
        throw new ObentoError(
          "BAD_INPUT",
          `a Parquet row group cannot be written (${
            (error as Error).message
          }); results must keep one type per ` +
            `field; use ${this.#optionName("format")} jsonl for results whose fields vary`,
        );
      }
    }
    this.#columns = this.#names!.map(() => []);
    return this.#take();
  }

  #take(): Uint8Array {
    const bytes = this.#bytes.getBytes().slice();
    this.#bytes.index = 0;
    return bytes;
  }
}
