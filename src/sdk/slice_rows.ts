/**
 * The one row slicer: rows of a tensor along its first (batch) axis, as a view of the same storage or as a
 * copy, chosen by the caller and said in the call.
 *
 * @module
 */
import { sizeOf, type Tensor, type TensorData } from "./tensor.ts";

/**
 * `view`: the rows share the tensor's storage (cheap; a write to one shows in the other, and the whole
 * storage stays alive while a row does). `copy`: the rows get storage of their own. String tensors are
 * always copied (a `string[]` has no views).
 */
export type SliceMode = "view" | "copy";

/**
 * Rows `[start, start + count)` of `tensor` along axis 0.
 *
 * @throws {RangeError} when the tensor has no axis 0 or the rows are out of its range
 *
 * @example
 * ```ts
 * import { sliceRows } from "./slice_rows.ts";
 * const t = { type: "float32", dims: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) } as const;
 * const rows = sliceRows(t, 1, 2, "view");
 * console.log(rows.dims, rows.data, rows.data.buffer === t.data.buffer); // [ 2, 2 ] Float32Array(4) [ 3, 4, 5, 6 ] true
 * ```
 */
export function sliceRows<T extends Tensor>(tensor: T, start: number, count: number, mode: SliceMode): T {
  const total = tensor.dims[0];
  if (total === undefined || start < 0 || count < 0 || start + count > total) {
    throw new RangeError(
      `rows ${start}..${start + count} are outside a tensor of dims [${tensor.dims.join(",")}]`,
    );
  }
  const rest = tensor.dims.slice(1);
  const stride = sizeOf(rest);
  const from = start * stride;
  const to = (start + count) * stride;
  const data = tensor.data;
  const sliced = Array.isArray(data) || mode === "copy"
    ? data.slice(from, to)
    : (data as Exclude<TensorData, string[]>).subarray(from, to);
  return { ...tensor, dims: [count, ...rest], data: sliced as TensorData };
}

/**
 * Row `index` of `tensor` without the batch axis (dims `tensor.dims.slice(1)`).
 *
 * @example
 * ```ts
 * import { rowAt } from "./slice_rows.ts";
 * const t = { type: "int32", dims: [2, 2], data: new Int32Array([1, 2, 3, 4]) } as const;
 * console.log(rowAt(t, 1, "copy")); // { type: "int32", dims: [ 2 ], data: Int32Array(2) [ 3, 4 ] }
 * ```
 */
export function rowAt<T extends Tensor>(tensor: T, index: number, mode: SliceMode): T {
  const rows = sliceRows(tensor, index, 1, mode);
  return { ...rows, dims: rows.dims.slice(1) };
}
