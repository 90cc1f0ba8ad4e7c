import assert from "node:assert/strict";
import * as ort from "onnxruntime-web";
import { ObentoError } from "../errors.ts";
import { describeTensorProblem, fromOrtTensor, tensorInfoOf, toOrtTensor } from "./ort_tensor.ts";

Deno.test("wraps plain tensors as ort tensors sharing the same array", () => {
  const data = new BigInt64Array([1n, 2n]);
  const t = toOrtTensor({ type: "int64", dims: [1, 2], data }, ort.Tensor);
  assert.equal(t.type, "int64");
  assert.deepEqual(t.dims, [1, 2]);
  assert.equal(t.data, data);
  const strings = ["a", "b"];
  assert.equal(toOrtTensor({ type: "string", dims: [2], data: strings }, ort.Tensor).data, strings);
  const flags = new Uint8Array([1, 0]);
  const b = toOrtTensor({ type: "bool", dims: [2], data: flags }, ort.Tensor);
  assert.equal(b.type, "bool");
  assert.equal(b.data, flags);
});

Deno.test("turns ort tensors into plain tensors sharing the same array", () => {
  const data = new Float32Array([1, 2, 3]);
  const t = fromOrtTensor("y", new ort.Tensor("float32", data, [3, 1]));
  assert.deepEqual(t, { type: "float32", dims: [3, 1], data });
  assert.equal(t.data, data);
  assert.throws(
    () => fromOrtTensor("q", new ort.Tensor("int4", new Uint8Array(2), [4])),
    new ObentoError(
      "INTERNAL",
      'output "q" has element type int4, which obento tensors cannot hold (supported: float32, float64, ' +
        "float16, int8…int64, uint8…uint64, bool, string)",
    ),
  );
});

Deno.test("maps metadata: symbolic dims as strings, unknown dims as null, non-tensors as unknown", () => {
  assert.deepEqual(tensorInfoOf({ name: "x", isTensor: true, type: "float32", shape: ["N", 4, -1, ""] }), {
    name: "x",
    type: "float32",
    shape: ["N", 4, null, null],
  });
  assert.deepEqual(tensorInfoOf({ name: "m", isTensor: false }), { name: "m", type: "unknown" });
  assert.deepEqual(tensorInfoOf({ name: "q", isTensor: true, type: "uint4", shape: [2] }), {
    name: "q",
    type: "unknown",
    shape: [2],
  });
});

Deno.test("maps a batch dim stored as -1, which onnxruntime-web reports as 4294967295, to null", () => {
  assert.deepEqual(
    tensorInfoOf({ name: "x", isTensor: true, type: "float32", shape: [4294967295, 3] }).shape,
    [null, 3],
  );
});

Deno.test("describes malformed tensors", () => {
  assert.equal(describeTensorProblem({ type: "float32", dims: [2], data: new Float32Array(2) }), undefined);
  assert.equal(describeTensorProblem(null), "must be a tensor {type, dims, data}, got null");
  assert.equal(describeTensorProblem({ type: "f32", dims: [], data: [] }), 'has unknown dtype "f32"');
  assert.equal(
    describeTensorProblem({ type: "float32", dims: [1.5], data: new Float32Array(1) }),
    "has dims [1.5]; dims must be a list of integers >= 0",
  );
  assert.equal(
    describeTensorProblem({ type: "string", dims: [2], data: ["a", 1] }),
    "string data must be an array of strings, got Array",
  );
  assert.equal(
    describeTensorProblem({ type: "int64", dims: [2], data: [1, 2] }),
    "int64 data must be a BigInt64Array, got Array",
  );
  assert.equal(
    describeTensorProblem({ type: "bool", dims: [3], data: new Uint8Array(2) }),
    "has 2 elements but dims [3] need 3",
  );
});
