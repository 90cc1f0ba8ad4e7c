import assert from "node:assert/strict";
import { irisModelBytes } from "./init_model.ts";

Deno.test("the embedded init model is bundles/iris_classifier/iris_lr.onnx byte for byte", async () => {
  const file = await Deno.readFile(new URL("../../bundles/iris_classifier/iris_lr.onnx", import.meta.url));
  assert.deepEqual(irisModelBytes(), file);
});
