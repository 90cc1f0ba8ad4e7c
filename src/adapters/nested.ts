/**
 * Nested JSON lists ↔ {@link Tensor}: build a tensor from `[[...], [...]]` with shape and element checks, turn
 * one back into lists, and stack or concatenate tensors for batching. Loops fill typed arrays directly, so
 * 100k+ elements convert in milliseconds.
 *
 * @module
 */
import { BadInputError, messageOf } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import { formatShape } from "../sdk/shape.ts";
import { allocate, sizeOf } from "../sdk/tensor.ts";
import type { DType, DTypeStorage, Tensor, TensorData } from "../sdk/tensor.ts";
import { tensorToJson } from "./json_value.ts";
import { coerceBigInt, coerceNumber, fitsFloat } from "./number_coercion.ts";

/** A declared shape: numbers must match; a string (named dim), null or a negative number is free. */
export type DeclaredShape = readonly (number | string | null)[];

/** Options for {@link tensorFromNested}. */
export interface TensorFromNestedOptions {
  /**
   * The shape the model expects. Numbers must match; strings, null and -1 are free. With a flat typed array
   * or a flat list, it gives the dims (at most one free dim, inferred from the length). Default: none.
   */
  shape?: DeclaredShape;
  /** What to call the value in error messages, e.g. `"instances"`. Default `"input"`. */
  name?: string;
  /**
   * Accept NaN in float dtypes (a NaN number, or JSON `null`). Default false: NaN is refused like ±Infinity and
   * numbers the dtype cannot hold (1e39 in float32), which are refused whatever this says.
   */
  allowNaN?: boolean;
}

/** What element checks need: the name for messages and whether NaN is accepted. */
interface Where {
  name: string;
  allowNaN: boolean;
}

function isFree(d: number | string | null): boolean {
  return typeof d === "string" || d === null || d < 0;
}

/** A short description of a bad element for error messages. */
function describe(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "bigint") return `${v}n`;
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") return "an object";
  return String(v);
}

function pathOf(name: string, indices: readonly number[], last: number): string {
  let p = name;
  for (const i of indices) p += `[${i}]`;
  return last < 0 ? p : `${p}[${last}]`;
}

/** Writes `src[0..n)` into `out` from `offset`, checking each element against `dtype` (see number_coercion.ts). */
function fillElements(
  src: ArrayLike<unknown>,
  out: TensorData,
  offset: number,
  dtype: DType,
  where: Where,
  indices: readonly number[],
  scalar = false,
): void {
  const n = src.length;
  const { name } = where;
  const at = (i: number): string => pathOf(name, indices, scalar ? -1 : i);
  const refused = (i: number, error: unknown): BadInputError =>
    new BadInputError(`${at(i)}: ${messageOf(error)}`, { cause: error });
  switch (dtype) {
    case "float32":
    case "float64":
    case "float16": {
      const o = out as Float32Array;
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (typeof v === "number" && fitsFloat(v, dtype)) o[offset + i] = v;
        else {
          try {
            o[offset + i] = coerceNumber(v, dtype, where);
          } catch (error) {
            throw refused(i, error);
          }
        }
      }
      return;
    }
    case "bool": {
      const o = out as Uint8Array;
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (v !== true && v !== false) {
          throw new BadInputError(`${at(i)} is ${describe(v)}, expected true or false (bool)`);
        }
        o[offset + i] = v ? 1 : 0;
      }
      return;
    }
    case "string": {
      const o = out as string[];
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (typeof v !== "string") throw new BadInputError(`${at(i)} is ${describe(v)}, expected a string`);
        o[offset + i] = v;
      }
      return;
    }
    case "int64":
    case "uint64": {
      const o = out as BigInt64Array;
      for (let i = 0; i < n; i++) {
        try {
          o[offset + i] = coerceBigInt(src[i], dtype);
        } catch (error) {
          throw refused(i, error);
        }
      }
      return;
    }
    default: {
      const o = out as Int32Array;
      for (let i = 0; i < n; i++) {
        try {
          o[offset + i] = coerceNumber(src[i], dtype);
        } catch (error) {
          throw refused(i, error);
        }
      }
    }
  }
}

/** Storage to fill: float16 is filled as float32 and converted to half bits at the end. */
function storageFor(dtype: DType, length: number): TensorData {
  return dtype === "float16" ? new Float32Array(length) : allocate(dtype, length);
}

function finish<T extends DType>(dtype: T, data: TensorData): DTypeStorage[T] {
  if (dtype !== "float16") return data as DTypeStorage[T];
  return new Uint16Array(Float16Array.from(data as Float32Array).buffer) as DTypeStorage[T];
}

/** Dims for a flat list of `length` elements under a declared shape (one free dim is inferred). */
function flatDims(shape: DeclaredShape | undefined, length: number, name: string): number[] {
  if (shape === undefined) return [length];
  let known = 1;
  let free = -1;
  for (let a = 0; a < shape.length; a++) {
    const d = shape[a];
    if (!isFree(d)) known *= d as number;
    else if (free >= 0) {
      throw new BadInputError(
        `${name} is a flat list of ${length} elements, but shape ${formatShape(shape)} has more than one ` +
          `free dim; send nested lists or give all dims but one`,
      );
    } else free = a;
  }
  const dims = shape.map((d) => (isFree(d) ? 0 : d as number));
  if (free >= 0 && known > 0 && length % known === 0) {
    dims[free] = length / known;
    return dims;
  }
  if (free < 0 && known === length) return dims;
  throw new BadInputError(
    `${name} has ${length} elements, which does not fit shape ${formatShape(shape)}` +
      (free >= 0 ? ` (not a multiple of ${known})` : ` (needs ${known})`),
  );
}

/** Throws unless `dims` fits `shape`. */
function checkShape(dims: readonly number[], shape: DeclaredShape | undefined, name: string): void {
  if (shape === undefined) return;
  let ok = dims.length === shape.length;
  for (let a = 0; ok && a < dims.length; a++) ok = isFree(shape[a]) || shape[a] === dims[a];
  if (!ok) {
    throw new BadInputError(
      `${name} has shape ${formatShape(dims)}, the model expects ${formatShape(shape)}`,
    );
  }
}

function fillNested(
  arr: readonly unknown[],
  dims: readonly number[],
  axis: number,
  out: TensorData,
  offset: number,
  dtype: DType,
  where: Where,
  indices: number[],
): void {
  const { name } = where;
  const n = dims[axis];
  if (axis === dims.length - 1) {
    fillElements(arr, out, offset, dtype, where, indices);
    return;
  }
  const want = dims[axis + 1];
  const stride = sizeOf(dims.slice(axis + 1));
  for (let i = 0; i < n; i++) {
    const sub = arr[i];
    if (!Array.isArray(sub)) {
      throw new BadInputError(
        `${pathOf(name, indices, i)} is ${describe(sub)}, expected an array of ${want} elements`,
      );
    }
    if (sub.length !== want) {
      throw new BadInputError(`${pathOf(name, indices, i)} has ${sub.length} elements, expected ${want}`);
    }
    indices.push(i);
    fillNested(sub, dims, axis + 1, out, offset + i * stride, dtype, where, indices);
    indices.pop();
  }
}

/** The most dimensions a tensor read from nested lists may have; deeper nesting is refused before it is walked. */
export const MAX_NESTED_RANK = 32;

/** The dims a nested list implies, read from its first elements. */
export function nestedDims(value: unknown): number[] {
  const dims: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    dims.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return dims;
}

/**
 * Builds a tensor from nested lists (or a scalar), a flat typed array, or a flat list with `options.shape`.
 * Dims come from the nesting; every sub-list must have the same length; elements must suit `dtype` by the
 * shared number rule (number_coercion.ts): finite numbers the dtype can hold for floats (NaN only with
 * `allowNaN`; ±Infinity and overflow such as 1e39 for float32 never), integers in range for int types, integer
 * numbers within 2^53, BigInts or decimal strings for int64/uint64; true/false for bool, strings for string.
 * A typed array whose storage already suits `dtype` is used as is (not copied, not checked).
 *
 * @param value nested lists, a typed array, or a flat list.
 * @param dtype the element type to produce.
 * @param options the declared shape, the name used in errors, `allowNaN`.
 * @returns the tensor.
 * @throws {BadInputError} naming the index path (0-based), e.g. `input[3] has 2 elements, expected 4` or
 *   `input[0][1]: 1e+39 is out of range for float32 (…)`, or the shapes, e.g. `input has shape [2,3], the
 *   model expects [N,4]`.
 *
 * @example
 * ```ts
 * import { tensorFromNested } from "./nested.ts";
 * const t = tensorFromNested([[1, 2], [3, 4]], "float32", { shape: ["N", 2] });
 * console.log(t.dims, t.data); // [2, 2] Float32Array(4) [1, 2, 3, 4]
 * ```
 */
export function tensorFromNested<T extends DType>(
  value: unknown,
  dtype: T,
  options: TensorFromNestedOptions = {},
): Tensor<T> {
  const { shape, name = "input" } = options;
  const where: Where = { name, allowNaN: options.allowNaN === true };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const flat = value as unknown as TensorData;
    const dims = flatDims(shape, flat.length, name);
    if (flat instanceof allocate(dtype, 0).constructor) {
      return { type: dtype, dims, data: flat as DTypeStorage[T] };
    }
    const out = storageFor(dtype, flat.length);
    fillElements(flat, out, 0, dtype, where, []);
    return { type: dtype, dims, data: finish(dtype, out) };
  }
  if (Array.isArray(value) && shape !== undefined && shape.length !== 1 && !Array.isArray(value[0])) {
    const dims = flatDims(shape, value.length, name);
    const out = storageFor(dtype, value.length);
    fillElements(value, out, 0, dtype, where, []);
    return { type: dtype, dims, data: finish(dtype, out) };
  }
  const dims = nestedDims(value);
  if (dims.length > MAX_NESTED_RANK) {
    throw new BadInputError(
      `${name} is lists nested ${dims.length} deep; a tensor has at most ${MAX_NESTED_RANK} dimensions`,
    );
  }
  checkShape(dims, shape, name);
  const out = storageFor(dtype, sizeOf(dims));
  if (dims.length === 0) fillElements([value], out, 0, dtype, where, [], true);
  else fillNested(value as unknown[], dims, 0, out, 0, dtype, where, []);
  return { type: dtype, dims, data: finish(dtype, out) };
}

/**
 * A tensor as nested lists shaped by its dims, with JSON-safe elements (float32 as the shortest round-trip
 * decimal, int64 beyond 2^53 as strings, bool as booleans, NaN as null).
 *
 * @throws {TypeError} when the data length does not match the dims.
 *
 * @example
 * ```ts
 * import { nestedFromTensor } from "./nested.ts";
 * console.log(nestedFromTensor({ type: "float32", dims: [1, 2], data: new Float32Array([0.1, 2]) })); // [[0.1, 2]]
 * ```
 */
export function nestedFromTensor(tensor: Tensor): JsonValue {
  const size = sizeOf(tensor.dims);
  if (tensor.data.length !== size) {
    throw new TypeError(
      `tensor has ${tensor.data.length} elements but dims ${formatShape(tensor.dims)} need ${size}`,
    );
  }
  return tensorToJson(tensor);
}

function joinData<T extends DType>(type: T, parts: readonly Tensor<T>[], total: number): DTypeStorage[T] {
  if (type === "string") {
    const out: string[] = [];
    for (const p of parts) for (const s of p.data as string[]) out.push(s);
    return out as DTypeStorage[T];
  }
  const out = allocate(type, total) as Exclude<TensorData, string[]>;
  let offset = 0;
  for (const p of parts) {
    (out as Float32Array).set(p.data as Float32Array, offset);
    offset += p.data.length;
  }
  return out as DTypeStorage[T];
}

function sameDims(a: readonly number[], b: readonly number[], from: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = from; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Stacks same-shape tensors into one with a new leading dim: N tensors of [C,H,W] give [N,C,H,W].
 *
 * @throws {BadInputError} for an empty list, or naming the item whose dtype or shape differs from item 0.
 *
 * @example
 * ```ts
 * import { stackTensors } from "./nested.ts";
 * const a = { type: "float32", dims: [2], data: new Float32Array([1, 2]) } as const;
 * console.log(stackTensors([a, a]).dims); // [2, 2]
 * ```
 */
export function stackTensors<T extends DType>(tensors: readonly Tensor<T>[]): Tensor<T> {
  if (tensors.length === 0) throw new BadInputError("nothing to stack: the list of tensors is empty");
  const first = tensors[0];
  for (let i = 1; i < tensors.length; i++) {
    const t = tensors[i];
    if (t.type !== first.type) {
      throw new BadInputError(`item ${i} is ${t.type}, expected ${first.type} like item 0`);
    }
    if (!sameDims(t.dims, first.dims, 0)) {
      throw new BadInputError(
        `item ${i} has shape ${formatShape(t.dims)}, expected ${formatShape(first.dims)} like item 0; ` +
          `resize or pad the inputs to one shape`,
      );
    }
  }
  const data = joinData(first.type, tensors, first.data.length * tensors.length);
  return { type: first.type, dims: [tensors.length, ...first.dims], data };
}

/**
 * Concatenates tensors along axis 0 (rows): [2,4] and [3,4] give [5,4]. One tensor is returned as is.
 *
 * @throws {BadInputError} for an empty list, a scalar, or naming the item whose dtype or row shape differs.
 *
 * @example
 * ```ts
 * import { concatRows } from "./nested.ts";
 * const a = { type: "int32", dims: [1, 2], data: new Int32Array([1, 2]) } as const;
 * const b = { type: "int32", dims: [2, 2], data: new Int32Array([3, 4, 5, 6]) } as const;
 * console.log(concatRows([a, b]).dims); // [3, 2]
 * ```
 */
export function concatRows<T extends DType>(tensors: readonly Tensor<T>[]): Tensor<T> {
  if (tensors.length === 0) throw new BadInputError("nothing to concatenate: the list of tensors is empty");
  const first = tensors[0];
  let rows = 0;
  let total = 0;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    if (t.dims.length === 0) {
      throw new BadInputError(`item ${i} is a scalar (shape []), it has no rows to concatenate`);
    }
    if (t.type !== first.type) {
      throw new BadInputError(`item ${i} is ${t.type}, expected ${first.type} like item 0`);
    }
    if (!sameDims(t.dims, first.dims, 1)) {
      throw new BadInputError(
        `item ${i} has rows of shape ${formatShape(t.dims.slice(1))}, expected ${
          formatShape(first.dims.slice(1))
        } ` +
          `like item 0`,
      );
    }
    rows += t.dims[0];
    total += t.data.length;
  }
  if (tensors.length === 1) return first;
  return {
    type: first.type,
    dims: [rows, ...first.dims.slice(1)],
    data: joinData(first.type, tensors, total),
  };
}
