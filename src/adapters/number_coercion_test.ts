import assert from "node:assert/strict";
import { BadInputError } from "../errors.ts";
import { coerceBigInt, coerceNumber, fitsFloat, nonJsonNumberHint, showValue } from "./number_coercion.ts";

/** Asserts that `fn` throws a BadInputError with exactly `message`. */
function refuses(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BadInputError, `not a BadInputError: ${e}`);
    assert.equal(e.message, message);
    assert.equal(e.status, 400);
    assert.equal(e.exitCode, 65);
    return true;
  });
}

const F32 = "(-3.4028234663852886e+38..3.4028234663852886e+38)";

Deno.test("fitsFloat is true exactly for the values a float dtype stores finite", () => {
  for (const v of [0, -0, 5.1, -1e-45, 3.4028234663852886e38, -3.4028235e38]) {
    assert.equal(fitsFloat(v, "float32"), Number.isFinite(Math.fround(v)), String(v));
    assert.ok(fitsFloat(v, "float32"), String(v));
  }
  for (const v of [1e39, -1e39, 3.4028235677973366e38, NaN, Infinity, -Infinity]) {
    assert.equal(fitsFloat(v, "float32"), false, String(v));
    assert.equal(Number.isFinite(Math.fround(v)), false, String(v));
  }
  assert.ok(fitsFloat(1e39, "float64"));
  assert.ok(fitsFloat(Number.MAX_VALUE, "float64"));
  assert.equal(fitsFloat(NaN, "float64"), false);
  assert.equal(fitsFloat(-Infinity, "float64"), false);
  assert.ok(fitsFloat(65504, "float16"));
  assert.ok(fitsFloat(65519, "float16"));
  assert.equal(fitsFloat(65520, "float16"), false);
  // The float16 boundary is where rounding to half precision gives Infinity.
  assert.equal(new Float16Array([65519, 65520])[0], 65504);
  assert.equal(new Float16Array([65519, 65520])[1], Infinity);
});

Deno.test("coerceNumber refuses NaN, infinities and float overflow, naming value and dtype", () => {
  assert.equal(coerceNumber(5.1, "float32"), 5.1);
  assert.equal(coerceNumber(1e39, "float64"), 1e39);
  refuses(() => coerceNumber(1e39, "float32"), `1e+39 is out of range for float32 ${F32}`);
  refuses(() => coerceNumber(-1e39, "float32"), `-1e+39 is out of range for float32 ${F32}`);
  // JSON.parse turns a number too large for a double into Infinity.
  refuses(() => coerceNumber(JSON.parse("1e400"), "float32"), `Infinity is out of range for float32 ${F32}`);
  refuses(
    () => coerceNumber(-Infinity, "float64"),
    "-Infinity is out of range for float64 (-1.7976931348623157e+308..1.7976931348623157e+308)",
  );
  refuses(() => coerceNumber(70000, "float16"), "70000 is out of range for float16 (-65504..65504)");
  refuses(() => coerceNumber(NaN, "float32"), "NaN is not accepted for float32; send a finite number");
  refuses(() => coerceNumber(NaN, "int32"), "NaN is not an integer (int32)");
});

Deno.test("allowNaN accepts NaN and null in floats only; infinities stay refused", () => {
  assert.ok(Number.isNaN(coerceNumber(NaN, "float32", { allowNaN: true })));
  assert.ok(Number.isNaN(coerceNumber(null, "float64", { allowNaN: true })));
  assert.ok(Number.isNaN(coerceNumber("nan", "float32", { allowNaN: true, text: true })));
  assert.ok(Number.isNaN(coerceNumber(" ", "float32", { allowNaN: true, text: true })));
  refuses(
    () => coerceNumber(Infinity, "float32", { allowNaN: true }),
    `Infinity is out of range for float32 ${F32}`,
  );
  refuses(() => coerceNumber(null, "float32"), "null is not a number");
  refuses(() => coerceNumber(NaN, "int8", { allowNaN: true }), "NaN is not an integer (int8)");
  refuses(() => coerceNumber(null, "int32", { allowNaN: true }), "null is not a number");
});

Deno.test("JSON strings and booleans are not numbers; text is parsed by the same rule", () => {
  refuses(
    () => coerceNumber("5.1", "float32"),
    '"5.1" is a string, not a number; send 5.1 without quotes (float32)',
  );
  refuses(() => coerceNumber("abc", "float32"), '"abc" is not a number');
  refuses(() => coerceNumber(true, "float32"), "true is not a number");
  refuses(() => coerceNumber([1], "float32"), "a list is not a number");
  refuses(() => coerceNumber("7", "int32"), '"7" is a string, not a number; send 7 without quotes (int32)');
  assert.equal(coerceNumber(" 5.1 ", "float32", { text: true }), 5.1);
  assert.equal(coerceNumber("-3", "int16", { text: true }), -3);
  refuses(() => coerceNumber("1e39", "float32", { text: true }), `"1e39" is out of range for float32 ${F32}`);
  refuses(() => coerceNumber("inf", "float32", { text: true }), `"inf" is out of range for float32 ${F32}`);
  refuses(
    () => coerceNumber("-Infinity", "float64", { text: true }),
    '"-Infinity" is out of range for float64 (-1.7976931348623157e+308..1.7976931348623157e+308)',
  );
  refuses(
    () => coerceNumber("NaN", "float32", { text: true }),
    '"NaN" is not accepted for float32; send a finite number',
  );
  refuses(() => coerceNumber("", "float32", { text: true }), '"" is not a number');
  refuses(() => coerceNumber("2.5", "int32", { text: true }), '"2.5" is not an integer (int32)');
  refuses(() => coerceNumber("true", "float32", { text: true }), '"true" is not a number');
});

Deno.test("integer dtypes take whole numbers within range", () => {
  assert.equal(coerceNumber(-128, "int8"), -128);
  assert.equal(coerceNumber(4294967295, "uint32"), 4294967295);
  refuses(() => coerceNumber(2.5, "int32"), "2.5 is not an integer (int32)");
  refuses(
    () => coerceNumber(2147483648, "int32"),
    "2147483648 is out of range for int32 (-2147483648..2147483647)",
  );
  refuses(() => coerceNumber(-1, "uint8"), "-1 is out of range for uint8 (0..255)");
  refuses(() => coerceNumber(Infinity, "int16"), "Infinity is out of range for int16 (-32768..32767)");
});

Deno.test("coerceBigInt takes safe integers, BigInts and decimal strings within int64/uint64", () => {
  assert.equal(coerceBigInt(42, "int64"), 42n);
  assert.equal(coerceBigInt("9223372036854775807", "int64"), 2n ** 63n - 1n);
  assert.equal(coerceBigInt(" -5 ", "int64"), -5n);
  assert.equal(coerceBigInt(2n ** 64n - 1n, "uint64"), 2n ** 64n - 1n);
  refuses(() => coerceBigInt(1.5, "int64"), "1.5 is not an integer (int64)");
  refuses(() => coerceBigInt(NaN, "int64"), "NaN is not an integer (int64)");
  refuses(() => coerceBigInt("1e3", "int64"), '"1e3" is not an integer (int64)');
  refuses(() => coerceBigInt(true, "int64"), "true is not an integer (int64)");
  refuses(
    () => coerceBigInt(2 ** 60, "int64"),
    "1152921504606847000 is beyond 2^53 and lost precision in JSON; send it as a string",
  );
  refuses(
    () => coerceBigInt(1e20, "int64"),
    "100000000000000000000 is out of range for int64 (-9223372036854775808..9223372036854775807)",
  );
  refuses(
    () => coerceBigInt(-Infinity, "int64"),
    "-Infinity is out of range for int64 (-9223372036854775808..9223372036854775807)",
  );
  refuses(() => coerceBigInt("-1", "uint64"), '"-1" is out of range for uint64 (0..18446744073709551615)');
});

Deno.test("showValue quotes strings and names lists and objects", () => {
  assert.equal(showValue("5.1"), '"5.1"');
  assert.equal(showValue(1e39), "1e+39");
  assert.equal(showValue(null), "null");
  assert.equal(showValue({}), "an object");
  assert.equal(showValue("x".repeat(50)), JSON.stringify("x".repeat(40) + "…"));
});

Deno.test("nonJsonNumberHint spots bare NaN and Infinity words, not strings or other errors", () => {
  const hint =
    "; JSON has no NaN or Infinity: send finite numbers (null stands for NaN where an API takes NaN; " +
    "Python: json.dumps(..., allow_nan=False) finds them)";
  assert.equal(nonJsonNumberHint("[1, NaN]"), hint);
  assert.equal(nonJsonNumberHint('{"a": -Infinity}'), hint);
  assert.equal(nonJsonNumberHint("NaN"), hint);
  assert.equal(nonJsonNumberHint('["NaN", 1'), "");
  assert.equal(nonJsonNumberHint("[1, 2"), "");
});
