/**
 * Column storage allocation. Small numeric columns (a request's one-row frame) are views on shared slabs:
 * in Deno every new ArrayBuffer costs about 1 µs, more than decoding a small JSON body, while a view on an
 * existing buffer costs about 0.03 µs. A slab lives as long as any view on it; large columns get their own
 * buffer. Consequence for callers: a small column's `.buffer` is shared, so never transfer or detach it
 * (copy the column first, e.g. with `slice()`).
 *
 * @module
 */
import type { Column, ColumnType } from "./column_type.ts";

/** Columns of at most this many bytes come from a slab. */
const SMALL_BYTES = 256;
/** Bytes per slab. */
const SLAB_BYTES = 64 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** Where `bytes` start in the current slab, 8-byte aligned; starts a new slab when this one is full. */
function carve(bytes: number): number {
  if (used + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const start = used;
  used = start + ((bytes + 7) & ~7);
  return start;
}

/** The typed array of each numeric column type. */
const STORAGE = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
} as const;

/**
 * Zeroed storage of `type` for `length` rows.
 *
 * @example
 * ```ts
 * import { allocateColumn } from "./column_alloc.ts";
 * const col = allocateColumn("float32", 4);
 * console.log(col.length, col instanceof Float32Array); // 4 true
 * ```
 */
export function allocateColumn(type: ColumnType, length: number): Column {
  if (type === "string") return new Array<string>(length);
  const Storage = STORAGE[type];
  const bytes = length * Storage.BYTES_PER_ELEMENT;
  if (bytes > SMALL_BYTES) return new Storage(length);
  const offset = carve(bytes); // first: it may start a new slab
  return new Storage(slab, offset, length);
}
