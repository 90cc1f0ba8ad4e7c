import assert from "node:assert/strict";
import { modelDim } from "./tensor.ts";

Deno.test("a dim stored as -1 is dynamic however the runtime reports it; real sizes stay fixed", () => {
  // onnxruntime-web reports an int64 -1 as the uint32 4294967295 (and -2 as 4294967294).
  for (const dim of [-1, -2, 4294967295, 4294967294, 2 ** 31, 1.5, NaN, ""]) {
    assert.equal(modelDim(dim), null, `dim ${dim}`);
  }
  for (const dim of [0, 1, 4, 2 ** 31 - 1]) assert.equal(modelDim(dim), dim);
  assert.equal(modelDim("batch"), "batch");
});
