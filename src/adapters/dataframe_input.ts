/**
 * `DataframeInput`: a request body that is JSON (records, columns or values orientation) or CSV becomes a
 * {@link Frame}; a batch API receives the frames of many requests concatenated, and answers one result per row.
 *
 * @module
 */
import { BadInputError, ObentoError, oneLine } from "../errors.ts";
import type { InputAdapter, JsonSchema, JsonValue } from "../sdk/adapter.ts";
import { parseCsv, parseNumericCsv } from "./csv.ts";
import { type Column, type ColumnType, Frame, isColumnType } from "./frame.ts";
import { nonJsonNumberHint } from "./number_coercion.ts";
import { CsvHeaderError } from "./csv_header_error.ts";
import { columnMismatch } from "./column_mismatch.ts";
import {
  type CellReading,
  cellSchema,
  convertColumn,
  describe,
  fromFloat64,
  inferCsvType,
  inferJsonType,
} from "./dataframe_cells.ts";

/**
 * How a JSON body lays out its table:
 * - `records`: a list of row objects, `[{"a": 1, "b": 2}, …]`;
 * - `columns`: an object of column lists, `{"a": [1, …], "b": [2, …]}` (pandas' `{"a": {"0": 1, …}}` works too);
 * - `values`: a list of row lists, `[[1, 2], …]`, in the declared column order;
 * - `auto`: whichever of these the body is, plus a single record object `{"a": 1, "b": 2}` as one row.
 */
export type DataframeOrient = "records" | "columns" | "values" | "auto";

const ORIENTS: readonly DataframeOrient[] = ["records", "columns", "values", "auto"];

/** Options for {@link DataframeInput}. */
export interface DataframeInputOptions {
  /**
   * The columns a request must have, exactly (a missing or an extra column is an error), in this order:
   * names with types (`{ sepal_length: "float32", species: "string" }`), or names only (types come from
   * `dtype` or are inferred). Default: none declared, so any columns, in the order the body gives them, with
   * inferred types.
   */
  columns?: Readonly<Record<string, ColumnType>> | readonly string[];
  /** The JSON orientation to accept (default `"auto"`). `values` needs declared `columns`. */
  orient?: DataframeOrient;
  /**
   * The type of every column without a declared type. Default: inferred per column: JSON numbers → `float64`,
   * booleans → `bool`, strings → `string` (one kind per column); a CSV column whose cells all parse as numbers →
   * `float64`, all `true`/`false` → `bool`, else `string`. `Frame.toTensor` converts float64 to float32.
   */
  dtype?: ColumnType;
  /**
   * Accept NaN in float32/float64 columns: a JSON `null` (how JSON writes NaN), a NaN number (Parquet, Deno
   * code), an empty CSV cell or the text `NaN`/`nan`. Default false: such a cell is refused (400 / exit 65), as
   * are ±Infinity and numbers the column's type cannot hold (1e39 in float32) whatever this option says.
   */
  allowNaN?: boolean;
}

/** The accepted content types. */
const JSON_TYPE = "application/json";
const CSV_TYPE = "text/csv";
/** A strict UTF-8 decoder; without `stream` it keeps no state between calls, so one serves every body. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** True for a non-null, non-list object. */
function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** True for a value that is one cell: not a list, not an object. */
function isScalar(value: unknown): boolean {
  return value === null || typeof value !== "object";
}

/** Names a list of columns for messages. */
function list(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(", ");
}

/**
 * Decodes JSON or CSV request bodies into {@link Frame}s; batches are the frames concatenated by rows.
 *
 * Rows in error messages count from 1 (for CSV, the first row after the header). A body with no rows is an error.
 * Numeric cells follow the rule every adapter shares (number_coercion.ts): finite numbers the column's type can
 * hold; NaN (unless `allowNaN`), ±Infinity, overflow (1e39 in float32), JSON strings ("5.1") and booleans are
 * refused, e.g. `row 3, column "sepal_width": 1e+39 is out of range for float32 (…)`. A misspelt column name
 * gets "did you mean"; a CSV header that is `;`- or tab-separated, or missing, is named as such.
 *
 * @example
 * ```ts
 * import { DataframeInput } from "./dataframe_input.ts";
 * const input = new DataframeInput({ columns: { sepal_length: "float32", species: "string" } });
 * const frame = input.fromJson([{ sepal_length: 5.1, species: "setosa" }]);
 * console.log(frame.length, frame.dtypes); // 1 { sepal_length: "float32", species: "string" }
 * const csv = new TextEncoder().encode("species,sepal_length\nvirginica,6.3\n");
 * console.log(input.fromBytes(csv, "text/csv; charset=utf-8").column("sepal_length")); // Float32Array [6.3]
 * ```
 */
export class DataframeInput implements InputAdapter<Frame, Frame> {
  /** Adapter name recorded in bento.yaml. */
  readonly type = "DataframeInput";
  /** Each row of a frame gets its own result. */
  readonly rowwise = true;
  /** Content types `fromBytes` accepts. */
  readonly contentTypes: readonly string[] = [JSON_TYPE, CSV_TYPE];
  readonly #options: DataframeInputOptions;
  readonly #orient: DataframeOrient;
  /** Declared column names, in order, or undefined when none are declared. */
  readonly #names: readonly string[] | undefined;
  /** Declared types (or `dtype`) by column; a missing entry means inferred. */
  readonly #types = new Map<string, ColumnType>();

  /**
   * Makes the adapter.
   *
   * @throws {ObentoError} BAD_SERVICE for an unknown orient or column type, a repeated column name, or
   * orient `values` without declared columns.
   */
  constructor(options: DataframeInputOptions = {}) {
    this.#options = options;
    this.#orient = options.orient ?? "auto";
    if (!ORIENTS.includes(this.#orient)) {
      throw new ObentoError(
        "BAD_SERVICE",
        `DataframeInput orient "${this.#orient}" is unknown; use ${list(ORIENTS)}`,
      );
    }
    if (options.dtype !== undefined && !isColumnType(options.dtype)) {
      throw new ObentoError("BAD_SERVICE", `DataframeInput dtype "${options.dtype}" is not a column type`);
    }
    const cols = options.columns;
    if (cols !== undefined) {
      const names = Array.isArray(cols) ? [...cols as readonly string[]] : Object.keys(cols);
      if (new Set(names).size !== names.length) {
        throw new ObentoError("BAD_SERVICE", `DataframeInput columns repeat a name: ${list(names)}`);
      }
      for (const name of names) {
        const declared = Array.isArray(cols) ? options.dtype : (cols as Record<string, ColumnType>)[name];
        if (declared !== undefined && !isColumnType(declared)) {
          throw new ObentoError(
            "BAD_SERVICE",
            `DataframeInput column "${name}" has type "${declared}"; use float32, float64, int32, int64, bool or string`,
          );
        }
        if (declared !== undefined) this.#types.set(name, declared);
      }
      this.#names = names;
    }
    if (this.#orient === "values" && this.#names === undefined) {
      throw new ObentoError(
        "BAD_SERVICE",
        `DataframeInput orient "values" needs declared columns, e.g. new DataframeInput({ orient: "values", ` +
          `columns: ["a", "b"] })`,
      );
    }
  }

  /** The settings recorded in bento.yaml: `orient`, and `columns`, `dtype` and `allowNaN` when given. */
  config(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = { orient: this.#orient };
    const cols = this.#options.columns;
    if (cols !== undefined) {
      out.columns = Array.isArray(cols)
        ? [...cols as readonly string[]]
        : { ...cols as Record<string, string> };
    }
    if (this.#options.dtype !== undefined) out.dtype = this.#options.dtype;
    if (this.#options.allowNaN === true) out.allowNaN = true;
    return out;
  }

  /**
   * Decodes a parsed JSON body in the configured orientation.
   *
   * @throws {BadInputError} for a body of another shape, missing or extra columns, bad cells (naming row and
   * column), or no rows.
   */
  fromJson(value: unknown): Frame {
    const orient = this.#orient === "auto" ? this.#detect(value) : this.#orient;
    switch (orient) {
      case "records":
        if (isObject(value) && this.#orient === "auto") return this.#fromRecords([value]);
        if (!Array.isArray(value)) {
          throw new BadInputError(
            `expected a list of records like [{"a": 1, "b": 2}], got ${describe(value)}`,
          );
        }
        return this.#fromRecords(value);
      case "columns":
        if (!isObject(value)) {
          throw new BadInputError(`expected an object of columns like {"a": [1, 2]}, got ${describe(value)}`);
        }
        return this.#fromColumnsObject(value);
      default:
        if (!Array.isArray(value)) {
          throw new BadInputError(`expected a list of rows like [[1, 2], [3, 4]], got ${describe(value)}`);
        }
        return this.#fromValues(value);
    }
  }

  /**
   * Decodes a body of content type `application/json` or `text/csv` (parameters such as `charset` are honoured).
   * A CSV body needs a header row.
   *
   * @throws {BadInputError} with status 415 for another content type or an unknown charset, and as
   * {@link DataframeInput.fromJson} does for bad content.
   */
  fromBytes(bytes: Uint8Array, contentType: string): Frame {
    let media: string;
    let decoder: TextDecoder;
    let charset = "utf-8";
    if (contentType === JSON_TYPE) {
      // The common case, without parsing parameters.
      media = JSON_TYPE;
      decoder = UTF8;
    } else {
      const [mediaType, ...params] = contentType.split(";");
      media = mediaType.trim().toLowerCase();
      if (media !== JSON_TYPE && media !== CSV_TYPE) {
        throw new BadInputError(
          `content type "${contentType}" is not accepted; send ${this.contentTypes.join(" or ")}`,
          { status: 415 },
        );
      }
      const charsetParam = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith("charset="));
      charset = charsetParam?.slice("charset=".length).replace(/^"|"$/g, "") ?? "utf-8";
      try {
        decoder = new TextDecoder(charset, { fatal: true });
      } catch {
        throw new BadInputError(`charset "${charset}" is not supported; send utf-8`, { status: 415 });
      }
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch (cause) {
      throw new BadInputError(`request body is not valid ${charset} text`, { cause });
    }
    if (media === CSV_TYPE) return this.#fromCsv(text);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new BadInputError(
        `request body is not valid JSON: ${oneLine((cause as Error).message)}${nonJsonNumberHint(text)}`,
        { cause },
      );
    }
    return this.fromJson(value);
  }

  /** The frame's row count: each row gets one result. */
  rows(frame: Frame): number {
    return frame.length;
  }

  /** The frames concatenated by rows (see {@link Frame.concat}). */
  merge(frames: readonly Frame[]): Frame {
    return Frame.concat(frames);
  }

  /**
   * The JSON Schema of a request body: the records orientation, the columns orientation, the values orientation
   * (when columns are declared) and a single record, as `oneOf` for orient `auto`, or just the configured one.
   */
  schema(): JsonSchema {
    const names = this.#names;
    const nan = this.#options.allowNaN === true;
    const props = (wrap: (cell: JsonSchema) => JsonSchema): JsonSchema =>
      names === undefined ? { additionalProperties: wrap(cellSchema(this.#options.dtype, nan)) } : {
        properties: Object.fromEntries(names.map((n) => [n, wrap(cellSchema(this.#types.get(n), nan))])),
        required: [...names],
        additionalProperties: false,
      };
    const record: JsonSchema = { type: "object", ...props((c) => c) };
    const records: JsonSchema = { title: "records", type: "array", minItems: 1, items: record };
    const columns: JsonSchema = {
      title: "columns",
      type: "object",
      minProperties: 1,
      ...props((c) => ({ type: "array", minItems: 1, items: c })),
    };
    const values: JsonSchema | undefined = names === undefined ? undefined : {
      title: "values",
      type: "array",
      minItems: 1,
      items: {
        type: "array",
        prefixItems: names.map((n) => cellSchema(this.#types.get(n), nan)),
        minItems: names.length,
        maxItems: names.length,
      },
    };
    switch (this.#orient) {
      case "records":
        return records;
      case "columns":
        return columns;
      case "values":
        return values!;
      default: {
        const single = { title: "record", minProperties: 1, ...record };
        return {
          oneOf: values === undefined ? [records, columns, single] : [records, columns, values, single],
        };
      }
    }
  }

  /** The orientation of a body under orient `auto`. */
  #detect(value: unknown): Exclude<DataframeOrient, "auto"> {
    if (Array.isArray(value)) {
      if (value.length === 0) throw new BadInputError("empty input: expected at least one row");
      if (Array.isArray(value[0])) {
        if (this.#names === undefined) {
          throw new BadInputError(
            `a list of row lists needs declared columns (new DataframeInput({ columns: [...] })); ` +
              `send records like [{"a": 1, "b": 2}] instead`,
          );
        }
        return "values";
      }
      if (isObject(value[0])) return "records";
      throw new BadInputError(
        `row 1 is ${describe(value[0])}; send records [{"a": 1}], columns {"a": [1]} or rows [[1]]`,
      );
    }
    if (isObject(value)) {
      const entries = Object.entries(value);
      if (entries.length === 0) throw new BadInputError("empty input: expected at least one row");
      const scalars = entries.filter(([, v]) => isScalar(v));
      if (scalars.length === entries.length) return "records";
      if (scalars.length === 0) return "columns";
      const [listName] = entries.find(([, v]) => !isScalar(v))!;
      throw new BadInputError(
        `the body mixes lists and single values: column "${listName}" is a list, column "${
          scalars[0][0]
        }" is ` +
          `${describe(scalars[0][1])}; send {"a": [1, 2]} (columns) or {"a": 1} (one record)`,
      );
    }
    throw new BadInputError(
      `expected records [{"a": 1}], columns {"a": [1]} or rows [[1]], got ${describe(value)}`,
    );
  }

  /**
   * The column names a body must have, checked against those it has; `where` prefixes messages, `csv` says
   * the names come from a CSV header (then a wrong separator or a missing header is named).
   */
  #checkNames(found: readonly string[], where: string, csv = false): readonly string[] {
    const names = this.#names;
    const Refusal = csv ? CsvHeaderError : BadInputError;
    if (names === undefined) {
      if (found.length === 0) throw new Refusal(`${where}has no columns; send at least one column`);
      return found;
    }
    if (found.length === names.length && names.every((n) => found.includes(n))) return names;
    throw new Refusal(`${where}${columnMismatch(names, found, { csv })}`);
  }

  /** Converts named cell columns to a frame, with declared types or inferred ones. */
  #build(names: readonly string[], cells: readonly (readonly unknown[])[], fromCsv: boolean): Frame {
    if (cells.length === 0 || cells[0].length === 0) {
      throw new BadInputError("empty input: expected at least one row");
    }
    const how: CellReading = { text: fromCsv, allowNaN: this.#options.allowNaN === true };
    const entries = names.map((name, c): [string, Column] => {
      const type = this.#types.get(name) ?? this.#options.dtype ??
        (fromCsv
          ? inferCsvType(cells[c] as string[], how.allowNaN)
          : inferJsonType(name, cells[c], how.allowNaN));
      return [name, convertColumn(name, cells[c], type, how)];
    });
    return Frame.fromColumns(Object.fromEntries(entries));
  }

  #fromRecords(rows: readonly unknown[]): Frame {
    if (rows.length === 0) throw new BadInputError("empty input: expected at least one row");
    const first = rows[0];
    if (!isObject(first)) {
      throw new BadInputError(`row 1 is ${describe(first)}; expected a record like {"a": 1}`);
    }
    const names = this.#checkNames(Object.keys(first), "row 1: ");
    const cells = names.map(() => new Array<unknown>(rows.length));
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      if (!isObject(row)) {
        throw new BadInputError(`row ${r + 1} is ${describe(row)}; expected a record like {"a": 1}`);
      }
      let count = 0;
      for (const _ in row) count++;
      let complete = count === names.length;
      for (let c = 0; c < names.length && complete; c++) {
        const name = names[c];
        complete = Object.hasOwn(row, name);
        cells[c][r] = row[name];
      }
      if (!complete) {
        const why = columnMismatch(names, Object.keys(row), { expectedLabel: "every row needs columns" });
        throw new BadInputError(`row ${r + 1}: ${why}`);
      }
    }
    return this.#build(names, cells, false);
  }

  #fromColumnsObject(body: Record<string, unknown>): Frame {
    const names = this.#checkNames(Object.keys(body), "");
    const cells = names.map((name) => {
      const col = body[name];
      if (Array.isArray(col)) return col;
      if (isObject(col)) return Object.values(col);
      throw new BadInputError(`column "${name}" is ${describe(col)}; expected a list of cells like [1, 2]`);
    });
    for (let c = 1; c < names.length; c++) {
      if (cells[c].length !== cells[0].length) {
        throw new BadInputError(
          `column "${names[c]}" has ${cells[c].length} cells, column "${names[0]}" has ${cells[0].length}; ` +
            `every column needs one cell per row`,
        );
      }
    }
    return this.#build(names, cells, false);
  }

  #fromValues(rows: readonly unknown[]): Frame {
    const names = this.#names!;
    if (rows.length === 0) throw new BadInputError("empty input: expected at least one row");
    const cells = names.map(() => new Array<unknown>(rows.length));
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      if (!Array.isArray(row) || row.length !== names.length) {
        const got = Array.isArray(row) ? `${row.length} cells` : describe(row);
        throw new BadInputError(
          `row ${r + 1} has ${got}; expected a list of ${names.length}: ${list(names)}`,
        );
      }
      for (let c = 0; c < names.length; c++) cells[c][r] = row[c];
    }
    return this.#build(names, cells, false);
  }

  /** True when a column of this name may be numeric, so the numeric CSV fast path is worth trying. */
  #mayBeNumeric(name: string): boolean {
    const type = this.#types.get(name) ?? this.#options.dtype;
    return type !== "string" && type !== "bool";
  }

  /**
   * The numeric CSV fast path ({@link parseNumericCsv}): a frame when every column is numeric and every cell
   * converts to its column's type, else undefined (the general path then decodes the text or names the error).
   */
  #fromNumericCsv(text: string): Frame | undefined {
    if (this.#names !== undefined && !this.#names.every((n) => this.#mayBeNumeric(n))) return undefined;
    if (this.#options.dtype === "string" || this.#options.dtype === "bool") return undefined;
    const parsed = parseNumericCsv(text);
    if (parsed === undefined || new Set(parsed.header).size !== parsed.header.length) return undefined;
    const names = this.#checkNames(parsed.header, "CSV header: ", true);
    const entries: [string, Column][] = [];
    for (const name of names) {
      const values = parsed.columns[parsed.header.indexOf(name)];
      const column = fromFloat64(values, this.#types.get(name) ?? this.#options.dtype ?? "float64");
      if (column === undefined) return undefined;
      entries.push([name, column]);
    }
    if (entries[0][1].length === 0) throw new BadInputError("empty input: expected at least one row");
    return Frame.fromColumns(Object.fromEntries(entries));
  }

  #fromCsv(text: string): Frame {
    const fast = this.#fromNumericCsv(text);
    if (fast !== undefined) return fast;
    const records = parseCsv(text);
    if (records.length === 0) {
      throw new BadInputError("empty input: expected a CSV header row and at least one row");
    }
    const header = records[0];
    const seen = new Set<string>();
    for (const name of header) {
      if (seen.has(name)) throw new CsvHeaderError(`CSV header names column "${name}" twice; rename one`);
      seen.add(name);
    }
    const names = this.#checkNames(header, "CSV header: ", true);
    const rows = records.length - 1;
    const cells = names.map((name) => {
      const c = header.indexOf(name);
      const col = new Array<string>(rows);
      for (let r = 0; r < rows; r++) col[r] = records[r + 1][c];
      return col;
    });
    return this.#build(names, cells, true);
  }
}
