/**
 * The column types of a frame's storage: their names and the typed array each is stored in. A file of
 * its own so that the slab allocator (`column_alloc.ts`) and the frame share them without importing each other.
 *
 * @module
 */
/** Element types a frame column may hold. `bool` is stored as `Uint8Array` (0/1). */
export type ColumnType = "float32" | "float64" | "int32" | "int64" | "bool" | "string";

/** All column types, for validation. */
export const COLUMN_TYPES: readonly ColumnType[] = ["float32", "float64", "int32", "int64", "bool", "string"];

/** The storage for each {@link ColumnType}. */
export interface ColumnStorage {
  /** 32-bit floats. */
  float32: Float32Array;
  /** 64-bit floats. */
  float64: Float64Array;
  /** 32-bit signed integers. */
  int32: Int32Array;
  /** 64-bit signed integers, as BigInt. */
  int64: BigInt64Array;
  /** Booleans as 0/1. */
  bool: Uint8Array;
  /** Strings. */
  string: string[];
}

/** Any column storage. */
export type Column = ColumnStorage[ColumnType];
