/**
 * The one rule for numbers that go into a typed column or tensor, shared by every input adapter
 * (DataframeInput, TensorInput, the zero-code OnnxFeedsInput, v2 inference) so that they all accept and refuse
 * the same values:
 *
 * - floats (`float16`, `float32`, `float64`) take finite numbers that the dtype can hold: NaN is refused
 *   (unless `allowNaN`), and so are ±Infinity and numbers that overflow the dtype to Infinity (`1e39` for
 *   float32; `1e400`, which JSON parsing turns into Infinity, for any float);
 * - integers (`int8` … `uint64`) take whole numbers within the dtype's range; int64/uint64 also take decimal
 *   strings (the way to send values beyond 2^53, which JSON numbers cannot carry exactly);
 * - parsed JSON strings (`"5.1"`) and booleans are not numbers; text (a CSV cell) is parsed, by the same rule.
 *
 * Refusals throw a {@link BadInputError} whose message starts with the value (`1e+39 is out of range for
 * float32 (…)`); callers prefix where the value was (row and column, or tensor path).
 *
 * @module
 */
import { BadInputError } from "../errors.ts";
import { DTYPE_INFO, isFloatDType } from "../sdk/dtype.ts";
import type { DType } from "../sdk/tensor.ts";

/** The element types that hold numbers. */
export type NumericDType = Exclude<DType, "bool" | "string">;
/** Floating-point element types. */
export type FloatDType = "float16" | "float32" | "float64";
/** Integer element types held as BigInt. */
export type BigIntDType = "int64" | "uint64";
/** Element types held as JS numbers. */
export type SmallNumericDType = Exclude<NumericDType, BigIntDType>;

/** Options for {@link coerceNumber} and {@link coerceBigInt}. */
export interface CoerceOptions {
  /**
   * Accept NaN in float dtypes: a NaN number, JSON `null`, and for text an empty cell or `NaN`/`nan`.
   * Default false. Integers never take NaN.
   */
  allowNaN?: boolean;
  /**
   * The value is text to parse (a CSV cell), not a parsed JSON value: a string like `"5.1"` is then a number.
   * Default false: a string is refused for float and 32-bit-or-smaller integer dtypes.
   */
  text?: boolean;
}

/** A magnitude at or beyond this rounds to Infinity in the dtype (half-way to the next power of two). */
const FLOAT_LIMIT: Readonly<Record<FloatDType, number>> = {
  float16: 65520,
  float32: 3.4028235677973366e38,
  float64: Infinity,
};
/** The largest finite value of each float dtype, for messages. */
const FLOAT_MAX: Readonly<Record<FloatDType, number>> = {
  float16: 65504,
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
};
const DECIMAL_INTEGER = /^[+-]?\d+$/;
const NAN_TEXT = /^[+-]?nan$/i;
const INFINITY_TEXT = /^([+-]?)inf(inity)?$/i;

/**
 * True when `value` is a number that `dtype` stores as is: finite and within range. The fast check for
 * loops; anything else goes through {@link coerceNumber}, which accepts or names the problem.
 *
 * @example
 * ```ts
 * import { fitsFloat } from "./number_coercion.ts";
 * console.log(fitsFloat(5.1, "float32"), fitsFloat(1e39, "float32"), fitsFloat(NaN, "float64")); // true false false
 * ```
 */
export function fitsFloat(value: number, dtype: FloatDType): boolean {
  return Math.abs(value) < FLOAT_LIMIT[dtype];
}

/** A value as messages show it: strings quoted, numbers and booleans bare, other values by kind. */
export function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "bigint") return `${value}`;
  if (value === null || value === undefined) return String(value);
  return Array.isArray(value) ? "a list" : "an object";
}

function refuse(message: string): never {
  throw new BadInputError(message);
}

function outOfRange(shown: string, dtype: NumericDType, min: string | number | bigint, max: string): never {
  return refuse(`${shown} is out of range for ${dtype} (${min}..${max})`);
}

/** A JSON string in place of a number: say so, and how to send it. */
function stringNotNumber(value: string, dtype: NumericDType): never {
  const t = value.trim();
  const v = t === "" ? NaN : +t;
  if (v - v === 0) {
    return refuse(`${showValue(value)} is a string, not a number; send ${t} without quotes (${dtype})`);
  }
  return refuse(`${showValue(value)} is not a number`);
}

/** The number a text cell holds, with NaN and infinity spellings; undefined when it holds none. */
function parseText(value: string): number | undefined {
  const t = value.trim();
  if (t === "") return undefined;
  const v = +t;
  if (v === v) return v;
  if (NAN_TEXT.test(t)) return NaN;
  const inf = INFINITY_TEXT.exec(t);
  if (inf) return inf[1] === "-" ? -Infinity : Infinity;
  return undefined;
}

/**
 * `value` as a number of `dtype` (a float or an integer dtype of at most 32 bits), or throws.
 *
 * @param value a parsed JSON value, or text when `options.text`.
 * @param dtype the element type it goes into.
 * @param options `allowNaN`, `text`.
 * @returns the number to store.
 * @throws {BadInputError} naming the value and the dtype: `1e+39 is out of range for float32
 *   (-3.4028234663852886e+38..3.4028234663852886e+38)`, `NaN is not accepted for float32; send a finite number`,
 *   `"5.1" is a string, not a number; send 5.1 without quotes (float32)`, `2.5 is not an integer (int32)`.
 *
 * @example
 * ```ts
 * import { coerceNumber } from "./number_coercion.ts";
 * console.log(coerceNumber(5.1, "float32"), coerceNumber(" 7 ", "int8", { text: true })); // 5.1 7
 * try {
 *   coerceNumber(1e39, "float32");
 * } catch (e) {
 *   console.log((e as Error).message); // 1e+39 is out of range for float32 (-3.4028234663852886e+38..3.4028234663852886e+38)
 * }
 * ```
 */
export function coerceNumber(value: unknown, dtype: SmallNumericDType, options: CoerceOptions = {}): number {
  const float = isFloatDType(dtype);
  let v: number;
  let shown: string;
  if (typeof value === "number") {
    v = value;
    shown = String(value);
  } else if (typeof value === "string" && options.text) {
    const parsed = parseText(value);
    if (parsed === undefined) {
      if (value.trim() === "" && float && options.allowNaN) return NaN;
      return refuse(`${showValue(value)} is not a number`);
    }
    v = parsed;
    shown = showValue(value);
  } else if (typeof value === "string") {
    return stringNotNumber(value, dtype);
  } else if (value === null && float && options.allowNaN) {
    return NaN;
  } else {
    return refuse(`${showValue(value)} is not a number`);
  }
  if (float) {
    if (Math.abs(v) < FLOAT_LIMIT[dtype]) return v;
    if (v !== v) {
      if (options.allowNaN) return NaN;
      return refuse(`${shown} is not accepted for ${dtype}; send a finite number`);
    }
    const max = String(FLOAT_MAX[dtype]);
    return outOfRange(shown, dtype, `-${max}`, max);
  }
  const [min, max] = DTYPE_INFO[dtype].range!;
  if (Number.isInteger(v)) {
    if (v >= min && v <= max) return v;
    return outOfRange(shown, dtype, min, String(max));
  }
  if (v === Infinity || v === -Infinity) return outOfRange(shown, dtype, min, String(max));
  return refuse(`${shown} is not an integer (${dtype})`);
}

/**
 * `value` as a BigInt of `dtype` (int64 or uint64), or throws. Takes whole numbers within ±2^53 (beyond that a
 * JSON number has lost precision: send a string), BigInts, and strings of decimal digits (from JSON or text).
 *
 * @param value a parsed JSON value, a BigInt, or text when `options.text`.
 * @param dtype `int64` or `uint64`.
 * @returns the BigInt to store.
 * @throws {BadInputError} naming the value: `1.5 is not an integer (int64)`, `-1 is out of range for uint64
 *   (0..18446744073709551615)`, `1152921504606847000 is beyond 2^53 and lost precision in JSON; send it as a
 *   string`.
 *
 * @example
 * ```ts
 * import { coerceBigInt } from "./number_coercion.ts";
 * console.log(coerceBigInt(42, "int64"), coerceBigInt("9007199254740993", "int64")); // 42n 9007199254740993n
 * ```
 */
export function coerceBigInt(value: unknown, dtype: BigIntDType): bigint {
  const [min, max] = DTYPE_INFO[dtype].bigRange!;
  let b: bigint;
  if (typeof value === "bigint") {
    b = value;
  } else if (typeof value === "number") {
    if (!Number.isInteger(value)) {
      if (value === Infinity || value === -Infinity) {
        return outOfRange(String(value), dtype, min, String(max));
      }
      return refuse(`${value} is not an integer (${dtype})`);
    }
    b = BigInt(value);
    if (!Number.isSafeInteger(value) && b >= min && b <= max) {
      return refuse(`${value} is beyond 2^53 and lost precision in JSON; send it as a string`);
    }
  } else if (typeof value === "string") {
    const t = value.trim();
    if (!DECIMAL_INTEGER.test(t)) return refuse(`${showValue(value)} is not an integer (${dtype})`);
    b = BigInt(t);
  } else {
    return refuse(`${showValue(value)} is not an integer (${dtype})`);
  }
  if (b < min || b > max) return outOfRange(showValue(value), dtype, min, String(max));
  return b;
}

/** `NaN`, `Infinity` or `-Infinity` where a JSON value may start (after `[`, `,`, `:` or at the start). */
const NON_JSON_NUMBER = /(^|[[,:])\s*-?(NaN|Infinity)\b/;

/**
 * A hint for JSON text that failed to parse because it spells NaN or Infinity as a bare word (as Python's
 * `json.dumps` does by default), or `""` when that is not the problem. Only for error paths: it scans the text.
 *
 * @example
 * ```ts
 * import { nonJsonNumberHint } from "./number_coercion.ts";
 * console.log(nonJsonNumberHint("[1, NaN]")); // "; JSON has no NaN or Infinity: send finite numbers (…)"
 * console.log(nonJsonNumberHint("[1, 2")); // ""
 * ```
 */
export function nonJsonNumberHint(text: string): string {
  return NON_JSON_NUMBER.test(text)
    ? "; JSON has no NaN or Infinity: send finite numbers (null stands for NaN where an API takes NaN; " +
      "Python: json.dumps(..., allow_nan=False) finds them)"
    : "";
}
