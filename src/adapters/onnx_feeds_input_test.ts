import assert from "node:assert/strict";
import { BadInputError } from "../errors.ts";
import { OnnxFeedsInput } from "./onnx_feeds_input.ts";

Deno.test("a dim recorded as 4294967295 (a -1 dim as onnxruntime-web reported it) takes any size", () => {
  // Bundles packed before -1 dims were read as dynamic carry this shape in their generated service.
  const input = new OnnxFeedsInput({ inputs: [{ name: "x", type: "float32", shape: [4294967295, 3] }] });
  assert.deepEqual(input.fromJson([[1, 2, 3], [4, 5, 6]]).x.dims, [2, 3]);
  assert.deepEqual(input.fromJson([1, 2, 3]).x.dims, [1, 3]);
  assert.throws(
    () => input.fromJson([[1, 2]]),
    new BadInputError('input "x" has shape [1,2], the model expects [?,3]'),
  );
  assert.deepEqual(input.schema().oneOf, [
    {
      type: "object",
      properties: {
        x: { type: "array", items: { type: "array", items: { type: "number" }, minItems: 3, maxItems: 3 } },
      },
      required: ["x"],
      additionalProperties: false,
    },
    { type: "array", items: { type: "array", items: { type: "number" }, minItems: 3, maxItems: 3 } },
  ]);
});

Deno.test("a scalar input takes a bare number; int64 and bool inputs take integers and booleans", () => {
  const input = new OnnxFeedsInput({
    inputs: [
      { name: "x", type: "float32", shape: ["batch", "features"] },
      { name: "scale", type: "float32", shape: [] },
      { name: "ids", type: "int64", shape: [null, 2] },
      { name: "mask", type: "bool", shape: [null] },
    ],
  });
  const feeds = input.fromJson({ x: [[1, 2]], scale: 0.5, ids: [[1, "9007199254740993"]], mask: [true] });
  assert.deepEqual(feeds.scale, { type: "float32", dims: [], data: new Float32Array([0.5]) });
  assert.deepEqual(feeds.ids.data, new BigInt64Array([1n, 9007199254740993n]));
  assert.deepEqual(feeds.mask, { type: "bool", dims: [1], data: new Uint8Array([1]) });
  assert.throws(
    () => input.fromJson({ x: [[1, 2]], scale: [0.5], ids: [[1, 2]], mask: [true] }),
    new BadInputError('input "scale" has shape [1], the model expects []'),
  );
});
