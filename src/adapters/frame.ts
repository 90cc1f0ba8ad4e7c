/**
 * A small columnar table: named columns, each one typed array (or a string list) of the same length. What
 * {@link DataframeInput} decodes into and what a batch API receives, not a pandas clone: build, concat,
 * slice, select, and turn numeric columns into a row-major {@link Tensor} for a model.
 *
 * @module
 */
import { BadInputError, messageOf } from "../errors.ts";
import { allocate } from "../sdk/tensor.ts";
import { allocateColumn } from "./column_alloc.ts";
import { coerceNumber, fitsFloat } from "./number_coercion.ts";
import type { Tensor } from "../sdk/tensor.ts";
import { type Column, COLUMN_TYPES, type ColumnType } from "./column_type.ts";
export { type Column, COLUMN_TYPES, type ColumnStorage, type ColumnType } from "./column_type.ts";
import { DTYPE_INFO } from "../sdk/dtype.ts";

const [INT32_MIN, INT32_MAX] = DTYPE_INFO.int32.range!;

/** Tensor element types {@link Frame.toTensor} can produce. */
export type FrameTensorType = "float32" | "float64" | "int32" | "int64";

/** What {@link Frame.fromColumns} accepts per column: column storage, or a plain list of numbers or booleans. */
export type ColumnSource = Column | readonly number[] | readonly boolean[] | readonly bigint[];

/** A frame row as a plain object: int64 cells are numbers when exact (|v| ≤ 2^53-1), else BigInt. */
export type FrameRecord = Record<string, number | bigint | boolean | string>;

/** True when `value` names a {@link ColumnType}. */
export function isColumnType(value: unknown): value is ColumnType {
  return typeof value === "string" && (COLUMN_TYPES as readonly string[]).includes(value);
}

/** The column type of a storage, or undefined when it is not column storage. */
function typeOfStorage(data: unknown): ColumnType | undefined {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Uint8Array) return "bool";
  return undefined;
}

/** Turns one {@link ColumnSource} into column storage; plain lists are checked element by element. */
function toStorage(name: string, source: ColumnSource): Column {
  if (typeOfStorage(source) !== undefined) return source as Column;
  if (!Array.isArray(source)) {
    throw new BadInputError(
      `column "${name}" is not column data; give a Float32Array, Float64Array, Int32Array, BigInt64Array, ` +
        `Uint8Array (bool) or a list of numbers, booleans or strings`,
    );
  }
  const list = source as readonly unknown[];
  const kind: string = list.length === 0 ? "string" : typeof list[0];
  for (let i = 0; i < list.length; i++) {
    const actual: string = typeof list[i];
    if (actual !== kind) {
      throw new BadInputError(
        `column "${name}", row ${i + 1}: ${JSON.stringify(String(list[i]))} is a ${typeof list[i]} in a ` +
          `column of ${kind}s; a column holds one type`,
      );
    }
  }
  switch (kind) {
    case "string":
      return list as string[];
    case "number":
      return Float64Array.from(list as number[]);
    case "boolean":
      return Uint8Array.from(list as boolean[], (b) => (b ? 1 : 0));
    case "bigint":
      return BigInt64Array.from(list as bigint[]);
  }
  throw new BadInputError(`column "${name}" holds ${kind} values; use numbers, booleans, bigints or strings`);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A columnar table. Columns are typed arrays (or `string[]`) of equal length; a frame takes ownership of the
 * arrays it is built from and never changes them, so treat them as read-only.
 *
 * @example
 * ```ts
 * import { Frame } from "./frame.ts";
 * const f = Frame.fromColumns({ a: new Float64Array([1, 2]), b: new Int32Array([3, 4]) });
 * console.log(f.length, f.columns, f.dtypes); // 2 ["a", "b"] { a: "float64", b: "int32" }
 * console.log(f.toTensor().data); // Float32Array [1, 3, 2, 4]
 * ```
 */
export class Frame {
  /** Column names, in order. */
  readonly columns: readonly string[];
  /** Number of rows. */
  readonly length: number;
  readonly #data: ReadonlyMap<string, Column>;
  #dtypes: Readonly<Record<string, ColumnType>> | undefined;

  private constructor(columns: readonly string[], data: Map<string, Column>, length: number) {
    this.columns = Object.freeze([...columns]);
    this.#data = data;
    this.length = length;
  }

  /** Each column's type, by name. */
  get dtypes(): Readonly<Record<string, ColumnType>> {
    // Computed on first use: most frames (one per request when serving) never need it.
    return this.#dtypes ??= Object.freeze(
      Object.fromEntries(this.columns.map((c) => [c, typeOfStorage(this.#data.get(c)) ?? "string"])),
    );
  }

  /** Builds a frame after checking names (unique, not `__proto__`) and equal column lengths. */
  static #build(entries: readonly (readonly [string, Column])[]): Frame {
    const data = new Map<string, Column>();
    const length = entries.length === 0 ? 0 : entries[0][1].length;
    for (const [name, column] of entries) {
      if (name === "__proto__") {
        throw new BadInputError(`column name "__proto__" is not allowed; rename the column`);
      }
      if (data.has(name)) {
        throw new BadInputError(`column "${name}" appears twice; column names must be unique`);
      }
      if (column.length !== length) {
        throw new BadInputError(
          `column "${name}" has ${column.length} rows, column "${entries[0][0]}" has ${length}; ` +
            `all columns need the same number of rows`,
        );
      }
      data.set(name, column);
    }
    return new Frame(entries.map(([name]) => name), data, length);
  }

  /**
   * Builds a frame from columns by name, in the record's key order. Typed arrays are used as they are;
   * plain lists become `float64` (numbers), `bool` (booleans), `int64` (bigints) or `string` columns.
   *
   * @param record columns by name.
   * @returns the frame.
   * @throws {BadInputError} when columns differ in length, a list mixes types, or a name repeats.
   *
   * @example
   * ```ts
   * import { Frame } from "./frame.ts";
   * const f = Frame.fromColumns({ x: [1.5, 2.5], label: ["a", "b"], ok: [true, false] });
   * console.log(f.dtypes); // { x: "float64", label: "string", ok: "bool" }
   * ```
   */
  static fromColumns(record: Readonly<Record<string, ColumnSource>>): Frame {
    return Frame.#build(
      Object.entries(record).map(([name, source]) => [name, toStorage(name, source)] as const),
    );
  }

  /**
   * Concatenates frames by rows. All frames need the same columns with the same types; columns are matched by
   * name and come out in the first frame's order.
   *
   * @param frames the frames, at least one.
   * @returns one frame with every row, in order (the frame itself when there is only one).
   * @throws {BadInputError} naming the first column that is missing, extra or of another type.
   *
   * @example
   * ```ts
   * import { Frame } from "./frame.ts";
   * const a = Frame.fromColumns({ x: [1] });
   * const b = Frame.fromColumns({ x: [2, 3] });
   * console.log(Frame.concat([a, b]).column("x")); // Float64Array [1, 2, 3]
   * ```
   */
  static concat(frames: readonly Frame[]): Frame {
    if (frames.length === 0) throw new BadInputError("cannot concat zero frames; give at least one frame");
    const first = frames[0];
    if (frames.length === 1) return first;
    let total = 0;
    const firstData = first.#data;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      total += f.length;
      if (i === 0) continue;
      for (const name of first.columns) {
        const column = f.#data.get(name);
        if (column === undefined) {
          throw new BadInputError(
            `frame ${i + 1} of ${frames.length} has no column "${name}"; every frame needs columns ` +
              first.columns.join(", "),
          );
        }
        if (column.constructor !== firstData.get(name)!.constructor) {
          throw new BadInputError(
            `column "${name}" is ${first.dtypes[name]} in frame 1 but ${f.dtypes[name]} in frame ${i + 1}; ` +
              `declare the column's type so every frame converts to it`,
          );
        }
      }
      if (f.columns.length !== first.columns.length) {
        const extra = f.columns.find((name) => !firstData.has(name))!;
        throw new BadInputError(
          `frame ${
            i + 1
          } of ${frames.length} has column "${extra}", which frame 1 lacks; every frame needs ` +
            `exactly columns ${first.columns.join(", ")}`,
        );
      }
    }
    const data = new Map<string, Column>();
    for (const name of first.columns) {
      const type = first.dtypes[name];
      const out = allocateColumn(type, total);
      let offset = 0;
      for (const f of frames) {
        const src = f.#data.get(name)!;
        if (type === "string") {
          const dst = out as string[];
          const s = src as string[];
          for (let r = 0; r < s.length; r++) dst[offset + r] = s[r];
        } else {
          (out as Float64Array).set(src as Float64Array, offset);
        }
        offset += src.length;
      }
      data.set(name, out);
    }
    return new Frame(first.columns, data, total);
  }

  /**
   * One column's storage.
   *
   * @throws {BadInputError} when there is no such column, listing the columns there are.
   */
  column(name: string): Column {
    const data = this.#data.get(name);
    if (data === undefined) {
      throw new BadInputError(
        `no column "${name}"; the frame has columns ${this.columns.join(", ") || "(none)"}`,
      );
    }
    return data;
  }

  /**
   * Rows `start` (inclusive) to `end` (exclusive), as `Array.prototype.slice` counts them (negative counts from
   * the end). Typed columns are views that share memory with this frame.
   */
  slice(start = 0, end: number = this.length): Frame {
    const clamp = (i: number) => (i < 0 ? Math.max(this.length + i, 0) : Math.min(i, this.length));
    const s = clamp(Math.trunc(start));
    const e = Math.max(clamp(Math.trunc(end)), s);
    const data = new Map<string, Column>();
    for (const [name, col] of this.#data) {
      data.set(name, Array.isArray(col) ? col.slice(s, e) : (col as Float64Array).subarray(s, e));
    }
    return new Frame(this.columns, data, e - s);
  }

  /**
   * A frame of the given columns, in the given order (storage is shared, not copied).
   *
   * @throws {BadInputError} naming a column that is not in this frame, or one named twice.
   */
  select(columns: readonly string[]): Frame {
    return Frame.#build(columns.map((name) => [name, this.column(name)] as const));
  }

  /**
   * The rows as plain objects: bool cells as booleans, int64 cells as numbers when |v| ≤ 2^53-1 (else BigInt).
   *
   * @example
   * ```ts
   * import { Frame } from "./frame.ts";
   * console.log(Frame.fromColumns({ a: [1, 2], b: ["x", "y"] }).toRecords()); // [{ a: 1, b: "x" }, { a: 2, b: "y" }]
   * ```
   */
  toRecords(): FrameRecord[] {
    const out: FrameRecord[] = new Array(this.length);
    for (let r = 0; r < this.length; r++) out[r] = {};
    for (const name of this.columns) {
      const col = this.#data.get(name)!;
      const type = this.dtypes[name];
      if (type === "bool") {
        for (let r = 0; r < this.length; r++) out[r][name] = col[r] !== 0;
      } else if (type === "int64") {
        const c = col as BigInt64Array;
        for (let r = 0; r < this.length; r++) {
          const v = c[r];
          out[r][name] = v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
        }
      } else {
        const c = col as ArrayLike<number | string>;
        for (let r = 0; r < this.length; r++) out[r][name] = c[r];
      }
    }
    return out;
  }

  /**
   * The given numeric columns as one tensor of dims `[rows, columns.length]`, row-major, filled column by
   * column. Bool columns give 0/1. Converting to an integer type requires integer cells (and, for int32,
   * values in range).
   *
   * @param dtype the tensor's element type (default `float32`).
   * @param columns which columns, in order (default all).
   * @returns a new tensor; its data never shares memory with the frame.
   * @throws {BadInputError} naming a string column, a missing column, or a cell that does not fit `dtype`.
   *
   * @example
   * ```ts
   * import { Frame } from "./frame.ts";
   * const f = Frame.fromColumns({ a: [1, 2], b: [3, 4] });
   * const t = f.toTensor("float32", ["b", "a"]);
   * console.log(t.dims, t.data); // [2, 2] Float32Array [3, 1, 4, 2]
   * ```
   */
  toTensor<T extends FrameTensorType = "float32">(
    dtype: T = "float32" as T,
    columns: readonly string[] = this.columns,
  ): Tensor<T> {
    const rows = this.length;
    const n = columns.length;
    const cols = columns.map((name) => {
      const col = this.column(name);
      if (this.dtypes[name] === "string") {
        throw new BadInputError(
          `column "${name}" holds strings and cannot go into a ${dtype} tensor; declare it numeric ` +
            `(DataframeInput({ columns: { "${name}": "float32" } })) or leave it out of toTensor's columns`,
        );
      }
      return col;
    });
    if (dtype !== "float32" && dtype !== "float64" && dtype !== "int32" && dtype !== "int64") {
      throw new BadInputError(
        `toTensor dtype "${dtype}" is not supported; use float32, float64, int32 or int64`,
      );
    }
    const data = allocate(dtype, rows * n);
    const out = data as Float32Array | Float64Array | Int32Array | BigInt64Array;
    for (let c = 0; c < n; c++) {
      const col = cols[c];
      const name = columns[c];
      if (out instanceof BigInt64Array) {
        fillBigInt(out, col, c, n, rows, name);
      } else if (col instanceof BigInt64Array) {
        fillFromBigInt(out, col, c, n, rows, name);
      } else {
        const src = col as Float32Array | Float64Array | Int32Array | Uint8Array;
        if (out instanceof Int32Array && !(src instanceof Int32Array) && !(src instanceof Uint8Array)) {
          checkInt32(src, name);
        }
        if (out instanceof Float32Array && src instanceof Float64Array) checkFloat32(src, name);
        if (n === 1) {
          out.set(src);
        } else {
          for (let r = 0, i = c; r < rows; r++, i += n) out[i] = src[r];
        }
      }
    }
    return { type: dtype, dims: [rows, n], data };
  }
}

/**
 * Throws naming the first cell of a float64 column that a float32 tensor cannot hold (a finite value beyond
 * ±3.4e38, which would become Infinity); NaN passes, since the adapter decided whether to allow it.
 */
function checkFloat32(src: Float64Array, name: string): void {
  for (let r = 0; r < src.length; r++) {
    const v = src[r];
    if (fitsFloat(v, "float32") || v !== v) continue;
    try {
      coerceNumber(v, "float32");
    } catch (error) {
      throw new BadInputError(`row ${r + 1}, column "${name}": ${messageOf(error)}`, { cause: error });
    }
  }
}

/** Throws naming the first cell of a float column that is not an int32. */
function checkInt32(src: Float32Array | Float64Array, name: string): void {
  for (let r = 0; r < src.length; r++) {
    const v = src[r];
    if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
      throw new BadInputError(
        `row ${r + 1}, column "${name}": ${v} is not an int32; round the value or use float32`,
      );
    }
  }
}

/** Fills column `c` of an int64 tensor from any numeric column. */
function fillBigInt(out: BigInt64Array, col: Column, c: number, n: number, rows: number, name: string): void {
  if (col instanceof BigInt64Array) {
    for (let r = 0, i = c; r < rows; r++, i += n) out[i] = col[r];
    return;
  }
  const src = col as Float32Array | Float64Array | Int32Array | Uint8Array;
  for (let r = 0, i = c; r < rows; r++, i += n) {
    const v = src[r];
    if (!Number.isInteger(v)) {
      throw new BadInputError(
        `row ${r + 1}, column "${name}": ${v} is not an integer; round it or use float32`,
      );
    }
    out[i] = BigInt(v);
  }
}

/** Fills column `c` of a float or int32 tensor from an int64 column. */
function fillFromBigInt(
  out: Float32Array | Float64Array | Int32Array,
  col: BigInt64Array,
  c: number,
  n: number,
  rows: number,
  name: string,
): void {
  const isInt32 = out instanceof Int32Array;
  for (let r = 0, i = c; r < rows; r++, i += n) {
    const v = col[r];
    if (isInt32 && (v > INT32_MAX || v < INT32_MIN)) {
      throw new BadInputError(`row ${r + 1}, column "${name}": ${v} does not fit an int32; use int64`);
    }
    out[i] = Number(v);
  }
}
