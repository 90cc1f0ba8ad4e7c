import assert from "node:assert/strict";
import { BadInputError, ObentoError } from "../errors.ts";
import { CsvHeaderError } from "./csv_header_error.ts";
import { featureRowResults, FeatureTableInput, featureTableProblem } from "./feature_table_input.ts";
import { TensorRowsOutput } from "./tensor_rows.ts";

const enc = (text: string) => new TextEncoder().encode(text);
const IRIS = [{ name: "input", type: "float32", shape: ["N", 4] }] as const;
const NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width"];

Deno.test("names the reason a model's inputs cannot take a table", () => {
  assert.equal(featureTableProblem(IRIS), undefined);
  assert.equal(featureTableProblem([{ name: "x", type: "int64", shape: [null, 3] }]), undefined);
  assert.equal(
    featureTableProblem([{ name: "a", type: "int64", shape: ["N", 2] }, {
      name: "b",
      type: "int64",
      shape: ["N", 2],
    }]),
    "the model has 2 inputs (a, b), not one",
  );
  assert.equal(
    featureTableProblem([{ name: "s", type: "string", shape: ["N", 2] }]),
    'input "s" holds string, not float32, float64, int32 or int64',
  );
  assert.equal(
    featureTableProblem([{ name: "img", type: "float32", shape: ["N", 1, 28, 28] }]),
    'input "img" has rank 4, not rank 2 [rows, features]',
  );
  assert.equal(
    featureTableProblem([{ name: "x", type: "float32", shape: [1, 4] }]),
    'input "x" has a fixed first dim (1), so it cannot take a table\'s rows',
  );
});

Deno.test("without names, a table's columns are the features in order, whatever they are called", () => {
  const input = new FeatureTableInput({ inputs: IRIS });
  const feeds = input.fromJson([{ a: 5.1, b: 3.5, c: 1.4, d: 0.2 }, { a: 1, b: 2, c: 3, d: 4 }]);
  assert.equal(feeds.table, true);
  assert.deepEqual(feeds.feeds.input, {
    type: "float32",
    dims: [2, 4],
    data: new Float32Array([5.1, 3.5, 1.4, 0.2, 1, 2, 3, 4]),
  });
  const csv = input.fromBytes(enc("w,x,y,z\n5.1,3.5,1.4,0.2\n6,7,8,9\n"), "text/csv; charset=utf-8");
  assert.deepEqual(csv.feeds.input.data, new Float32Array([5.1, 3.5, 1.4, 0.2, 6, 7, 8, 9]));
  assert.deepEqual(
    input.fromJson({ a: [1, 2], b: [3, 4], c: [5, 6], d: [7, 8] }).feeds.input.data,
    new Float32Array([1, 3, 5, 7, 2, 4, 6, 8]),
  );
  assert.deepEqual(input.fromJson({ a: 1, b: 2, c: 3, d: 4 }).feeds.input.dims, [1, 4]);
  assert.throws(
    () => input.fromBytes(enc("a,b,c\n1,2,3\n"), "text/csv"),
    new CsvHeaderError(
      "CSV header: the table has 3 columns (a, b, c), the model takes 4 features in order; send exactly 4 columns",
    ),
  );
  assert.throws(
    () => input.fromJson([{ a: 1, b: 2, c: 3, d: "x" }]),
    new BadInputError('row 1, column "d": "x" is not a number'),
  );
  assert.throws(
    () => input.fromBytes(enc("a,b,c,d\n1,2,3,4\n1,2,,4\n"), "text/csv"),
    /row 2, column "c": is empty/,
  );
});

Deno.test("named columns are matched by name, in the model's order; other columns are ignored", () => {
  const input = new FeatureTableInput({ inputs: IRIS, columns: NAMES });
  const row = { id: "a-1", petal_width: 0.2, petal_length: 1.4, sepal_width: 3.5, sepal_length: 5.1 };
  assert.deepEqual(input.fromJson([row]).feeds.input.data, new Float32Array([5.1, 3.5, 1.4, 0.2]));
  assert.deepEqual(input.fromJson(row).feeds.input.dims, [1, 4]);
  const csv = input.fromBytes(
    enc("id,petal_width,sepal_length,sepal_width,petal_length\nx,0.2,5.1,3.5,1.4\ny,1,2,3,4\n"),
    "text/csv",
  );
  assert.deepEqual(csv.feeds.input.data, new Float32Array([5.1, 3.5, 1.4, 0.2, 2, 3, 4, 1]));
  assert.throws(
    () => input.fromBytes(enc("id,sepal_length,sepal_width,petal_length\nx,1,2,3\n"), "text/csv"),
    new CsvHeaderError(
      'CSV header: missing feature column "petal_width"; the model takes columns sepal_length, sepal_width, ' +
        "petal_length, petal_width (other columns are ignored)",
    ),
  );
  assert.throws(
    () => input.fromJson([row, { id: "b", sepal_length: 1, sepal_width: 2, petal_length: 3 }]),
    /row 2: missing column "petal_width"/,
  );
  assert.throws(
    () =>
      input.fromBytes(
        enc("id,petal_width,sepal_length,sepal_width,petal_length\nx,0.2,5.1,big,1.4\n"),
        "text/csv",
      ),
    new BadInputError('row 1, column "sepal_width": "big" is not a number'),
  );
  assert.deepEqual(input.config(), {
    inputs: [{ name: "input", type: "float32", shape: ["N", 4] }],
    columns: NAMES,
  });
});

Deno.test("the named-tensors form keeps working beside tables", () => {
  const input = new FeatureTableInput({ inputs: IRIS, columns: NAMES });
  assert.deepEqual(input.fromJson({ input: [[1, 2, 3, 4]] }).feeds.input.dims, [1, 4]);
  assert.equal(input.fromJson({ input: [[1, 2, 3, 4]] }).table, false);
  assert.deepEqual(input.fromJson([5.1, 3.5, 1.4, 0.2]).feeds.input.dims, [1, 4]);
  assert.throws(
    () => input.fromJson({ x: [[1, 2, 3, 4]] }),
    new BadInputError('unknown input "x"; the model\'s inputs are: input'),
  );
  assert.deepEqual(input.fromBytes(enc("[[1,2,3,4],[5,6,7,8]]"), "application/json").feeds.input.dims, [
    2,
    4,
  ]);
  assert.throws(
    () => input.fromJson([[1, 2, 3]]),
    new BadInputError('input "input" has shape [1,3], the model expects [N,4]'),
  );
  const merged = input.merge([input.fromJson([row(1)]), input.fromJson({ input: [[5, 6, 7, 8]] })]);
  assert.deepEqual(merged.feeds.input.data, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]));
  assert.deepEqual(merged.tableRows, [true, false]);
  assert.throws(
    () => input.fromBytes(enc("x"), "text/plain"),
    (e: unknown) => e instanceof BadInputError && e.status === 415,
  );
});

function row(start: number): Record<string, number> {
  return Object.fromEntries(NAMES.map((n, i) => [n, start + i]));
}

Deno.test("int64 features, a -1 or dynamic feature count", () => {
  const ints = new FeatureTableInput({ inputs: [{ name: "x", type: "int64", shape: [null, 2] }] });
  assert.deepEqual(ints.fromBytes(enc("a,b\n1,-2\n"), "text/csv").feeds.x.data, new BigInt64Array([1n, -2n]));
  assert.throws(
    () => ints.fromJson([{ a: 1.5, b: 2 }]),
    new BadInputError('row 1, column "a": 1.5 is not an integer (int64)'),
  );
  const any = new FeatureTableInput({ inputs: [{ name: "x", type: "float32", shape: ["N", "F"] }] });
  assert.deepEqual(any.fromJson([{ a: 1, b: 2, c: 3 }]).feeds.x.dims, [1, 3]);
  const named = new FeatureTableInput({
    inputs: [{ name: "x", type: "float32", shape: ["N", "F"] }],
    columns: ["b"],
  });
  assert.deepEqual(named.fromJson([{ a: 1, b: 2, c: 3 }]).feeds.x.data, new Float32Array([2]));
});

Deno.test("bad options are BAD_SERVICE errors naming the problem", () => {
  assert.throws(
    () => new FeatureTableInput({ inputs: IRIS, columns: ["a", "b", "c"] }),
    new ObentoError(
      "BAD_SERVICE",
      '3 feature columns given (a, b, c), but model input "input" takes 4 features; name exactly 4',
    ),
  );
  assert.throws(
    () => new FeatureTableInput({ inputs: IRIS, columns: ["a", "b", "a", "d"] }),
    new ObentoError("BAD_SERVICE", 'feature column "a" is named twice; name each feature once'),
  );
  assert.throws(
    () => new FeatureTableInput({ inputs: [{ name: "x", type: "bool", shape: ["N", 2] }] }),
    new ObentoError(
      "BAD_SERVICE",
      'FeatureTableInput needs a model with one 2-D numeric input: input "x" holds bool, not float32, float64, int32 or int64',
    ),
  );
});

Deno.test("the schema names the features (f0… when positional) and keeps the tensors form", () => {
  const positional = new FeatureTableInput({ inputs: IRIS }).schema().oneOf as Record<string, unknown>[];
  const items = positional[0].items as Record<string, unknown>;
  assert.deepEqual(Object.keys(items.properties as object), ["f0", "f1", "f2", "f3"]);
  assert.equal(items.minProperties, 4);
  assert.equal(positional[2].title, "tensors");
  const named = new FeatureTableInput({ inputs: IRIS, columns: NAMES }).schema().oneOf as Record<
    string,
    unknown
  >[];
  assert.deepEqual((named[0].items as Record<string, unknown>).required, NAMES);
});

Deno.test("table rows are answered by records, tensors-form rows by tensors, in one batch", () => {
  const input = new FeatureTableInput({ inputs: IRIS });
  const batch = input.merge([
    input.fromBytes(enc("a,b,c,d\n1,2,3,4\n5,6,7,8\n"), "text/csv"),
    input.fromJson({ input: [[9, 9, 9, 9]] }),
  ]);
  assert.deepEqual(batch.tableRows, [true, true, false]);
  const outputs = {
    label: { type: "int64", dims: [3], data: new BigInt64Array([2n, 1n, 0n]) },
    probabilities: { type: "float32", dims: [3, 2], data: new Float32Array([0.5, 0.5, 0.25, 0.75, 1, 0]) },
  } as const;
  const results = featureRowResults(outputs, batch);
  assert.deepEqual(results.slice(0, 2), [{ label: 2, probabilities: [0.5, 0.5] }, {
    label: 1,
    probabilities: [0.25, 0.75],
  }]);
  const out = new TensorRowsOutput();
  // A table request's answer is its list of records; a tensors-form request's, one object keyed by output.
  assert.deepEqual(out.toJson(results.slice(0, 2)), [{ label: 2, probabilities: [0.5, 0.5] }, {
    label: 1,
    probabilities: [0.25, 0.75],
  }]);
  assert.deepEqual(out.toJson(results.slice(2)), { label: [0], probabilities: [[1, 0]] });
  assert.deepEqual(out.toJson(results[2]), { label: 0, probabilities: [1, 0] });
});
