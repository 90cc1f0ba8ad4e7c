import assert from "node:assert/strict";
import { TensorInput } from "./tensor_input.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const iris = () => new TensorInput({ dtype: "float32", shape: [4] });

Deno.test("decodes nested rows and a single row matching the per-row shape", () => {
  const rows = iris().fromJson([[5.1, 3.5, 1.4, 0.2], [6.2, 3.4, 5.4, 2.3]]);
  assert.deepEqual(rows, {
    type: "float32",
    dims: [2, 4],
    data: new Float32Array([5.1, 3.5, 1.4, 0.2, 6.2, 3.4, 5.4, 2.3]),
  });
  const one = iris().fromJson([5.1, 3.5, 1.4, 0.2]);
  assert.deepEqual(one.dims, [1, 4]);
  assert.equal(iris().rows(rows), 2);
  assert.equal(iris().rowwise, true);
});

Deno.test("names the row and the expected shape when rows do not fit", () => {
  assert.throws(() => iris().fromJson([[1, 2, 3]]), {
    name: "BadInputError",
    message: "input has shape [1,3], the model expects [N,4]",
  });
  assert.throws(() => iris().fromJson([[1, 2, 3, 4], [1, 2]]), {
    name: "BadInputError",
    message: "input[1] has 2 elements, expected 4",
  });
  assert.throws(() => iris().fromJson([[[1]]]), {
    name: "BadInputError",
    message: "input has shape [1,1,1], expected rows [N,4] or a single row [4]",
  });
  assert.throws(() => iris().fromJson([1, 2]), { message: "input has shape [2], the model expects [4]" });
});

Deno.test("decodes {data, shape, dtype} with flat or nested data", () => {
  const flat = iris().fromJson({ data: [1, 2, 3, 4, 5, 6, 7, 8], shape: [2, 4], dtype: "float32" });
  assert.deepEqual(flat.dims, [2, 4]);
  assert.deepEqual(flat.data, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]));
  assert.deepEqual(iris().fromJson({ data: [1, 2, 3, 4], shape: [4] }).dims, [1, 4]);
  assert.deepEqual(iris().fromJson({ data: [[1, 2, 3, 4]] }).dims, [1, 4]);
  assert.throws(() => iris().fromJson({ data: [1, 2, 3, 4], dtype: "int64" }), {
    name: "BadInputError",
    message: '"dtype" is "int64" but this API takes float32; send float32 or leave it out',
  });
  assert.throws(() => iris().fromJson({ data: [1, 2, 3, 4, 5, 6], shape: [2, 3] }), {
    name: "BadInputError",
    message: "data has shape [2,3], expected rows of shape [4] ([N,4])",
  });
  assert.throws(() => iris().fromJson({ data: [1], shape: [1.5] }), {
    message: '"shape" must be a list of non-negative integers, got [1.5]',
  });
});

Deno.test("decodes TF-serving {instances}", () => {
  const t = new TensorInput({ dtype: "int64", shape: [2] }).fromJson({ instances: [[1, "2"], [3, 4]] });
  assert.deepEqual(t, { type: "int64", dims: [2, 2], data: new BigInt64Array([1n, 2n, 3n, 4n]) });
  assert.throws(() => iris().fromJson({ instances: [] }), {
    name: "BadInputError",
    message: "instances has no rows; send at least one",
  });
  assert.throws(() => iris().fromJson({ rows: [] }), {
    name: "BadInputError",
    message: 'expected nested lists of rows, {"data": [...], "shape": [...]} or {"instances": [...]}, ' +
      "got an object with keys rows",
  });
});

Deno.test("without a declared shape, a flat list is one row and nested lists are rows", () => {
  const any = new TensorInput();
  assert.deepEqual(any.fromJson([1, 2, 3]).dims, [1, 3]);
  assert.deepEqual(any.fromJson([[1], [2]]).dims, [2, 1]);
  assert.deepEqual(any.fromJson(7).dims, [1]);
  assert.deepEqual(any.config(), { dtype: "float32" });
  assert.deepEqual(iris().config(), { dtype: "float32", shape: [4] });
});

Deno.test("merges items by concatenating rows", () => {
  const input = iris();
  const merged = input.merge([input.fromJson([1, 2, 3, 4]), input.fromJson([[5, 6, 7, 8], [9, 10, 11, 12]])]);
  assert.deepEqual(merged.dims, [3, 4]);
  assert.deepEqual(Array.from(merged.data), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

Deno.test("decodes JSON bodies and raw little-endian octet-stream rows", () => {
  assert.deepEqual(iris().fromBytes(enc("[[1,2,3,4]]"), "application/json").dims, [1, 4]);
  const raw = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const bytes = new Uint8Array(raw.buffer);
  const t = iris().fromBytes(bytes.subarray(0), "application/octet-stream");
  assert.deepEqual(t, { type: "float32", dims: [2, 4], data: raw });
  const unaligned = new Uint8Array(33);
  unaligned.set(bytes, 1);
  assert.deepEqual(iris().fromBytes(unaligned.subarray(1), "application/octet-stream").data, raw);
  const bools = new TensorInput({ dtype: "bool", shape: [2] }).fromBytes(
    new Uint8Array([0, 5]),
    "application/octet-stream",
  );
  assert.deepEqual(bools, { type: "bool", dims: [1, 2], data: new Uint8Array([0, 1]) });
  assert.deepEqual(
    new TensorInput({ dtype: "int16" }).fromBytes(
      new Uint8Array([1, 0, 255, 255]),
      "application/octet-stream",
    ),
    {
      type: "int16",
      dims: [1, 2],
      data: new Int16Array([1, -1]),
    },
  );
});

Deno.test("refuses raw bodies that are not whole rows, and other content types", () => {
  assert.throws(() => iris().fromBytes(new Uint8Array(20), "application/octet-stream"), {
    name: "BadInputError",
    message: "body has 20 bytes, not a whole number of rows of shape [4] float32 (16 bytes each)",
  });
  assert.throws(
    () => new TensorInput({ shape: ["N"] }).fromBytes(new Uint8Array(4), "application/octet-stream"),
    {
      name: "BadInputError",
      status: 415,
      message:
        "raw bytes need a fixed row shape, but this API's is [N]; send JSON, or give the tensor's dims " +
        'in the content type, e.g. "application/octet-stream; shape=1,3,224,224"',
    },
  );
  assert.throws(() => iris().fromBytes(new Uint8Array(0), "application/octet-stream"), {
    message: "empty body: send whole rows of raw little-endian elements",
  });
  assert.throws(() => iris().fromBytes(enc("1,2"), "text/csv"), {
    name: "BadInputError",
    status: 415,
    message:
      "TensorInput does not accept content type text/csv; send one of: application/json, application/octet-stream",
  });
});

Deno.test("refuses bad options with BAD_SERVICE", () => {
  assert.throws(() => new TensorInput({ dtype: "float" as "float32" }), {
    name: "ObentoError",
    code: "BAD_SERVICE",
    message: 'TensorInput dtype "float" is not a dtype, e.g. "float32"',
  });
  assert.throws(() => new TensorInput({ shape: [1.5] }), { code: "BAD_SERVICE" });
});

Deno.test("documents rows in the schema", () => {
  const schema = iris().schema() as { oneOf: Record<string, unknown>[] };
  assert.deepEqual(schema.oneOf[1], { type: "array", items: { type: "number" }, minItems: 4, maxItems: 4 });
  assert.equal(schema.oneOf.length, 4);
});

Deno.test("bad numbers are refused in every JSON layout and in raw bytes; allowNaN takes NaN only", () => {
  const overflow = "1e+39 is out of range for float32 (-3.4028234663852886e+38..3.4028234663852886e+38)";
  const bodies: [unknown, string][] = [
    [[[5.1, 3.5, 1.4, 0.2], [6.2, 1e39, 5.4, 2.3]], `input[1][1]: ${overflow}`],
    [[5.1, 1e39, 1.4, 0.2], `input[1]: ${overflow}`],
    [{ instances: [[5.1, 1e39, 1.4, 0.2]] }, `instances[0][1]: ${overflow}`],
    [{ data: [5.1, 1e39, 1.4, 0.2], shape: [1, 4] }, `data[1]: ${overflow}`],
    [
      [[5.1, "3.5", 1.4, 0.2]],
      'input[0][1]: "3.5" is a string, not a number; send 3.5 without quotes (float32)',
    ],
  ];
  for (const [body, message] of bodies) {
    assert.throws(() => iris().fromJson(body), { name: "BadInputError", message, status: 400 });
  }
  const raw = new Float32Array([5.1, 3.5, Infinity, 0.2]);
  assert.throws(() => iris().fromBytes(new Uint8Array(raw.buffer), "application/octet-stream"), {
    name: "BadInputError",
    message:
      "raw element 2 (0-based): Infinity is out of range for float32 (-3.4028234663852886e+38..3.4028234663852886e+38)",
  });
  const nanRaw = new Uint8Array(new Float32Array([5.1, NaN, 1.4, 0.2]).buffer);
  assert.throws(() => iris().fromBytes(nanRaw, "application/octet-stream"), {
    message: "raw element 1 (0-based): NaN is not accepted for float32; send a finite number",
  });
  const lenient = new TensorInput({ dtype: "float32", shape: [4], allowNaN: true });
  assert.deepEqual(lenient.config(), { dtype: "float32", shape: [4], allowNaN: true });
  assert.ok(Number.isNaN(lenient.fromBytes(nanRaw, "application/octet-stream").data[1]));
  assert.ok(Number.isNaN(lenient.fromJson([[5.1, null, 1.4, 0.2]]).data[1]));
  assert.throws(() => lenient.fromJson([[5.1, 1e39, 1.4, 0.2]]), { message: `input[0][1]: ${overflow}` });
  const row = { type: "array", items: { type: ["number", "null"] }, minItems: 4, maxItems: 4 };
  assert.deepEqual((lenient.schema().oneOf as unknown[])[1], row);
});

Deno.test("raw bytes read in place when aligned, and a shape parameter for row shapes with free dims", () => {
  const raw = new Float32Array([1, 2, 3, 4, 5, 6]);
  const body = new Uint8Array(raw.buffer);
  const image = new TensorInput({ shape: [1, "H", "W"] });
  const t = image.fromBytes(body, "application/octet-stream; shape=2,1,1,3");
  assert.deepEqual(t, { type: "float32", dims: [2, 1, 1, 3], data: raw });
  assert.equal(t.data.buffer, body.buffer); // a view on the body, no copy
  assert.deepEqual(
    image.fromBytes(body, 'Application/Octet-Stream; shape="1, 1, 2, 3"').dims,
    [1, 1, 2, 3],
  );
  // Without free dims the parameter still says how the rows are shaped, checked against the declared shape.
  assert.deepEqual(iris().fromBytes(new Uint8Array(32), "application/octet-stream; shape=2,4").dims, [2, 4]);
  // An unaligned body is copied; float16 NaN checks read the right elements of a view at an offset.
  const shifted = new Uint8Array(25);
  shifted.set(body, 1);
  const copied = image.fromBytes(shifted.subarray(1), "application/octet-stream; shape=1,1,2,3");
  assert.notEqual(copied.data.buffer, shifted.buffer);
  assert.deepEqual(copied.data, raw);
  const halves = new Uint8Array(6);
  halves.set([0x00, 0x3c, 0x00, 0x7e], 2); // 1.0, NaN after two bytes of other data
  assert.throws(
    () => new TensorInput({ dtype: "float16" }).fromBytes(halves.subarray(2), "application/octet-stream"),
    { name: "BadInputError", message: /^raw element 1 \(0-based\): / },
  );
  const bad = (contentType: string, bytes: number, message: string) =>
    assert.throws(() => image.fromBytes(new Uint8Array(bytes), contentType), {
      name: "BadInputError",
      status: 400,
      message,
    });
  bad(
    "application/octet-stream; shape=2,1,1,3",
    20,
    "body has 20 bytes, but shape=2,1,1,3 of float32 (4 bytes each) needs 24",
  );
  bad(
    "application/octet-stream; shape=1,x,3",
    12,
    'content-type parameter shape="1,x,3" must be the tensor\'s dims, rows first, as non-negative integers ' +
      "separated by commas, e.g. shape=2,4",
  );
  bad(
    "application/octet-stream; shape=",
    12,
    'content-type parameter shape="" must be the tensor\'s dims, rows first, as non-negative integers ' +
      "separated by commas, e.g. shape=2,4",
  );
  bad(
    "application/octet-stream; shape=1,3",
    12,
    "body has shape [1,3], expected rows of shape [1,H,W] ([N,1,H,W])",
  );
  bad(
    "application/octet-stream; shape=1,2,1,3",
    24,
    "body has shape [1,2,1,3], expected rows of shape [1,H,W] ([N,1,H,W])",
  );
});
