/**
 * Turns API results into plain JSON: typed arrays, BigInt, `Map`s (e.g. ONNX ZipMap outputs), tensors and
 * dates become arrays, numbers, objects and strings that `JSON.stringify` writes faithfully.
 *
 * @module
 */
import type { JsonValue } from "../sdk/adapter.ts";
import { DTYPES } from "../sdk/tensor.ts";
import type { DType, Tensor, TensorData } from "../sdk/tensor.ts";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;
/** Powers of ten that doubles hold exactly (10^0 to 10^22). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The shortest decimal (6 to 9 significant digits) that rounds back to the same float32 as `x`, so
 * `0.1` stored in a `Float32Array` prints as `0.1`, not `0.10000000149011612`. NaN and ±Infinity give null.
 *
 * @example
 * ```ts
 * import { float32ToJson } from "./json_value.ts";
 * console.log(float32ToJson(new Float32Array([0.1])[0])); // 0.1
 * ```
 */
export function float32ToJson(x: number): number | null {
  if (Number.isInteger(x) && x < 16777216 && x > -16777216) return x === 0 ? 0 : x; // exact and short
  if (x !== x || x === Infinity || x === -Infinity) return null;
  // Arithmetic first (m / 10^k is correctly rounded, as Number("m e-k") is); strings only for extreme exponents.
  const e = Math.floor(Math.log10(Math.abs(x)));
  for (let digits = 6; digits <= 9; digits++) {
    const k = digits - 1 - e;
    let candidate: number;
    if (k >= 0 && k <= 22) candidate = Math.round(x * POW10[k]) / POW10[k];
    else if (k < 0 && k >= -22) candidate = Math.round(x / POW10[-k]) * POW10[-k];
    else break;
    if (Math.fround(candidate) === x) return candidate;
  }
  for (let digits = 6; digits < 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return Number(x.toPrecision(9));
}

/**
 * A BigInt as JSON: a number when |v| ≤ 2^53-1 (exact in a double), else its decimal string.
 *
 * @example
 * ```ts
 * import { bigintToJson } from "./json_value.ts";
 * console.log(bigintToJson(42n), bigintToJson(2n ** 60n)); // 42 "1152921504606846976"
 * ```
 */
export function bigintToJson(v: bigint): number | string {
  return v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v.toString();
}

/** Decodes IEEE 754 half-precision bits to a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Converts a tensor's flat storage to a flat list of JSON values, in one loop per storage type.
 * `type` says how to read the elements: `bool` gives booleans, `float16` decodes `Uint16Array` bits; without it
 * the storage's own element type is used. NaN and ±Infinity become null.
 *
 * @example
 * ```ts
 * import { flatDataToJson } from "./json_value.ts";
 * console.log(flatDataToJson(new Uint8Array([1, 0]), "bool")); // [true, false]
 * ```
 */
export function flatDataToJson(data: TensorData | ArrayLike<unknown>, type?: DType): JsonValue[] {
  const n = data.length;
  const out = new Array<JsonValue>(n);
  if (type === "bool") {
    const d = data as ArrayLike<number>;
    for (let i = 0; i < n; i++) out[i] = d[i] !== 0;
  } else if (type === "float16" && data instanceof Uint16Array) {
    for (let i = 0; i < n; i++) out[i] = float32ToJson(halfToNumber(data[i]));
  } else if (data instanceof Float32Array) {
    for (let i = 0; i < n; i++) out[i] = float32ToJson(data[i]);
  } else if (data instanceof Float64Array) {
    for (let i = 0; i < n; i++) {
      const x = data[i];
      out[i] = x === x && x !== Infinity && x !== -Infinity ? x : null;
    }
  } else if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = bigintToJson(data[i]);
  } else if (ArrayBuffer.isView(data)) {
    const d = data as unknown as ArrayLike<number>;
    for (let i = 0; i < n; i++) out[i] = d[i];
  } else {
    for (let i = 0; i < n; i++) out[i] = toJsonValue(data[i]);
  }
  return out;
}

/** Splits a flat list into nested lists by `dims` (row-major). */
function nest(flat: JsonValue[], dims: readonly number[], axis: number, offset: number): JsonValue[] {
  const n = dims[axis];
  if (axis === dims.length - 1) return flat.slice(offset, offset + n);
  let stride = 1;
  for (let a = axis + 1; a < dims.length; a++) stride *= dims[a];
  const out = new Array<JsonValue>(n);
  for (let i = 0; i < n; i++) out[i] = nest(flat, dims, axis + 1, offset + i * stride);
  return out;
}

/**
 * A tensor as nested JSON lists shaped by its dims (a rank-0 tensor gives its single value). Element
 * conversion is that of {@link flatDataToJson}.
 *
 * @example
 * ```ts
 * import { tensorToJson } from "./json_value.ts";
 * const t = { type: "int32", dims: [2, 2], data: new Int32Array([1, 2, 3, 4]) } as const;
 * console.log(tensorToJson(t)); // [[1, 2], [3, 4]]
 * ```
 */
export function tensorToJson(tensor: Tensor): JsonValue {
  const flat = flatDataToJson(tensor.data, tensor.type);
  if (tensor.dims.length === 0) return flat[0] ?? null;
  return nest(flat, tensor.dims, 0, 0);
}

/** True for `{type, dims, data}` objects (obento tensors and onnxruntime tensors alike). */
export function isTensorLike(value: unknown): value is Tensor {
  if (value === null || typeof value !== "object") return false;
  const t = value as { type?: unknown; dims?: unknown; data?: unknown };
  if (typeof t.type !== "string" || !(DTYPES as readonly string[]).includes(t.type)) return false;
  if (!Array.isArray(t.dims) || !t.dims.every((d) => Number.isInteger(d) && d >= 0)) return false;
  const data = t.data as { length?: unknown } | undefined;
  if (!(ArrayBuffer.isView(data) || Array.isArray(data))) return false;
  let size = 1;
  for (const d of t.dims as number[]) size *= d;
  return data.length === size;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

function keyPath(path: string, key: string): string {
  return IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function convert(value: unknown, path: string, seen: Set<object>): JsonValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return value === value && value !== Infinity && value !== -Infinity ? value : null;
    case "bigint":
      return bigintToJson(value);
    case "undefined":
      return null;
    case "function":
    case "symbol":
      throw new TypeError(`${path} is a ${typeof value}, which has no JSON form; return data instead`);
  }
  if (value === null) return null;
  const obj = value as object;
  if (ArrayBuffer.isView(obj)) {
    if (obj instanceof DataView) {
      return flatDataToJson(new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength));
    }
    return flatDataToJson(obj as unknown as TensorData);
  }
  if (obj instanceof ArrayBuffer) return flatDataToJson(new Uint8Array(obj));
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (seen.has(obj)) throw new TypeError(`${path} refers back to itself (a cycle); JSON cannot hold cycles`);
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      const out = new Array<JsonValue>(obj.length);
      for (let i = 0; i < obj.length; i++) out[i] = convert(obj[i], `${path}[${i}]`, seen);
      return out;
    }
    if (isTensorLike(obj)) return tensorToJson(obj);
    if (obj instanceof Map) {
      const out: { [key: string]: JsonValue } = {};
      for (const [k, v] of obj) {
        const key = typeof k === "string" ? k : String(k);
        out[key] = convert(v, keyPath(path, key), seen);
      }
      return out;
    }
    if (obj instanceof Set) {
      const out: JsonValue[] = [];
      let i = 0;
      for (const v of obj) out.push(convert(v, `${path}[${i++}]`, seen));
      return out;
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") return convert(toJSON.call(obj), path, seen);
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(obj)) {
      out[key] = convert((obj as Record<string, unknown>)[key], keyPath(path, key), seen);
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

/**
 * Converts any API result to plain JSON, detecting its kind:
 * - typed arrays → lists (float32 as the shortest decimal that round-trips, see {@link float32ToJson});
 * - BigInt and BigInt64Array elements → numbers when |v| ≤ 2^53-1, else decimal strings;
 * - `Map` (e.g. ONNX ZipMap outputs) → objects with stringified keys; `Set` → lists;
 * - tensors (`{type, dims, data}`, obento's or onnxruntime's) → nested lists by dims, `bool` as booleans;
 * - NaN and ±Infinity → null (JSON has no such numbers); `undefined` → null; Date → ISO string
 *   (an invalid Date → null); objects with `toJSON()` → its result;
 * - plain objects and arrays recursively.
 *
 * @param value the result to convert.
 * @returns a JSON-safe copy.
 * @throws {TypeError} for functions, symbols and cycles, naming the path, e.g. `result[2].x`.
 *
 * @example
 * ```ts
 * import { toJsonValue } from "./json_value.ts";
 * const out = toJsonValue({ probs: new Float32Array([0.1, 0.9]), labels: new Map([[0, "cat"]]) });
 * console.log(JSON.stringify(out)); // {"probs":[0.1,0.9],"labels":{"0":"cat"}}
 * ```
 */
export function toJsonValue(value: unknown): JsonValue {
  return convert(value, "result", new Set());
}
