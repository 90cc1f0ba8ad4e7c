/**
 * Conversions between obento's plain-data {@link Tensor} and onnxruntime's `Tensor`, and from onnxruntime's
 * input/output metadata to {@link TensorInfo}. Typed arrays are shared, never copied: a `bool` tensor is a
 * `Uint8Array` on both sides, `int64` a `BigInt64Array`, `string` a `string[]`.
 *
 * The functions take the runtime's `Tensor` class as an argument, so the same code can serve onnxruntime-web
 * and onnxruntime-node (both implement onnxruntime-common's interfaces, which onnxruntime-web re-exports).
 *
 * @module
 */
import type { InferenceSession, Tensor as OrtTensor, TensorConstructor } from "onnxruntime-web";
import { ObentoError } from "../errors.ts";
import { DTYPE_INFO } from "../sdk/dtype.ts";
import { formatShape } from "../sdk/shape.ts";
import { type DType, isDType, modelDim, type Tensor, type TensorInfo } from "../sdk/tensor.ts";

/**
 * Wraps a plain tensor as an onnxruntime tensor without copying its data.
 *
 * @param tensor a tensor whose data length already matches its dims (see {@link describeTensorProblem})
 * @param OrtTensorClass the runtime's `Tensor` constructor (`ort.Tensor`)
 * @returns an onnxruntime tensor sharing `tensor.data`
 * @example
 * ```ts
 * import * as ort from "onnxruntime-web";
 * import { toOrtTensor } from "./ort_tensor.ts";
 * const t = toOrtTensor({ type: "bool", dims: [2], data: new Uint8Array([1, 0]) }, ort.Tensor);
 * console.log(t.type, t.dims); // bool [2]
 * ```
 */
export function toOrtTensor(tensor: Tensor, OrtTensorClass: TensorConstructor): OrtTensor {
  // The constructor overloads are per dtype; the union is checked by describeTensorProblem beforehand.
  const make = OrtTensorClass as unknown as new (
    type: DType,
    data: Tensor["data"],
    dims: readonly number[],
  ) => OrtTensor;
  return new make(tensor.type, tensor.data, tensor.dims);
}

/**
 * Turns an onnxruntime CPU tensor into a plain tensor sharing its data.
 *
 * @param name the output's name, for the error message
 * @param tensor an onnxruntime tensor on the CPU
 * @throws {ObentoError} INTERNAL when the tensor's element type has no obento {@link DType} (e.g. int4)
 * @example
 * ```ts
 * import * as ort from "onnxruntime-web";
 * import { fromOrtTensor } from "./ort_tensor.ts";
 * const t = fromOrtTensor("sum", new ort.Tensor("int64", new BigInt64Array([3n]), [1]));
 * console.log(t); // { type: "int64", dims: [1], data: BigInt64Array(1) [3n] }
 * ```
 */
export function fromOrtTensor(name: string, tensor: OrtTensor): Tensor {
  if (!isDType(tensor.type)) {
    throw new ObentoError(
      "INTERNAL",
      `output "${name}" has element type ${tensor.type}, which obento tensors cannot hold (supported: float32, ` +
        `float64, float16, int8…int64, uint8…uint64, bool, string)`,
    );
  }
  return { type: tensor.type, dims: tensor.dims, data: tensor.data as Tensor["data"] };
}

/**
 * Describes one model input or output as a {@link TensorInfo}: symbolic dims stay strings ("N"), unknown dims
 * and dims stored as -1 become null ({@link modelDim}), non-tensor values (maps, sequences) get type
 * "unknown" and no shape.
 *
 * @example
 * ```ts
 * import { tensorInfoOf } from "./ort_tensor.ts";
 * const info = tensorInfoOf({ name: "input", isTensor: true, type: "float32", shape: ["N", 4] });
 * console.log(info); // { name: "input", type: "float32", shape: ["N", 4] }
 * ```
 */
export function tensorInfoOf(meta: InferenceSession.ValueMetadata): TensorInfo {
  if (!meta.isTensor) return { name: meta.name, type: "unknown" };
  const type = isDType(meta.type) ? meta.type : "unknown";
  const shape = meta.shape.map(modelDim);
  return { name: meta.name, type, shape };
}

/**
 * Checks that a value is a well-formed plain tensor: a known dtype, integer dims ≥ 0, storage of the dtype's
 * class and a length equal to the product of dims.
 *
 * @returns a sentence saying what is wrong (without the tensor's name), or undefined when it is well formed
 * @example
 * ```ts
 * import { describeTensorProblem } from "./ort_tensor.ts";
 * const problem = describeTensorProblem({ type: "int64", dims: [2], data: new Float64Array(2) });
 * console.log(problem); // int64 data must be a BigInt64Array, got Float64Array
 * ```
 */
export function describeTensorProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object") return `must be a tensor {type, dims, data}, got ${value}`;
  const { type, dims, data } = value as Record<string, unknown>;
  if (!isDType(type)) return `has unknown dtype ${JSON.stringify(type)}`;
  if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
    return `has dims ${JSON.stringify(dims)}; dims must be a list of integers >= 0`;
  }
  const given = () => data === null || typeof data !== "object" ? String(data) : data.constructor.name;
  if (type === "string") {
    if (!Array.isArray(data) || !data.every((s) => typeof s === "string")) {
      return `string data must be an array of strings, got ${given()}`;
    }
  } else if (!(data instanceof DTYPE_INFO[type].storage!)) {
    return `${type} data must be a ${DTYPE_INFO[type].storage!.name}, got ${given()}`;
  }
  const expected = dims.reduce((n: number, d: number) => n * d, 1);
  const length = (data as ArrayLike<unknown>).length;
  if (length !== expected) {
    return `has ${length} elements but dims ${formatShape(dims)} need ${expected}`;
  }
  return undefined;
}
