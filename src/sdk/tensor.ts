/**
 * Tensors as plain data: a dtype, dims and a typed array. They cross every boundary in obento (adapters,
 * backends, workers) without carrying a runtime's classes.
 *
 * @module
 */
import { type DType, DTYPE_INFO, type DTypeStorage } from "./dtype.ts";

export { type DType, DTYPES, type DTypeStorage, isDType, type TensorData } from "./dtype.ts";

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

/** Allocates zeroed storage for `length` elements of `type` (its {@link DTYPE_INFO} storage class). */
export function allocate<T extends DType>(type: T, length: number): DTypeStorage[T] {
  const storage = DTYPE_INFO[type].storage;
  if (storage === undefined) return new Array<string>(length).fill("") as DTypeStorage[T];
  return new storage(length) as DTypeStorage[T];
}
