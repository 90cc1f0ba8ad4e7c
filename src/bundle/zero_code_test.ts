import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { zeroCodeServiceSource, zeroCodeTableProblem } from "./zero_code.ts";

const IRIS = {
  inputs: [{ name: "input", type: "float32", shape: ["N", 4] }],
  outputs: [{ name: "probabilities", type: "float32", shape: ["N", 3] }, {
    name: "label",
    type: "int64",
    shape: ["N"],
  }],
};
const SCALAR = {
  inputs: [{ name: "x", type: "float32", shape: ["batch", "features"] }, {
    name: "scale",
    type: "float32",
    shape: [],
  }],
  outputs: [{ name: "total", type: "float32", shape: [] }],
};

Deno.test("a model with one 2-D numeric input gets a batch API that takes tables, with its columns", () => {
  assert.equal(zeroCodeTableProblem(IRIS), undefined);
  const positional = zeroCodeServiceSource("Iris", IRIS);
  assert.match(
    positional,
    /input: new FeatureTableInput\(\{ inputs \}\), output: new TensorRowsOutput\(\), batch: true/,
  );
  assert.match(positional, /a table whose columns are the model's features, in order/);
  assert.match(positional, /featureRowResults\(await artifacts\.model\.run\(batch\.feeds\), batch\)/);
  const named = zeroCodeServiceSource("Iris", IRIS, { columns: ["a", "b", "c", "d"] });
  assert.match(named, /new FeatureTableInput\(\{ inputs, columns: \["a","b","c","d"\] \}\)/);
  assert.match(named, /feature columns a, b, c, d, matched by name/);
});

Deno.test("other models keep the named-tensors API; --columns for them is refused naming why", () => {
  assert.equal(
    zeroCodeTableProblem(SCALAR),
    "its inputs and outputs do not all have a dynamic first (row) dim, so its rows cannot be batched",
  );
  const source = zeroCodeServiceSource("Scalar", SCALAR);
  assert.match(source, /\{ input: new OnnxFeedsInput\(\{ inputs \}\), doc: /);
  assert.doesNotMatch(source, /FeatureTableInput|a table/);
  assert.throws(
    () => zeroCodeServiceSource("Scalar", SCALAR, { columns: ["a"] }),
    new ObentoError(
      "BAD_ARGUMENT",
      "columns a: feature columns need a model with one 2-D numeric input, but its inputs and outputs do not " +
        "all have a dynamic first (row) dim, so its rows cannot be batched; leave them out and send the model its " +
        "named tensors",
      { option: "columns" },
    ),
  );
  assert.throws(
    () => zeroCodeServiceSource("Iris", IRIS, { columns: ["a", ""] }),
    (e: unknown) =>
      e instanceof ObentoError && e.code === "BAD_ARGUMENT" &&
      /^columns a,: feature columns must be non-empty names/.test(e.message),
  );
});
