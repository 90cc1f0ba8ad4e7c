/**
 * `DataframeOutput`: the results of a frame's rows become a table again, written as JSON (records or values) or
 * as CSV. Each row's result may be an object (one column per key), a list (one column per position) or a single
 * value (one `result` column).
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { EncodedOutput, JsonSchema, JsonValue, OutputAdapter } from "../sdk/adapter.ts";
import { type CsvCell, formatCsv } from "./csv.ts";
import { Frame } from "./frame.ts";
import { toJsonValue } from "./json_value.ts";
import { preferredMediaType } from "./accept.ts";

/** Options for {@link DataframeOutput}. */
export interface DataframeOutputOptions {
  /** Body format when the caller's `Accept` does not ask for JSON or CSV (default `"json"`). */
  format?: "json" | "csv";
  /** JSON layout: a list of row objects (`"records"`, the default) or a list of row lists (`"values"`). */
  orient?: "records" | "values";
  /**
   * Column names. For object rows: which keys, in this order (default: the first row's keys, then keys first
   * seen in later rows). For list rows: a name per position (default `"0"`, `"1"`, …). For single values: one
   * name (default `"result"`).
   */
  columns?: readonly string[];
}

type RowKind = "object" | "list" | "value";

/** A result table: column names and one list of cells per row. */
interface Table {
  columns: string[];
  kind: RowKind;
  rows: JsonValue[];
}

const CSV_TYPE = "text/csv; charset=utf-8";
const JSON_TYPE = "application/json";

function kindOf(row: JsonValue): RowKind {
  if (Array.isArray(row)) return "list";
  if (row !== null && typeof row === "object") return "object";
  return "value";
}

const KIND_WORDS: Record<RowKind, string> = { object: "an object", list: "a list", value: "a single value" };

/** A JSON cell as a CSV field: null empty, lists and objects as JSON text. */
function csvCell(value: JsonValue | undefined): CsvCell {
  if (value === null || value === undefined || typeof value !== "object") return value;
  return JSON.stringify(value);
}

/**
 * Encodes a frame's row results as JSON or CSV.
 *
 * @example
 * ```ts
 * import { DataframeOutput } from "./dataframe_output.ts";
 * const out = new DataframeOutput({ format: "csv" });
 * console.log(out.encode([{ label: "setosa", p: 0.9 }, { label: "virginica", p: 0.7 }]).body);
 * // label,p\nsetosa,0.9\nvirginica,0.7\n
 * console.log(new DataframeOutput().encode([1, 2]).body); // [{"result":1},{"result":2}]
 * ```
 */
export class DataframeOutput implements OutputAdapter {
  /** Adapter name recorded in bento.yaml. */
  readonly type = "DataframeOutput";
  readonly #format: "json" | "csv";
  readonly #orient: "records" | "values";
  readonly #columns: readonly string[] | undefined;

  /**
   * Makes the adapter.
   *
   * @throws {ObentoError} BAD_SERVICE for an unknown format or orient.
   */
  constructor(options: DataframeOutputOptions = {}) {
    this.#format = options.format ?? "json";
    this.#orient = options.orient ?? "records";
    if (this.#format !== "json" && this.#format !== "csv") {
      throw new ObentoError(
        "BAD_SERVICE",
        `DataframeOutput format "${this.#format}" is unknown; use "json" or "csv"`,
      );
    }
    if (this.#orient !== "records" && this.#orient !== "values") {
      throw new ObentoError(
        "BAD_SERVICE",
        `DataframeOutput orient "${this.#orient}" is unknown; use "records" or "values"`,
      );
    }
    this.#columns = options.columns === undefined ? undefined : [...options.columns];
  }

  /** Settings recorded in bento.yaml: `format`, `orient`, and `columns` when given. */
  config(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = { format: this.#format, orient: this.#orient };
    if (this.#columns !== undefined) out.columns = [...this.#columns];
    return out;
  }

  /** The JSON-safe form of a result; a {@link Frame} becomes its records. */
  toJson(value: unknown): JsonValue {
    return toJsonValue(value instanceof Frame ? value.toRecords() : value);
  }

  /**
   * Encodes the results of one request: a list of row results (a non-list value is one row; a {@link Frame} is
   * its rows). The format is CSV or JSON as `accept` prefers (q-values count), else the configured one.
   *
   * @throws {ObentoError} BAD_SERVICE when rows are of different kinds or list rows differ in length.
   */
  encode(value: unknown, accept?: string): EncodedOutput {
    const json = this.toJson(value);
    const table = this.#table(Array.isArray(json) ? json : [json]);
    if (this.#formatFor(accept) === "csv") {
      const cells = table.rows.map((row) => this.#cells(table, row).map(csvCell));
      return {
        body: table.columns.length === 0 ? "" : formatCsv(table.columns, cells),
        contentType: CSV_TYPE,
      };
    }
    const rows = this.#orient === "values"
      ? table.rows.map((row) => this.#cells(table, row).map((c) => c ?? null))
      : table.rows.map((row) => this.#record(table, row));
    return { body: JSON.stringify(rows), contentType: JSON_TYPE };
  }

  /** The JSON Schema of a JSON response body (a string for CSV). */
  schema(): JsonSchema {
    if (this.#format === "csv") return { type: "string", contentMediaType: "text/csv" };
    if (this.#orient === "values") return { type: "array", items: { type: "array" } };
    const items: JsonSchema = { type: "object" };
    if (this.#columns !== undefined) {
      items.properties = Object.fromEntries(this.#columns.map((c) => [c, {}]));
      items.required = [...this.#columns];
    }
    return { type: "array", items };
  }

  /** The format `accept` prefers (q-values count), else the configured one. */
  #formatFor(accept: string | undefined): "json" | "csv" {
    const offered = this.#format === "csv" ? ["text/csv", JSON_TYPE] : [JSON_TYPE, "text/csv"];
    const media = preferredMediaType(accept, offered);
    return media === "text/csv" ? "csv" : media === JSON_TYPE ? "json" : this.#format;
  }

  /** Checks the rows are of one kind and finds the columns. */
  #table(rows: JsonValue[]): Table {
    const kind = rows.length === 0 ? "value" : kindOf(rows[0]);
    for (let r = 1; r < rows.length; r++) {
      const k = kindOf(rows[r]);
      if (k !== kind) {
        throw new ObentoError(
          "BAD_SERVICE",
          `row ${r + 1}'s result is ${KIND_WORDS[k]} but row 1's is ${KIND_WORDS[kind]}; ` +
            `return the same kind of result for every row`,
        );
      }
    }
    if (rows.length === 0) return { columns: this.#columns ? [...this.#columns] : [], kind, rows };
    if (kind === "value") return { columns: this.#columns ? [...this.#columns] : ["result"], kind, rows };
    if (kind === "list") {
      const width = (rows[0] as JsonValue[]).length;
      const columns = this.#columns ? [...this.#columns] : Array.from({ length: width }, (_, i) => String(i));
      for (let r = 0; r < rows.length; r++) {
        const n = (rows[r] as JsonValue[]).length;
        if (n !== columns.length) {
          throw new ObentoError(
            "BAD_SERVICE",
            `row ${r + 1}'s result has ${n} values but there are ${columns.length} columns ` +
              `(${columns.join(", ")}); return one value per column`,
          );
        }
      }
      return { columns, kind, rows };
    }
    if (this.#columns) return { columns: [...this.#columns], kind, rows };
    const seen = new Set<string>();
    for (const row of rows) for (const key of Object.keys(row as object)) seen.add(key);
    return { columns: [...seen], kind, rows };
  }

  /** One row's cells in column order (undefined for a key the row lacks). */
  #cells(table: Table, row: JsonValue): (JsonValue | undefined)[] {
    if (table.kind === "list") return row as JsonValue[];
    if (table.kind === "value") return [row];
    const obj = row as Record<string, JsonValue>;
    return table.columns.map((c) => (Object.hasOwn(obj, c) ? obj[c] : undefined));
  }

  /** One row as a JSON record: object rows as they are (or picked by `columns`), others by column name. */
  #record(table: Table, row: JsonValue): JsonValue {
    if (table.kind === "object" && this.#columns === undefined) return row;
    const cells = this.#cells(table, row);
    return Object.fromEntries(table.columns.map((c, i) => [c, cells[i] ?? null]));
  }
}
