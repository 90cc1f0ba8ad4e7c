import assert from "node:assert/strict";
import {
  bigintToJson,
  flatDataToJson,
  float32ToJson,
  isTensorLike,
  tensorToJson,
  toJsonValue,
} from "./json_value.ts";

Deno.test("prints float32 values as the shortest decimal that round-trips", () => {
  const f = new Float32Array([0.1, 0.2, 1 / 3, 3.14159, 1e-7, 1e30, -2.5, 16777216, 123456.7]);
  assert.deepEqual(toJsonValue(f), [0.1, 0.2, 0.33333334, 3.14159, 1e-7, 1e30, -2.5, 16777216, 123456.7]);
  assert.equal(JSON.stringify(toJsonValue({ p: new Float32Array([0.1]) })), '{"p":[0.1]}');
});

Deno.test("float32ToJson always round-trips to the same float32", () => {
  const bits = new Uint32Array(1);
  const view = new Float32Array(bits.buffer);
  for (let i = 0; i < 20000; i++) {
    bits[0] = Math.imul(i, 2654435761) >>> 0;
    const x = view[0];
    if (!Number.isFinite(x)) continue;
    assert.equal(Math.fround(float32ToJson(x)!), x, `bits ${bits[0]}`);
  }
});

Deno.test("maps NaN and Infinity to null in numbers and typed arrays", () => {
  assert.deepEqual(toJsonValue([NaN, Infinity, -Infinity, 1]), [null, null, null, 1]);
  assert.deepEqual(toJsonValue(new Float32Array([NaN, Infinity])), [null, null]);
  assert.deepEqual(toJsonValue(new Float64Array([-Infinity, 0.1])), [null, 0.1]);
  assert.equal(float32ToJson(NaN), null);
});

Deno.test("converts BigInt to a number when safe and to a string beyond 2^53-1", () => {
  assert.equal(bigintToJson(9007199254740991n), 9007199254740991);
  assert.equal(bigintToJson(-9007199254740991n), -9007199254740991);
  assert.equal(bigintToJson(9007199254740992n), "9007199254740992");
  assert.deepEqual(toJsonValue(new BigInt64Array([1n, -(2n ** 62n)])), [1, "-4611686018427387904"]);
  assert.deepEqual(toJsonValue(new BigUint64Array([2n ** 64n - 1n])), ["18446744073709551615"]);
  assert.deepEqual(toJsonValue({ n: 5n }), { n: 5 });
});

Deno.test("converts Maps (ONNX ZipMap outputs) to objects and Sets to lists", () => {
  const zipmap = [new Map([[0, 0.9], [1, 0.1]]), new Map([["a", new Float32Array([0.5])]])];
  assert.deepEqual(toJsonValue(zipmap), [{ "0": 0.9, "1": 0.1 }, { a: [0.5] }]);
  assert.deepEqual(toJsonValue(new Set(["x", "y"])), ["x", "y"]);
});

Deno.test("converts tensors to nested lists by dims", () => {
  const t = { type: "float32", dims: [2, 3], data: new Float32Array([0.1, 2, 3, 4, 5, 6]) };
  assert.deepEqual(toJsonValue({ out: t }), { out: [[0.1, 2, 3], [4, 5, 6]] });
  assert.deepEqual(tensorToJson({ type: "bool", dims: [2], data: new Uint8Array([1, 0]) }), [true, false]);
  assert.deepEqual(tensorToJson({ type: "int64", dims: [], data: new BigInt64Array([7n]) }), 7);
  assert.deepEqual(tensorToJson({ type: "float16", dims: [2], data: new Uint16Array([0x3c00, 0xc000]) }), [
    1,
    -2,
  ]);
  assert.deepEqual(tensorToJson({ type: "string", dims: [1, 2], data: ["a", "b"] }), [["a", "b"]]);
  assert.deepEqual(tensorToJson({ type: "int32", dims: [2, 0], data: new Int32Array(0) }), [[], []]);
});

Deno.test("does not mistake an object with a wrong-length data for a tensor", () => {
  const notTensor = { type: "float32", dims: [3], data: [1, 2] };
  assert.equal(isTensorLike(notTensor), false);
  assert.deepEqual(toJsonValue(notTensor), { type: "float32", dims: [3], data: [1, 2] });
});

Deno.test("converts dates, undefined, toJSON objects and nested structures", () => {
  const value = {
    when: new Date("2024-01-02T03:04:05.000Z"),
    bad: new Date(NaN),
    gone: undefined,
    list: [undefined, { deep: [new Int8Array([-1])] }],
    custom: { toJSON: () => "custom" },
  };
  assert.deepEqual(toJsonValue(value), {
    when: "2024-01-02T03:04:05.000Z",
    bad: null,
    gone: null,
    list: [null, { deep: [[-1]] }],
    custom: "custom",
  });
  assert.deepEqual(toJsonValue(new Uint8Array([1, 2]).buffer), [1, 2]);
});

Deno.test("allows the same object twice when it is not a cycle", () => {
  const shared = { a: 1 };
  assert.deepEqual(toJsonValue([shared, shared]), [{ a: 1 }, { a: 1 }]);
});

Deno.test("throws a TypeError naming the path for functions, symbols and cycles", () => {
  assert.throws(() => toJsonValue([0, 1, { x: () => 1 }]), {
    name: "TypeError",
    message: "result[2].x is a function, which has no JSON form; return data instead",
  });
  assert.throws(() => toJsonValue({ "a b": Symbol("s") }), {
    name: "TypeError",
    message: 'result["a b"] is a symbol, which has no JSON form; return data instead',
  });
  const cyclic: Record<string, unknown> = { list: [] };
  (cyclic.list as unknown[]).push(cyclic);
  assert.throws(() => toJsonValue(cyclic), {
    name: "TypeError",
    message: "result.list[0] refers back to itself (a cycle); JSON cannot hold cycles",
  });
});

Deno.test("flatDataToJson reads int typed arrays as numbers", () => {
  assert.deepEqual(flatDataToJson(new Int32Array([-3, 4])), [-3, 4]);
  assert.deepEqual(flatDataToJson(new Uint8Array([0, 2]), "bool"), [false, true]);
});

Deno.test("converts 100k float32 elements in well under a second", () => {
  const data = new Float32Array(100_000).map((_, i) => i * 0.001);
  const start = performance.now();
  const out = toJsonValue({ type: "float32", dims: [25_000, 4], data }) as number[][];
  assert.ok(performance.now() - start < 1000);
  assert.deepEqual(out[1], [0.004, 0.005, 0.006, 0.007]);
});
