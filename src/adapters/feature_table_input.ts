/**
 * The input adapter of a zero-code bundle whose model takes one 2-D numeric input `[N, F]`: a table whose
 * columns are the model's features (CSV, JSON records, a JSON object of columns, and so Parquet and JSON lines
 * in `obento run`) becomes the model's input tensor, one row per table row. The named-tensors form of
 * {@link OnnxFeedsInput} (`{"input": [[…]]}` or a bare nested array) keeps working beside it.
 *
 * The table is decoded by {@link DataframeInput}; this adapter only picks the feature columns and turns them
 * into the tensor.
 *
 * @module
 */
import { BadInputError, ObentoError } from "../errors.ts";
import type { InputAdapter, JsonSchema, JsonValue } from "../sdk/adapter.ts";
import { modelDim, type Tensor, type TensorInfo } from "../sdk/tensor.ts";
import { DataframeInput } from "./dataframe_input.ts";
import type { Frame, FrameTensorType } from "./frame.ts";
import { isJsonContentType, parseJsonBytes } from "./json_input.ts";
import { mediaTypeOf, unsupportedMediaType } from "./multipart.ts";
import { toJsonValue } from "./json_value.ts";
import { type Feeds, OnnxFeedsInput } from "./onnx_feeds_input.ts";
import { splitRows } from "./tensor_rows.ts";
import { CsvHeaderError } from "./csv_header_error.ts";

/** Options for {@link FeatureTableInput}. */
export interface FeatureTableInputOptions {
  /** The model's inputs, as the ONNX artifact reports them: exactly one, 2-D, numeric, with dynamic rows. */
  inputs: readonly TensorInfo[];
  /**
   * The feature columns by name, in the model's feature order; a table may have other columns too, which are
   * ignored. Default: none named, so a table's columns are the features in the order it gives them.
   */
  columns?: readonly string[];
}

/** One decoded request: the model's feeds, and whether they came from a table. */
export interface FeatureRows {
  /** One tensor per model input (here: the one input), rows along the first dim. */
  readonly feeds: Feeds;
  /** True when the request was a table (CSV, records, columns): each of its rows is then answered by a record. */
  readonly table: boolean;
}

/** What a batch API with a {@link FeatureTableInput} receives: every request's rows as one set of feeds. */
export interface FeatureBatch {
  /** The rows of every request, in order, concatenated along the first dim. */
  readonly feeds: Feeds;
  /** Per row of `feeds`: true when it came from a table. */
  readonly tableRows: readonly boolean[];
}

const TABLE_TYPES: readonly string[] = ["float32", "float64", "int32", "int64"];
const CSV_TYPE = "text/csv";

/** A fixed dim's size, or null for a dynamic one. */
function fixed(dim: number | string | null | undefined): number | null {
  return typeof dim === "number" ? modelDim(dim) as number | null : null;
}

/**
 * Why a model's inputs cannot take a table of features, or undefined when they can: the model needs exactly
 * one input, of rank 2, of type float32, float64, int32 or int64, whose first (row) dim is dynamic.
 *
 * @example
 * ```ts
 * import { featureTableProblem } from "./feature_table_input.ts";
 * console.log(featureTableProblem([{ name: "input", type: "float32", shape: ["N", 4] }])); // undefined
 * console.log(featureTableProblem([{ name: "ids", type: "string", shape: ["N", 2] }]));
 * // input "ids" holds string, not float32, float64, int32 or int64
 * ```
 */
export function featureTableProblem(inputs: readonly TensorInfo[]): string | undefined {
  if (inputs.length !== 1) {
    return `the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(", ")}), not one`;
  }
  const [info] = inputs;
  if (!TABLE_TYPES.includes(info.type)) {
    return `input "${info.name}" holds ${info.type}, not float32, float64, int32 or int64`;
  }
  const shape = info.shape;
  if (shape === undefined || shape.length !== 2) {
    return `input "${info.name}" has ${
      shape === undefined ? "no declared shape" : `rank ${shape.length}`
    }, ` +
      `not rank 2 [rows, features]`;
  }
  if (fixed(shape[0]) !== null) {
    return `input "${info.name}" has a fixed first dim (${shape[0]}), so it cannot take a table's rows`;
  }
  return undefined;
}

/**
 * One result per row of `batch` from the model's outputs for it: a table row gets a record of plain values
 * (`{ label: 0, probabilities: [0.9, 0.1] }`), a row of the named-tensors form gets its tensors (which
 * `TensorRowsOutput` answers as an object keyed by output name, as before).
 *
 * @example
 * ```ts
 * import { featureRowResults } from "./feature_table_input.ts";
 * const outputs = { label: { type: "int64", dims: [2], data: new BigInt64Array([2n, 0n]) } } as const;
 * const results = featureRowResults(outputs, { feeds: {}, tableRows: [true, false] });
 * console.log(results[0], results[1]); // { label: 2 } { label: { type: "int64", dims: [], data: BigInt64Array [0n] } }
 * ```
 */
export function featureRowResults(outputs: Readonly<Record<string, Tensor>>, batch: FeatureBatch): unknown[] {
  const rows: unknown[] = splitRows(outputs, batch.tableRows.length);
  for (let i = 0; i < rows.length; i++) if (batch.tableRows[i]) rows[i] = toJsonValue(rows[i]);
  return rows;
}

/** True for a non-null, non-list object. */
function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A record or columns object cut down to `names` (absent ones stay absent, so the decoder names them). */
function pick(value: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) if (Object.hasOwn(value, name)) out[name] = value[name];
  return out;
}

/**
 * Decodes a table of features, or the model's named tensors, into the model's feeds.
 *
 * A JSON list of records, a single record or an object of columns is a table; any other JSON (a nested array,
 * or an object keyed by the input's name) is the named-tensors form of {@link OnnxFeedsInput}. A CSV body
 * (with a header row) is always a table. Requests of both forms batch together; {@link featureRowResults}
 * answers each table row with a record and each tensors-form row with its tensors.
 *
 * @example
 * ```ts
 * import { FeatureTableInput } from "./feature_table_input.ts";
 * const input = new FeatureTableInput({
 *   inputs: [{ name: "input", type: "float32", shape: ["N", 2] }],
 *   columns: ["width", "height"],
 * });
 * const { feeds, table } = input.fromJson([{ id: 7, height: 2, width: 1 }]);
 * console.log(feeds.input.dims, feeds.input.data, table); // [1, 2] Float32Array [1, 2] true
 * const csv = new TextEncoder().encode("height,width\n4,3\n");
 * console.log(input.fromBytes(csv, "text/csv").feeds.input.data); // Float32Array [3, 4]
 * console.log(input.fromJson({ input: [[5, 6]] })); // { feeds: { input: … [5, 6] }, table: false }
 * ```
 */
export class FeatureTableInput implements InputAdapter<FeatureRows, FeatureBatch> {
  /** Adapter name recorded in bento.yaml. */
  readonly type = "FeatureTableInput";
  /** Each table row is one model row and gets one result. */
  readonly rowwise = true;
  /** Accepted content types. */
  readonly contentTypes: readonly string[] = ["application/json", CSV_TYPE];
  readonly #info: TensorInfo;
  readonly #dtype: FrameTensorType;
  /** The number of features when the model fixes it. */
  readonly #features: number | null;
  readonly #columns: readonly string[] | undefined;
  readonly #feeds: OnnxFeedsInput;
  /** Decodes a table's cells to the model's type: every column (no names), or the named columns. */
  readonly #strict: DataframeInput;
  /** Decodes a CSV table with names: any columns, the feature columns picked afterwards. */
  readonly #loose = new DataframeInput();

  /**
   * Makes the adapter.
   *
   * @throws {ObentoError} BAD_SERVICE when the model's inputs cannot take a table (see
   * {@link featureTableProblem}), or `columns` repeat a name or do not match the model's feature count
   */
  constructor(options: FeatureTableInputOptions) {
    const problem = featureTableProblem(options?.inputs ?? []);
    if (problem !== undefined) {
      throw new ObentoError(
        "BAD_SERVICE",
        `FeatureTableInput needs a model with one 2-D numeric input: ${problem}`,
      );
    }
    this.#info = { ...options.inputs[0] };
    this.#dtype = this.#info.type as FrameTensorType;
    this.#features = fixed(this.#info.shape![1]);
    this.#feeds = new OnnxFeedsInput({ inputs: [this.#info] });
    const columns = options.columns;
    if (columns !== undefined) {
      if (columns.length === 0 || columns.some((c) => typeof c !== "string" || c.trim() === "")) {
        throw new ObentoError(
          "BAD_SERVICE",
          `feature columns must be non-empty names, got ${JSON.stringify(columns)}`,
        );
      }
      const repeated = columns.find((c, i) => columns.indexOf(c) !== i);
      if (repeated !== undefined) {
        throw new ObentoError(
          "BAD_SERVICE",
          `feature column "${repeated}" is named twice; name each feature once`,
        );
      }
      if (this.#features !== null && columns.length !== this.#features) {
        throw new ObentoError(
          "BAD_SERVICE",
          `${columns.length} feature columns given (${columns.join(", ")}), but model input ` +
            `"${this.#info.name}" takes ${this.#features} features; name exactly ${this.#features}`,
        );
      }
      this.#columns = [...columns];
    }
    this.#strict = new DataframeInput({ columns: this.#columns, dtype: this.#dtype });
  }

  /** Settings recorded in bento.yaml: the model input, and the feature columns (null when positional). */
  config(): Record<string, JsonValue> {
    return {
      inputs: this.#feeds.config().inputs,
      columns: this.#columns === undefined ? null : [...this.#columns],
    };
  }

  /** The feature names for docs: the named columns, or f0…f{F-1} when positional with a known count. */
  #featureNames(): readonly string[] | undefined {
    if (this.#columns !== undefined) return this.#columns;
    return this.#features === null ? undefined : Array.from({ length: this.#features }, (_, i) => `f${i}`);
  }

  /**
   * Decodes a table (records, one record, an object of columns) or the named-tensors form.
   *
   * @throws {BadInputError} naming a missing feature column, a bad cell (row and column), a wrong number of
   * columns, or a tensor of the wrong shape
   */
  fromJson(value: unknown): FeatureRows {
    if (!this.#isTable(value)) return { feeds: this.#feeds.fromJson(value), table: false };
    const names = this.#columns;
    let table: unknown = value;
    if (names !== undefined) {
      table = Array.isArray(value)
        ? value.map((row) => (isObject(row) ? pick(row, names) : row))
        : pick(value as Record<string, unknown>, names);
    }
    return this.#toFeeds(this.#strict.fromJson(table), "");
  }

  /**
   * Decodes a JSON or CSV body (CSV needs a header row; `charset` is honoured).
   *
   * @throws {BadInputError} with status 415 for another content type, and as {@link fromJson} does
   */
  fromBytes(bytes: Uint8Array, contentType: string): FeatureRows {
    if (mediaTypeOf(contentType) === CSV_TYPE) {
      if (this.#columns === undefined) {
        return this.#toFeeds(this.#strict.fromBytes(bytes, contentType), "CSV header: ", true);
      }
      const frame = this.#loose.fromBytes(bytes, contentType);
      const missing = this.#columns.find((c) => !frame.columns.includes(c));
      if (missing !== undefined) {
        const wanted = this.#columns.join(", ");
        throw new CsvHeaderError(
          `CSV header: missing feature column "${missing}"; the model takes columns ${wanted} ` +
            "(other columns are ignored)",
        );
      }
      const features = frame.select(this.#columns);
      if (this.#columns.some((c) => features.dtypes[c] === "string")) {
        // A cell is not a number: decode the features again with their type, which names the cell.
        return this.#toFeeds(this.#strict.fromJson(features.toRecords()), "");
      }
      return this.#toFeeds(features, "");
    }
    if (!isJsonContentType(contentType)) {
      throw unsupportedMediaType(this.type, contentType, this.contentTypes);
    }
    return this.fromJson(parseJsonBytes(bytes));
  }

  /** Rows: the input tensor's first dim. */
  rows(item: FeatureRows): number {
    return this.#feeds.rows(item.feeds);
  }

  /** The items' rows concatenated, noting which came from tables. */
  merge(items: readonly FeatureRows[]): FeatureBatch {
    const tableRows: boolean[] = [];
    for (const item of items) {
      const n = this.rows(item);
      for (let i = 0; i < n; i++) tableRows.push(item.table);
    }
    return { feeds: this.#feeds.merge(items.map((item) => item.feeds)), tableRows };
  }

  /** JSON Schema: records (or an object of columns) of the features, or the named-tensors form. */
  schema(): JsonSchema {
    const names = this.#featureNames();
    const cell = this.#dtype === "int32" || this.#dtype === "int64"
      ? { type: "integer" }
      : { type: "number" };
    const positional = this.#columns === undefined;
    const record: JsonSchema = {
      type: "object",
      ...(names === undefined ? {} : { properties: Object.fromEntries(names.map((n) => [n, cell])) }),
      ...(positional
        ? {
          additionalProperties: cell,
          description: "the features in the model's order, under any names" +
            (names === undefined ? "" : ` (here ${names.join(", ")})`),
          ...(this.#features === null
            ? {}
            : { minProperties: this.#features, maxProperties: this.#features }),
        }
        : { required: [...names!], description: "the named feature columns; other columns are ignored" }),
    };
    return {
      oneOf: [
        { title: "records", type: "array", minItems: 1, items: record },
        { title: "record", ...record },
        { title: "tensors", ...this.#feeds.schema() },
      ],
    };
  }

  /** True when a JSON body is a table rather than the named-tensors form. */
  #isTable(value: unknown): boolean {
    if (Array.isArray(value)) return isObject(value[0]);
    if (!isObject(value)) return false;
    // A value that is a list of lists is a tensor, so the body is the named-tensors form (with a wrong name).
    if (Object.values(value).some((v) => Array.isArray(v) && Array.isArray(v[0]))) return false;
    const keys = Object.keys(value);
    const input = this.#info.name;
    // `{"<input name>": …}` is the named-tensors form, unless that name is also a feature column.
    return !(keys.length === 1 && keys[0] === input && !(this.#columns ?? []).includes(input));
  }

  /**
   * The frame's feature columns as the model's input; `where` prefixes a column-count error, which is a
   * {@link CsvHeaderError} when the columns come from a CSV header (`csv`).
   */
  #toFeeds(frame: Frame, where: string, csv = false): FeatureRows {
    const names = this.#columns ?? frame.columns;
    if (this.#features !== null && names.length !== this.#features) {
      throw new (csv ? CsvHeaderError : BadInputError)(
        `${where}the table has ${names.length} columns (${names.join(", ")}), the model takes ` +
          `${this.#features} features in order; send exactly ${this.#features} columns`,
      );
    }
    return { feeds: { [this.#info.name]: frame.toTensor(this.#dtype, names) }, table: true };
  }
}
