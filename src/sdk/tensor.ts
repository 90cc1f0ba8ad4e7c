/**
 * Tensors as plain data: a dtype, dims and a typed array. They cross every boundary in obento (adapters,
 * backends, workers) without carrying a runtime's classes.
 *
 * @module
 */

/** Element types a tensor may hold. `bool` is stored as `Uint8Array` (0/1), `float16` as `Uint16Array` bits. */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "bool"
  | "string";

/** The storage for each {@link DType}. */
export interface DTypeStorage {
  /** Storage of `float32` elements. */
  float32: Float32Array;
  /** Storage of `float64` elements. */
  float64: Float64Array;
  /** Storage of `float16` elements. */
  float16: Uint16Array;
  /** Storage of `int8` elements. */
  int8: Int8Array;
  /** Storage of `uint8` elements. */
  uint8: Uint8Array;
  /** Storage of `int16` elements. */
  int16: Int16Array;
  /** Storage of `uint16` elements. */
  uint16: Uint16Array;
  /** Storage of `int32` elements. */
  int32: Int32Array;
  /** Storage of `uint32` elements. */
  uint32: Uint32Array;
  /** Storage of `int64` elements. */
  int64: BigInt64Array;
  /** Storage of `uint64` elements. */
  uint64: BigUint64Array;
  /** Storage of `bool` elements. */
  bool: Uint8Array;
  /** Storage of `string` elements. */
  string: string[];
}

/** Any storage a tensor may have. */
export type TensorData = DTypeStorage[DType];

/**
 * A tensor as plain data.
 *
 * @example
 * ```ts
 * import type { Tensor } from "./tensor.ts";
 * const t: Tensor = { type: "float32", dims: [1, 4], data: new Float32Array([5.1, 3.5, 1.4, 0.2]) };
 * ```
 */
export interface Tensor<T extends DType = DType> {
  /** Element type. */
  readonly type: T;
  /** Shape; the product of dims equals `data.length`. */
  readonly dims: readonly number[];
  /** Elements in row-major order. */
  readonly data: DTypeStorage[T];
}

/** One input or output of a model: its name, element type and shape (symbolic dims as strings, unknown as null). */
export interface TensorInfo {
  /** Input or output name as the model declares it. */
  readonly name: string;
  /** Element type, or "unknown" for non-tensor values. */
  readonly type: DType | "unknown";
  /** Shape; a string is a named (dynamic) dim, null an unknown one. Undefined when the model gives no shape. */
  readonly shape?: readonly (number | string | null)[];
}

/** All dtypes, for validation. */
export const DTYPES: readonly DType[] = [
  "float32",
  "float64",
  "float16",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "bool",
  "string",
];

/** True when `value` names a {@link DType}. */
export function isDType(value: unknown): value is DType {
  return typeof value === "string" && (DTYPES as readonly string[]).includes(value);
}

/**
 * The largest dim a model can fix: ONNX stores dims as int64, onnxruntime-web hands them over as uint32, so a
 * dynamic dim an exporter wrote as -1 arrives as 4294967295 (-2 as 4294967294…). A dim above this is one of
 * those, not a real size (a tensor with 2^31 rows would not fit a WebAssembly heap anyway).
 */
const MAX_FIXED_DIM = 0x7fffffff;

/**
 * One dim of a model's metadata: a symbolic name stays a string, an unnamed dim becomes null, and so does a
 * dim stored as a negative number (-1, as some exporters write a dynamic dim), however the runtime reports it.
 *
 * @example
 * ```ts
 * import { modelDim } from "./tensor.ts";
 * console.log(modelDim("N"), modelDim(4), modelDim(-1), modelDim(4294967295), modelDim("")); // N 4 null null null
 * ```
 */
export function modelDim(dim: number | string): number | string | null {
  if (typeof dim === "string") return dim === "" ? null : dim;
  return Number.isInteger(dim) && dim >= 0 && dim <= MAX_FIXED_DIM ? dim : null;
}

/** Number of elements for dims. */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Allocates zeroed storage for `length` elements of `type`. */
export function allocate<T extends DType>(type: T, length: number): DTypeStorage[T] {
  const make = (): TensorData => {
    switch (type) {
      case "float32":
        return new Float32Array(length);
      case "float64":
        return new Float64Array(length);
      case "float16":
      case "uint16":
        return new Uint16Array(length);
      case "int8":
        return new Int8Array(length);
      case "uint8":
      case "bool":
        return new Uint8Array(length);
      case "int16":
        return new Int16Array(length);
      case "int32":
        return new Int32Array(length);
      case "uint32":
        return new Uint32Array(length);
      case "int64":
        return new BigInt64Array(length);
      case "uint64":
        return new BigUint64Array(length);
      case "string":
        return new Array<string>(length).fill("");
    }
    throw new TypeError(`unknown dtype ${type}`);
  };
  return make() as DTypeStorage[T];
}
