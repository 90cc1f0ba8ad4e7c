import assert from "node:assert/strict";
import {
  concatRows,
  MAX_NESTED_RANK,
  nestedDims,
  nestedFromTensor,
  stackTensors,
  tensorFromNested,
} from "./nested.ts";

Deno.test("infers dims from nesting and fills float32 data row-major", () => {
  const t = tensorFromNested([[1, 2, 3], [4, 5, 6]], "float32");
  assert.equal(t.type, "float32");
  assert.deepEqual(t.dims, [2, 3]);
  assert.deepEqual(t.data, new Float32Array([1, 2, 3, 4, 5, 6]));
  assert.deepEqual(tensorFromNested(2.5, "float64"), {
    type: "float64",
    dims: [],
    data: new Float64Array([2.5]),
  });
  assert.deepEqual(tensorFromNested([], "int32").dims, [0]);
});

Deno.test("names the index path of a ragged row", () => {
  const rows = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2]];
  assert.throws(() => tensorFromNested(rows, "float32"), {
    name: "BadInputError",
    message: "input[3] has 2 elements, expected 4",
  });
  assert.throws(() => tensorFromNested([[[1], [2]], [[3], 4]], "float32", { name: "x" }), {
    name: "BadInputError",
    message: "x[1][1] is 4, expected an array of 1 elements",
  });
  assert.throws(() => tensorFromNested([[1, 2], [3, [4]]], "float32"), {
    name: "BadInputError",
    message: "input[1][1]: a list is not a number",
  });
});

Deno.test("checks element types per dtype", () => {
  assert.throws(() => tensorFromNested([1, "2"], "float32"), {
    name: "BadInputError",
    message: 'input[1]: "2" is a string, not a number; send 2 without quotes (float32)',
  });
  assert.throws(() => tensorFromNested([[1.5]], "int32"), {
    name: "BadInputError",
    message: "input[0][0]: 1.5 is not an integer (int32)",
  });
  assert.throws(() => tensorFromNested([255, 256], "uint8"), {
    name: "BadInputError",
    message: "input[1]: 256 is out of range for uint8 (0..255)",
  });
  assert.throws(() => tensorFromNested([-129], "int8"), {
    message: "input[0]: -129 is out of range for int8 (-128..127)",
  });
  assert.throws(() => tensorFromNested([true, 1], "bool"), {
    name: "BadInputError",
    message: "input[1] is 1, expected true or false (bool)",
  });
  assert.throws(() => tensorFromNested(["a", null], "string"), {
    name: "BadInputError",
    message: "input[1] is null, expected a string",
  });
  assert.throws(() => tensorFromNested("x", "float32"), {
    message: 'input: "x" is not a number',
  });
});

Deno.test("accepts int64 as integer numbers, BigInt and decimal strings, with range checks", () => {
  const t = tensorFromNested([1, "9223372036854775807", -5n, "-12"], "int64");
  assert.deepEqual(t.data, new BigInt64Array([1n, 9223372036854775807n, -5n, -12n]));
  assert.throws(() => tensorFromNested(["9223372036854775808"], "int64"), {
    name: "BadInputError",
    message:
      'input[0]: "9223372036854775808" is out of range for int64 (-9223372036854775808..9223372036854775807)',
  });
  assert.throws(() => tensorFromNested([-1], "uint64"), {
    message: "input[0]: -1 is out of range for uint64 (0..18446744073709551615)",
  });
  assert.throws(() => tensorFromNested(["1.5"], "int64"), {
    message: 'input[0]: "1.5" is not an integer (int64)',
  });
  assert.deepEqual(
    tensorFromNested(["18446744073709551615"], "uint64").data,
    new BigUint64Array([2n ** 64n - 1n]),
  );
});

Deno.test("stores bool, string and float16", () => {
  assert.deepEqual(tensorFromNested([[true, false]], "bool").data, new Uint8Array([1, 0]));
  assert.deepEqual(tensorFromNested([["a"], ["b"]], "string"), {
    type: "string",
    dims: [2, 1],
    data: ["a", "b"],
  });
  assert.deepEqual(tensorFromNested([1, -2, 0.5], "float16").data, new Uint16Array([0x3c00, 0xc000, 0x3800]));
});

Deno.test("checks dims against a declared shape with free dims", () => {
  assert.deepEqual(tensorFromNested([[1, 2, 3, 4]], "float32", { shape: ["N", 4] }).dims, [1, 4]);
  assert.deepEqual(tensorFromNested([[1, 2, 3, 4]], "float32", { shape: [null, -1] }).dims, [1, 4]);
  assert.throws(() => tensorFromNested([[1, 2, 3], [4, 5, 6]], "float32", { shape: ["N", 4] }), {
    name: "BadInputError",
    message: "input has shape [2,3], the model expects [N,4]",
  });
  assert.deepEqual(tensorFromNested([1, 2, 3, 4], "float32", { shape: [null, 4, 1] }).dims, [1, 4, 1]);
  assert.throws(() => tensorFromNested([1, 2, 3], "float32", { shape: [2, 2], name: "x" }), {
    name: "BadInputError",
    message: "x has 3 elements, which does not fit shape [2,2] (needs 4)",
  });
});

Deno.test("reshapes a flat typed array or flat list by an explicit shape", () => {
  const flat = new Float32Array([1, 2, 3, 4, 5, 6]);
  const t = tensorFromNested(flat, "float32", { shape: [2, 3] });
  assert.deepEqual(t.dims, [2, 3]);
  assert.equal(t.data, flat, "a typed array of the right storage is used as is");
  assert.deepEqual(tensorFromNested([1, 2, 3, 4, 5, 6], "int32", { shape: ["N", 2] }).dims, [3, 2]);
  assert.deepEqual(tensorFromNested(new Int32Array([1, 2]), "float32").data, new Float32Array([1, 2]));
  assert.deepEqual(tensorFromNested(new Float64Array([7]), "int64", { shape: [] }).dims, []);
  assert.throws(() => tensorFromNested([1, 2, 3, 4, 5], "int32", { shape: ["N", 2] }), {
    name: "BadInputError",
    message: "input has 5 elements, which does not fit shape [N,2] (not a multiple of 2)",
  });
  assert.throws(() => tensorFromNested(new Float32Array(4), "float32", { shape: ["N", "M"] }), {
    message: "input is a flat list of 4 elements, but shape [N,M] has more than one free dim; send nested " +
      "lists or give all dims but one",
  });
  assert.throws(() => tensorFromNested(new Float64Array([1.5]), "int32"), {
    message: "input[0]: 1.5 is not an integer (int32)",
  });
});

Deno.test("nestedFromTensor gives JSON-safe nested lists", () => {
  const t = { type: "float32" as const, dims: [2, 2], data: new Float32Array([0.1, 0.2, NaN, 4]) };
  assert.deepEqual(nestedFromTensor(t), [[0.1, 0.2], [null, 4]]);
  assert.throws(() => nestedFromTensor({ type: "float32", dims: [3], data: new Float32Array(2) }), {
    name: "TypeError",
    message: "tensor has 2 elements but dims [3] need 3",
  });
});

Deno.test("stacks same-shape tensors and names the item that differs", () => {
  const a = { type: "float32" as const, dims: [1, 2], data: new Float32Array([1, 2]) };
  const b = { type: "float32" as const, dims: [1, 2], data: new Float32Array([3, 4]) };
  assert.deepEqual(stackTensors([a, b]), {
    type: "float32",
    dims: [2, 1, 2],
    data: new Float32Array([1, 2, 3, 4]),
  });
  const c = { type: "float32" as const, dims: [2, 1], data: new Float32Array([5, 6]) };
  assert.throws(() => stackTensors([a, b, c]), {
    name: "BadInputError",
    message: "item 2 has shape [2,1], expected [1,2] like item 0; resize or pad the inputs to one shape",
  });
  assert.throws(() => stackTensors([]), { message: "nothing to stack: the list of tensors is empty" });
  const s = { type: "string" as const, dims: [1], data: ["x"] };
  assert.deepEqual(stackTensors([s, s]).data, ["x", "x"]);
});

Deno.test("concatenates along rows", () => {
  const a = { type: "int32" as const, dims: [1, 2], data: new Int32Array([1, 2]) };
  const b = { type: "int32" as const, dims: [2, 2], data: new Int32Array([3, 4, 5, 6]) };
  assert.deepEqual(concatRows([a, b]), {
    type: "int32",
    dims: [3, 2],
    data: new Int32Array([1, 2, 3, 4, 5, 6]),
  });
  assert.equal(concatRows([a]), a);
  const wrong = { type: "int32" as const, dims: [1, 3], data: new Int32Array(3) };
  assert.throws(() => concatRows([a, wrong]), {
    name: "BadInputError",
    message: "item 1 has rows of shape [3], expected [2] like item 0",
  });
  const other = { type: "int64" as const, dims: [1, 2], data: new BigInt64Array(2) };
  assert.throws(() => concatRows([a, other] as never), {
    message: "item 1 is int64, expected int32 like item 0",
  });
});

Deno.test("reads nesting dims", () => {
  assert.deepEqual(nestedDims([[[1]], [[2]]]), [2, 1, 1]);
  assert.deepEqual(nestedDims(3), []);
});

Deno.test("converts 100k nested elements quickly", () => {
  const rows = Array.from({ length: 25_000 }, (_, i) => [i, 0.5, 1.5, 2.5]);
  const start = performance.now();
  const t = tensorFromNested(rows, "float32", { shape: ["N", 4] });
  assert.ok(performance.now() - start < 500);
  assert.deepEqual(t.dims, [25_000, 4]);
  assert.equal(t.data[4 * 24_999], 24_999);
});

Deno.test("refuses NaN, infinities and float overflow by the shared rule, naming the 0-based path", () => {
  const f32 = "(-3.4028234663852886e+38..3.4028234663852886e+38)";
  assert.throws(() => tensorFromNested([[1, 2], [3, 1e39]], "float32"), {
    name: "BadInputError",
    message: `input[1][1]: 1e+39 is out of range for float32 ${f32}`,
  });
  assert.throws(() => tensorFromNested([JSON.parse("1e400")], "float64", { name: "x" }), {
    message: "x[0]: Infinity is out of range for float64 (-1.7976931348623157e+308..1.7976931348623157e+308)",
  });
  assert.throws(() => tensorFromNested([1, NaN], "float32"), {
    message: "input[1]: NaN is not accepted for float32; send a finite number",
  });
  assert.throws(() => tensorFromNested([[70000]], "float16"), {
    message: "input[0][0]: 70000 is out of range for float16 (-65504..65504)",
  });
  assert.throws(() => tensorFromNested([true], "float32"), { message: "input[0]: true is not a number" });
  assert.throws(() => tensorFromNested([null], "float32"), { message: "input[0]: null is not a number" });
  // A typed array of another storage is checked element by element too.
  assert.throws(() => tensorFromNested(new Float64Array([1, 1e39]), "float32"), {
    message: `input[1]: 1e+39 is out of range for float32 ${f32}`,
  });
});

Deno.test("allowNaN takes NaN and null in float tensors, not infinities", () => {
  const t = tensorFromNested([[null, 1], [NaN, 2]], "float32", { allowNaN: true });
  assert.deepEqual(Array.from(t.data), [NaN, 1, NaN, 2]);
  assert.throws(() => tensorFromNested([Infinity], "float32", { allowNaN: true }), {
    message:
      "input[0]: Infinity is out of range for float32 (-3.4028234663852886e+38..3.4028234663852886e+38)",
  });
  assert.throws(() => tensorFromNested([null], "int32", { allowNaN: true }), {
    message: "input[0]: null is not a number",
  });
});

Deno.test("lists nested deeper than a tensor's rank limit are refused, not walked", () => {
  // Found by tests/fuzz/tensor_fuzz.ts: 5,000 nested lists overflowed the stack (a RangeError, a 500).
  const deep = JSON.parse("[".repeat(5000) + "1" + "]".repeat(5000));
  assert.throws(() => tensorFromNested(deep, "float32"), {
    name: "BadInputError",
    message: `input is lists nested 5000 deep; a tensor has at most ${MAX_NESTED_RANK} dimensions`,
  });
  const ok = JSON.parse("[".repeat(MAX_NESTED_RANK) + "1" + "]".repeat(MAX_NESTED_RANK));
  assert.equal(tensorFromNested(ok, "float32").dims.length, MAX_NESTED_RANK);
});
