/**
 * Column storage allocation. Small numeric columns (a request's one-row frame) are views on shared slabs:
 * in Deno every new ArrayBuffer costs about 1 µs, more than decoding a small JSON body, while a view on an
 * existing buffer costs about 0.03 µs. A slab lives as long as any view on it; large columns get their own
 * buffer. Consequence for callers: a small column's `.buffer` is shared, so never transfer or detach it
 * (copy the column first, e.g. with `slice()`).
 *
 * @module
 */
import type { Column, ColumnType } from "./frame.ts";

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

/** A view of `length` elements of `bytesPer` bytes on the current slab (carve first: it may replace it). */
function small<T>(
  make: (buffer: ArrayBuffer, offset: number, length: number) => T,
  bytesPer: number,
  length: number,
): T {
  const offset = carve(length * bytesPer);
  return make(slab, offset, length);
}

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
  switch (type) {
    case "float32":
      return length * 4 <= SMALL_BYTES
        ? small((b, o, n) => new Float32Array(b, o, n), 4, length)
        : new Float32Array(length);
    case "float64":
      return length * 8 <= SMALL_BYTES
        ? small((b, o, n) => new Float64Array(b, o, n), 8, length)
        : new Float64Array(length);
    case "int32":
      return length * 4 <= SMALL_BYTES
        ? small((b, o, n) => new Int32Array(b, o, n), 4, length)
        : new Int32Array(length);
    case "int64":
      return length * 8 <= SMALL_BYTES
        ? small((b, o, n) => new BigInt64Array(b, o, n), 8, length)
        : new BigInt64Array(length);
    case "bool":
      return length <= SMALL_BYTES
        ? small((b, o, n) => new Uint8Array(b, o, n), 1, length)
        : new Uint8Array(length);
    case "string":
      return new Array<string>(length);
  }
}
