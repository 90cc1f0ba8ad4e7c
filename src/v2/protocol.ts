/**
 * Open Inference Protocol v2 (KServe v2) vocabulary: its datatypes and their obento dtypes, shapes as its
 * metadata gives them, and the shapes of its responses and model metadata. The codec (`infer_input.ts`,
 * `infer_output.ts`, `binary.ts`), the batch API (`infer_api.ts`) and the REST routes (`routes.ts`) build on it.
 *
 * @module
 */
import type { DType, TensorData } from "../sdk/tensor.ts";
import { modelDim } from "../sdk/tensor.ts";

/** A v2 tensor datatype. */
export type V2Datatype =
  | "BOOL"
  | "UINT8"
  | "UINT16"
  | "UINT32"
  | "UINT64"
  | "INT8"
  | "INT16"
  | "INT32"
  | "INT64"
  | "FP16"
  | "FP32"
  | "FP64"
  | "BYTES";

const TO_DTYPE: Readonly<Record<V2Datatype, DType>> = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP16: "float16",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
};
/** Every v2 datatype, in the protocol's order. */
export const V2_DATATYPES: readonly V2Datatype[] = Object.keys(TO_DTYPE) as V2Datatype[];

/**
 * The obento dtype of a v2 datatype, e.g. `FP32` → `float32`, `BYTES` → `string`.
 *
 * @example
 * ```ts
 * import { dtypeOfV2 } from "./protocol.ts";
 * console.log(dtypeOfV2("FP16"), dtypeOfV2("BYTES")); // float16 string
 * ```
 */
export function dtypeOfV2(datatype: V2Datatype): DType {
  return TO_DTYPE[datatype];
}

/**
 * The v2 datatype of an obento dtype, e.g. `float32` → `FP32`; undefined for non-tensor values ("unknown").
 *
 * @example
 * ```ts
 * import { v2DatatypeOf } from "./protocol.ts";
 * console.log(v2DatatypeOf("int64"), v2DatatypeOf("string")); // INT64 BYTES
 * ```
 */
export function v2DatatypeOf(type: DType | "unknown"): V2Datatype | undefined {
  return V2_DATATYPES.find((d) => TO_DTYPE[d] === type);
}

/**
 * A model dim as v2 metadata gives it: a fixed size as is, a named, unknown or negative (dynamic) one as -1.
 *
 * @example
 * ```ts
 * import { v2Shape } from "./protocol.ts";
 * console.log(v2Shape(["N", 4])); // [-1, 4]
 * ```
 */
export function v2Shape(shape: readonly (number | string | null)[] | null | undefined): number[] {
  return (shape ?? []).map((d) => (typeof d === "number" && modelDim(d) !== null ? d : -1));
}

/** One output tensor of a v2 response. */
export interface V2OutputTensor {
  /** Output name. */
  name: string;
  /** v2 datatype. */
  datatype: V2Datatype;
  /** Dims. */
  shape: number[];
  /** Elements, flat in row-major order, as the model returned them (`V2InferOutput` writes them). */
  data: TensorData;
  /** True to send the elements as raw bytes after the JSON header (binary tensor data extension). */
  binary?: boolean;
}

/** A v2 inference response. */
export interface V2InferResponse {
  /** The model (artifact) name. */
  model_name: string;
  /** The model version (the bundle version), when known. */
  model_version?: string;
  /** The request's id, when it had one. */
  id?: string;
  /** Output tensors. */
  outputs: V2OutputTensor[];
}

/** A model input or output as v2 metadata describes it. */
export interface V2TensorMetadata {
  /** Name as the model declares it. */
  name: string;
  /** v2 datatype. */
  datatype: V2Datatype;
  /** Dims; -1 for a dynamic one. */
  shape: number[];
}

/** One model the v2 endpoints serve (an ONNX artifact of the bundle). */
export interface V2ModelInfo {
  /** Model name: the artifact name. */
  name: string;
  /** Versions served (the bundle version). */
  versions: string[];
  /** The runtime, "onnxruntime-web". */
  platform: string;
  /** Model inputs. */
  inputs: V2TensorMetadata[];
  /** Model outputs. */
  outputs: V2TensorMetadata[];
}

/** True for a JSON object (not null, not a list): what a v2 request, tensor or response must be. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
