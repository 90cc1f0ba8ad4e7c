/**
 * The tensor input adapter: an item is a {@link Tensor} whose first dim counts rows, decoded from nested JSON
 * lists, `{data, shape}` objects, TF-serving `{"instances": [...]}` or raw little-endian bytes.
 *
 * @module
 */
import { BadInputError, messageOf, ObentoError } from "../errors.ts";
import type { InputAdapter, JsonSchema, JsonValue } from "../sdk/adapter.ts";
import { isDType, sizeOf } from "../sdk/tensor.ts";
import type { DType, DTypeStorage, Tensor } from "../sdk/tensor.ts";
import { isJsonContentType, parseJsonBytes } from "./json_input.ts";
import { isTensorLike } from "./json_value.ts";
import { mediaTypeOf, unsupportedMediaType } from "./multipart.ts";
import { coerceNumber } from "./number_coercion.ts";
import { concatRows, type DeclaredShape, nestedDims, tensorFromNested } from "./nested.ts";
import { DTYPE_INFO, elementSchema, isFloatDType, storageView } from "../sdk/dtype.ts";
import { formatShape, shapeSchema } from "../sdk/shape.ts";

/** Options for {@link TensorInput}. */
export interface TensorInputOptions<T extends DType = DType> {
  /** Element type of the tensors. Default `"float32"`. */
  dtype?: T;
  /**
   * The shape of one row, without the batch dim, e.g. `[4]` for iris or `[3, "H", "W"]`; numbers must match,
   * strings, null and -1 are free. Default: any (a flat list is then one row).
   */
  shape?: DeclaredShape;
  /**
   * Accept NaN in float tensors: JSON `null` (how JSON writes NaN) or NaN in raw bytes. Default false: NaN is
   * refused (400), as are ±Infinity and numbers the dtype cannot hold (1e39 for float32) whatever this says.
   */
  allowNaN?: boolean;
}

function nestedSchema(dtype: DType, shape: DeclaredShape | undefined, allowNaN: boolean): JsonSchema {
  return shape === undefined ? {} : shapeSchema(elementSchema(dtype, { allowNaN }), shape);
}

/** Throws naming the first raw float element the number rule refuses (NaN, ±Infinity; NaN passes with `allowNaN`). */
function checkRawFloats(data: DTypeStorage[DType], dtype: DType, allowNaN: boolean): void {
  if (!isFloatDType(dtype)) return;
  const bits = data as Uint16Array;
  const values = dtype === "float16"
    ? new Float16Array(bits.buffer, bits.byteOffset, bits.length)
    : data as Float32Array;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v === 0) continue;
    try {
      coerceNumber(v, dtype, { allowNaN });
    } catch (error) {
      throw new BadInputError(`raw element ${i} (0-based): ${messageOf(error)}`, { cause: error });
    }
  }
}

/** The `shape` parameter of a content type (`application/octet-stream; shape=2,4`), or undefined. */
function shapeParamOf(contentType: string): number[] | undefined {
  const match = /;\s*shape\s*=\s*("[^"]*"|[^;]*)/i.exec(contentType);
  if (!match) return undefined;
  const text = match[1].replace(/^"|"$/g, "").trim();
  const dims = text.split(",").map((d) => (/^\s*\d+\s*$/.test(d) ? Number(d) : NaN));
  if (text === "" || !dims.every((d) => Number.isSafeInteger(d))) {
    throw new BadInputError(
      `content-type parameter shape=${JSON.stringify(text)} must be the tensor's dims, rows first, as ` +
        "non-negative integers separated by commas, e.g. shape=2,4",
    );
  }
  return dims;
}

function validShape(shape: unknown): shape is DeclaredShape {
  return Array.isArray(shape) &&
    shape.every((d) => d === null || typeof d === "string" || (Number.isInteger(d) && d >= -1));
}

/**
 * Decodes tensors batched by row. With `shape: [4]`, `[[5.1, 3.5, 1.4, 0.2], ...]` is N rows (dims [N,4]) and
 * a single row `[5.1, 3.5, 1.4, 0.2]` becomes dims [1,4]. Also accepted: `{"data": [...], "shape": [...],
 * "dtype"?: "..."}` (data flat or nested; shape with or without the batch dim), `{"instances": [...]}` (rows,
 * as TF Serving takes them), and `application/octet-stream` bodies of raw little-endian elements: whole rows
 * of `shape` (which must then be all numbers), or a tensor whose dims, rows first, the content type gives
 * (`application/octet-stream; shape=2,3,224,224`), for row shapes with free dims. `merge` concatenates items along the first dim.
 * Elements follow the number rule every adapter shares (number_coercion.ts): NaN (unless `allowNaN`),
 * ±Infinity and values the dtype cannot hold are refused, naming the 0-based path (`input[1][2]: …`).
 *
 * @example
 * ```ts
 * import { TensorInput } from "./tensor_input.ts";
 * const input = new TensorInput({ dtype: "float32", shape: [4] });
 * const item = input.fromJson([[5.1, 3.5, 1.4, 0.2], [6.2, 3.4, 5.4, 2.3]]);
 * console.log(item.dims, input.rows(item)); // [2, 4] 2
 * ```
 */
export class TensorInput<T extends DType = "float32"> implements InputAdapter<Tensor<T>, Tensor<T>> {
  /** Adapter name. */
  readonly type = "TensorInput";
  /** Items carry rows along the first dim. */
  readonly rowwise = true;
  /** Accepted content types. */
  readonly contentTypes: readonly string[] = ["application/json", "application/octet-stream"];
  /** Element type. */
  readonly dtype: T;
  /** Shape of one row, when declared. */
  readonly shape: DeclaredShape | undefined;
  /** Whether float elements may be NaN. */
  readonly allowNaN: boolean;

  /** Makes the adapter; throws an ObentoError (BAD_SERVICE) for an unknown dtype or a malformed shape. */
  constructor(options: TensorInputOptions<T> = {}) {
    const dtype = options.dtype ?? "float32";
    if (!isDType(dtype)) {
      throw new ObentoError(
        "BAD_SERVICE",
        `TensorInput dtype ${JSON.stringify(dtype)} is not a dtype, e.g. "float32"`,
      );
    }
    if (options.shape !== undefined && !validShape(options.shape)) {
      throw new ObentoError(
        "BAD_SERVICE",
        `TensorInput shape ${
          JSON.stringify(options.shape)
        } must list dims: numbers, or names/null for free dims`,
      );
    }
    this.dtype = dtype as T;
    this.shape = options.shape === undefined ? undefined : [...options.shape];
    this.allowNaN = options.allowNaN === true;
  }

  /** Settings recorded in bento.yaml: `dtype`, and `shape` and `allowNaN` when given. */
  config(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = { dtype: this.dtype };
    if (this.shape !== undefined) out.shape = [...this.shape];
    if (this.allowNaN) out.allowNaN = true;
    return out;
  }

  /** Throws unless the tensor has at least one row and rows of the declared shape. */
  #checkRows(t: Tensor<T>, name: string): Tensor<T> {
    if (t.dims[0] === 0) throw new BadInputError(`${name} has no rows; send at least one`);
    const shape = this.shape;
    if (shape === undefined) return t;
    const ok = t.dims.length === shape.length + 1 &&
      shape.every((d, i) => typeof d !== "number" || d < 0 || d === t.dims[i + 1]);
    if (!ok) {
      throw new BadInputError(
        `${name} has shape ${formatShape(t.dims)}, expected rows of shape ${formatShape(shape)} ` +
          `(${formatShape(["N", ...shape])})`,
      );
    }
    return t;
  }

  /** Rows, or a single row, from nested lists. */
  #rowsOrRow(value: unknown, name: string): Tensor<T> {
    const depth = nestedDims(value).length;
    const shape = this.shape;
    const rank = shape?.length ?? (depth >= 2 ? depth - 1 : depth);
    if (depth === rank + 1) {
      const t = tensorFromNested(value, this.dtype, {
        shape: shape && ["N", ...shape],
        name,
        allowNaN: this.allowNaN,
      });
      return this.#checkRows(t, name);
    }
    if (depth === rank) {
      const t = tensorFromNested(value, this.dtype, { shape, name, allowNaN: this.allowNaN });
      return { ...t, dims: [1, ...t.dims] };
    }
    throw new BadInputError(
      `${name} has shape ${formatShape(nestedDims(value))}, expected rows ${formatShape(["N", ...shape!])} ` +
        `or a single row ${formatShape(shape!)}`,
    );
  }

  /** `{"data", "shape"?, "dtype"?}`. */
  #fromDataObject(record: Record<string, unknown>): Tensor<T> {
    const { data, dtype, shape } = record;
    if (dtype !== undefined && dtype !== this.dtype) {
      throw new BadInputError(
        `"dtype" is ${
          JSON.stringify(dtype)
        } but this API takes ${this.dtype}; send ${this.dtype} or leave it out`,
      );
    }
    if (shape === undefined) return this.#rowsOrRow(data, "data");
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new BadInputError(
        `"shape" must be a list of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    const t = tensorFromNested(data, this.dtype, {
      shape: shape as number[],
      name: "data",
      allowNaN: this.allowNaN,
    });
    const single = this.shape !== undefined && shape.length === this.shape.length;
    return this.#checkRows(single ? { ...t, dims: [1, ...t.dims] } : t, "data");
  }

  /**
   * Decodes nested lists (rows or one row), `{"data", "shape"?, "dtype"?}`, `{"instances": rows}` (or
   * `{"inputs": rows}`), or a tensor object of this dtype.
   */
  fromJson(value: unknown): Tensor<T> {
    if (Array.isArray(value) || typeof value !== "object" || value === null) {
      if (value === null || value === undefined) {
        throw new BadInputError("empty input: send rows as nested lists");
      }
      return this.#rowsOrRow(value, "input");
    }
    if (isTensorLike(value) && ArrayBuffer.isView(value.data)) {
      if (value.type !== this.dtype) {
        throw new BadInputError(`tensor is ${value.type}, this API takes ${this.dtype}`);
      }
      return this.#checkRows(value as Tensor<T>, "tensor");
    }
    const record = value as Record<string, unknown>;
    for (const key of ["instances", "inputs"]) {
      if (key in record) {
        const rows = record[key];
        if (!Array.isArray(rows)) throw new BadInputError(`"${key}" must be a list of rows`);
        const t = tensorFromNested(rows, this.dtype, {
          shape: this.shape && ["N", ...this.shape],
          name: key,
          allowNaN: this.allowNaN,
        });
        return this.#checkRows(t, key);
      }
    }
    if ("data" in record) return this.#fromDataObject(record);
    throw new BadInputError(
      'expected nested lists of rows, {"data": [...], "shape": [...]} or {"instances": [...]}, ' +
        `got an object with keys ${Object.keys(record).join(", ") || "(none)"}`,
    );
  }

  /**
   * Raw little-endian elements: whole rows of the declared row shape, or any tensor the content type's
   * `shape` parameter gives (rows first), checked against the declared row shape. Read in place (a view on
   * the body) when the bytes are aligned for the dtype; BOOL is always a copy (normalised to 0/1).
   */
  #fromRaw(bytes: Uint8Array, contentType: string): Tensor<T> {
    const dtype = this.dtype as DType;
    if (dtype === "string") {
      throw new BadInputError("string tensors cannot be sent as raw bytes; send JSON", { status: 415 });
    }
    const given = shapeParamOf(contentType);
    const shape = this.shape;
    if (given === undefined && shape !== undefined && !shape.every((d) => typeof d === "number" && d >= 0)) {
      throw new BadInputError(
        `raw bytes need a fixed row shape, but this API's is ${formatShape(shape)}; send JSON, or give the ` +
          'tensor\'s dims in the content type, e.g. "application/octet-stream; shape=1,3,224,224"',
        { status: 415 },
      );
    }
    if (bytes.length === 0) {
      throw new BadInputError("empty body: send whole rows of raw little-endian elements");
    }
    const size = DTYPE_INFO[dtype].bytes;
    let dims: number[];
    if (given !== undefined) {
      const needed = sizeOf(given) * size;
      if (bytes.length !== needed) {
        throw new BadInputError(
          `body has ${bytes.length} bytes, but shape=${given.join(",")} of ${dtype} (${size} byte${
            size === 1 ? "" : "s"
          } each) needs ${needed}`,
        );
      }
      dims = given;
    } else {
      const rowDims = (shape ?? []) as number[];
      const rowBytes = shape === undefined ? size : sizeOf(rowDims) * size;
      if (rowBytes === 0 || bytes.length % rowBytes !== 0) {
        const what = shape === undefined ? `${dtype} elements (${size} bytes each)` : `rows of shape ` +
          `${formatShape(rowDims)} ${dtype} (${rowBytes} bytes each)`;
        throw new BadInputError(`body has ${bytes.length} bytes, not a whole number of ${what}`);
      }
      dims = shape === undefined ? [1, bytes.length / size] : [bytes.length / rowBytes, ...rowDims];
    }
    const inPlace = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset % size === 0;
    const data =
      (inPlace
        ? storageView(dtype, bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length / size)
        : storageView(dtype, bytes.slice().buffer)) as DTypeStorage[T];
    checkRawFloats(data, dtype, this.allowNaN);
    return given === undefined
      ? { type: this.dtype, dims, data }
      : this.#checkRows({ type: this.dtype, dims, data }, "body");
  }

  /** Decodes JSON, or raw little-endian bytes for `application/octet-stream`; other types get HTTP 415. */
  fromBytes(bytes: Uint8Array, contentType: string): Tensor<T> {
    if (mediaTypeOf(contentType) === "application/octet-stream") return this.#fromRaw(bytes, contentType);
    if (isJsonContentType(contentType)) return this.fromJson(parseJsonBytes(bytes));
    throw unsupportedMediaType(this.type, contentType, this.contentTypes);
  }

  /** The number of rows: the first dim. */
  rows(item: Tensor<T>): number {
    return item.dims[0];
  }

  /** Concatenates items along the first dim. */
  merge(items: readonly Tensor<T>[]): Tensor<T> {
    return concatRows(items);
  }

  /** JSON Schema: rows, a single row, `{data, shape, dtype}` or `{instances}`. */
  schema(): JsonSchema {
    const row = nestedSchema(this.dtype, this.shape, this.allowNaN);
    const rows = this.shape === undefined ? { type: "array" } : { type: "array", items: row, minItems: 1 };
    return {
      oneOf: [
        rows,
        row,
        {
          type: "object",
          properties: {
            data: { type: "array" },
            shape: { type: "array", items: { type: "integer", minimum: 0 } },
            dtype: { const: this.dtype },
          },
          required: ["data"],
        },
        { type: "object", properties: { instances: rows }, required: ["instances"] },
      ],
    };
  }
}
