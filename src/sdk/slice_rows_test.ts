import assert from "node:assert/strict";
import { rowAt, sliceRows } from "./slice_rows.ts";
import type { Tensor } from "./tensor.ts";

const t: Tensor<"int32"> = { type: "int32", dims: [3, 2], data: new Int32Array([1, 2, 3, 4, 5, 6]) };

Deno.test("a view shares the storage, a copy does not", () => {
  const view = sliceRows(t, 1, 2, "view");
  const copy = sliceRows(t, 1, 2, "copy");
  assert.deepEqual(view, { type: "int32", dims: [2, 2], data: new Int32Array([3, 4, 5, 6]) });
  assert.deepEqual(copy, view);
  assert.equal(view.data.buffer, t.data.buffer);
  assert.notEqual(copy.data.buffer, t.data.buffer);
});

Deno.test("string rows are copied; a row drops the batch axis; out-of-range rows are refused", () => {
  const s: Tensor<"string"> = { type: "string", dims: [2], data: ["a", "b"] };
  assert.deepEqual(sliceRows(s, 1, 1, "view"), { type: "string", dims: [1], data: ["b"] });
  assert.deepEqual(rowAt(t, 2, "view"), { type: "int32", dims: [2], data: new Int32Array([5, 6]) });
  assert.deepEqual(sliceRows(t, 3, 0, "view").dims, [0, 2]);
  assert.throws(() => sliceRows(t, 2, 2, "view"), RangeError);
  assert.throws(
    () => sliceRows({ type: "int32", dims: [], data: new Int32Array([1]) }, 0, 1, "copy"),
    RangeError,
  );
});
