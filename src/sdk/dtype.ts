/**
 * The tensor element types, in one table: for each {@link DType}, the class its elements are stored in, its
 * size in bytes in binary forms (raw bodies, the v2 binary extension), its integer range, and the JSON Schema
 * of one element. Adapters, backends, the v2 codec and the OpenAPI document all read this table instead of
 * keeping their own.
 *
 * @module
 */
import type { JsonSchema } from "./adapter.ts";

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

/** A typed array a tensor may be stored in (every dtype but `string`, which is a `string[]`). */
export type TypedStorage = Exclude<TensorData, string[]>;

/** The constructor of a {@link TypedStorage}: zeroed of a length, or a view over a buffer. */
export interface StorageClass {
  /** The class name, for messages (`Float32Array`). */
  readonly name: string;
  /** Bytes per element. */
  readonly BYTES_PER_ELEMENT: number;
  /** Zeroed storage of `length` elements. */
  new (length: number): TypedStorage;
  /** A view over `buffer` (`length` elements from `byteOffset`; default: to the end). */
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): TypedStorage;
}

/** What kind of values a dtype holds. */
export type DTypeKind = "float" | "int" | "bigint" | "bool" | "string";

/** One row of {@link DTYPE_INFO}. */
export interface DTypeInfo {
  /** The kind: IEEE floats, integers held as numbers, 64-bit integers held as bigints, 0/1, strings. */
  readonly kind: DTypeKind;
  /** The typed-array class of the storage; undefined for `string` (a `string[]`). */
  readonly storage: StorageClass | undefined;
  /** Bytes per element in binary forms (little-endian); 0 for `string`, which has no fixed size. */
  readonly bytes: number;
  /** The smallest and largest value of an integer dtype held as a number (`int`, `bool`: 0 and 1). */
  readonly range?: readonly [number, number];
  /** The smallest and largest value of a 64-bit integer dtype (`bigint`). */
  readonly bigRange?: readonly [bigint, bigint];
  /**
   * The JSON Schema of one element in JSON: `number`, `integer`, `boolean`, `string`, or for 64-bit
   * integers `integer` or a decimal `string` (a JSON number past 2^53 loses precision in most clients).
   */
  readonly schema: JsonSchema;
}

const float = (storage: StorageClass, bytes: number): DTypeInfo => ({
  kind: "float",
  storage,
  bytes,
  schema: { type: "number" },
});
const int = (storage: StorageClass, min: number, max: number): DTypeInfo => ({
  kind: "int",
  storage,
  bytes: storage.BYTES_PER_ELEMENT,
  range: [min, max],
  schema: { type: "integer" },
});
const bigint = (storage: StorageClass, min: bigint, max: bigint): DTypeInfo => ({
  kind: "bigint",
  storage,
  bytes: 8,
  bigRange: [min, max],
  schema: { type: ["integer", "string"] },
});

/**
 * Every dtype's storage class, byte size, integer range and element schema. `float16` is stored as its bits
 * in a `Uint16Array`, `bool` as 0/1 in a `Uint8Array`.
 *
 * @example
 * ```ts
 * import { DTYPE_INFO } from "./dtype.ts";
 * const { storage, bytes, range } = DTYPE_INFO.int32;
 * console.log(storage?.name, bytes, range); // Int32Array 4 [ -2147483648, 2147483647 ]
 * ```
 */
export const DTYPE_INFO: Readonly<Record<DType, DTypeInfo>> = Object.freeze({
  float32: float(Float32Array, 4),
  float64: float(Float64Array, 8),
  float16: float(Uint16Array, 2),
  int8: int(Int8Array, -128, 127),
  uint8: int(Uint8Array, 0, 255),
  int16: int(Int16Array, -32768, 32767),
  uint16: int(Uint16Array, 0, 65535),
  int32: int(Int32Array, -2147483648, 2147483647),
  uint32: int(Uint32Array, 0, 4294967295),
  int64: bigint(BigInt64Array, -(2n ** 63n), 2n ** 63n - 1n),
  uint64: bigint(BigUint64Array, 0n, 2n ** 64n - 1n),
  bool: { kind: "bool", storage: Uint8Array, bytes: 1, range: [0, 1], schema: { type: "boolean" } },
  string: { kind: "string", storage: undefined, bytes: 0, schema: { type: "string" } },
});

/** True for the IEEE float dtypes (`float16`, `float32`, `float64`). */
export function isFloatDType(dtype: DType): dtype is "float16" | "float32" | "float64" {
  return DTYPE_INFO[dtype].kind === "float";
}

/** Options for {@link elementSchema}. */
export interface ElementSchemaOptions {
  /** Float elements may also be `null` (NaN). Default false. */
  allowNaN?: boolean;
}

/**
 * The JSON Schema of one element of `dtype` ({@link DTypeInfo.schema}), with `null` allowed for floats when
 * NaN is; a non-tensor value ("unknown") has no schema (`{}`).
 *
 * @example
 * ```ts
 * import { elementSchema } from "./dtype.ts";
 * console.log(elementSchema("int64"), elementSchema("float32", { allowNaN: true }));
 * // { type: [ "integer", "string" ] } { type: [ "number", "null" ] }
 * ```
 */
export function elementSchema(dtype: DType | "unknown", options: ElementSchemaOptions = {}): JsonSchema {
  if (dtype === "unknown") return {};
  if (options.allowNaN && isFloatDType(dtype)) return { type: ["number", "null"] };
  return { ...DTYPE_INFO[dtype].schema };
}

/**
 * A view of `count` elements of `dtype` over `buffer` from `byteOffset` (default: to the end); `bool` bytes
 * are normalised to 0/1 in a copy. Not for `string`.
 *
 * @throws {TypeError} for `string`, which has no binary form
 *
 * @example
 * ```ts
 * import { storageView } from "./dtype.ts";
 * const bytes = new Uint8Array(new Float32Array([1.5, 2]).buffer);
 * console.log(storageView("float32", bytes.buffer)); // Float32Array(2) [ 1.5, 2 ]
 * ```
 */
export function storageView(dtype: DType, buffer: ArrayBuffer, byteOffset = 0, count?: number): TypedStorage {
  const storage = DTYPE_INFO[dtype].storage;
  if (storage === undefined) throw new TypeError(`${dtype} elements have no binary form`);
  const view = new storage(buffer, byteOffset, count);
  return dtype === "bool" ? (view as Uint8Array).map((b) => (b === 0 ? 0 : 1)) : view;
}
