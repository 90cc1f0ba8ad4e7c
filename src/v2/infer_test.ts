import assert from "node:assert/strict";
import { OnnxModelArtifact } from "../artifacts/onnx_model_artifact.ts";
import type { OnnxModel } from "../artifacts/onnx_model_artifact.ts";
import { WasmBackend } from "../backends/ort_web.ts";
import { invokeApi } from "../runtime/invoke.ts";
import type { InvokeContext } from "../runtime/invoke.ts";
import type { Tensor, TensorInfo } from "../sdk/tensor.ts";
import { v2InferApi, type V2Model } from "./infer_api.ts";
import { type V2InferBatch, V2InferInput, type V2InferItem } from "./infer_input.ts";
import { V2InferOutput } from "./infer_output.ts";
import { v2DatatypeOf, type V2InferResponse, v2Shape } from "./protocol.ts";

const ROOT = new URL("../../", import.meta.url);
const backend = new WasmBackend();
const ctx: InvokeContext = { artifacts: {}, metadata: {}, signal: new AbortController().signal };
const enc = (s: string) => new TextEncoder().encode(s);

async function loadModel(path: string, name: string): Promise<OnnxModel> {
  const bytes = await Deno.readFile(new URL(path, ROOT));
  return await new OnnxModelArtifact().load(bytes, { name, metadata: {}, backend, sessionOptions: {} });
}

const IRIS_IN: TensorInfo[] = [{ name: "input", type: "float32", shape: ["N", 4] }];
const IRIS_OUT: TensorInfo[] = [
  { name: "probabilities", type: "float32", shape: ["N", 3] },
  { name: "label", type: "int64", shape: ["N"] },
];
const iris = () => new V2InferInput({ inputs: IRIS_IN, outputs: IRIS_OUT });
const irisRequest = (rows: number[][], extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: "input", shape: [rows.length, 4], datatype: "FP32", data: rows.flat() }],
  ...extra,
});

Deno.test("maps datatypes and shapes for metadata", () => {
  assert.equal(v2DatatypeOf("float32"), "FP32");
  assert.equal(v2DatatypeOf("float16"), "FP16");
  assert.equal(v2DatatypeOf("bool"), "BOOL");
  assert.equal(v2DatatypeOf("string"), "BYTES");
  assert.equal(v2DatatypeOf("uint64"), "UINT64");
  assert.equal(v2DatatypeOf("unknown"), undefined);
  assert.deepEqual(v2Shape(["N", 4, null, -1]), [-1, 4, -1, -1]);
  // A -1 dim as a bundle packed before -1 was read as dynamic recorded it.
  assert.deepEqual(v2Shape([4294967295, 3]), [-1, 3]);
  assert.deepEqual(v2Shape(null), []);
});

Deno.test("a dim recorded as 4294967295 (a -1 dim from a bundle packed before -1 was dynamic) takes any size", () => {
  const input = new V2InferInput({
    inputs: [{ name: "input", type: "float32", shape: [4294967295, 4] }],
    outputs: [{ name: "label", type: "int64", shape: [4294967295] }],
  });
  assert.deepEqual(input.fromJson(irisRequest([[1, 2, 3, 4], [5, 6, 7, 8]])).feeds.input.dims, [2, 4]);
});

Deno.test("decodes a request with flat or nested data, an id and an output filter", () => {
  const flat = iris().fromJson(
    irisRequest([[1, 2, 3, 4], [5, 6, 7, 8]], { id: "r1", outputs: [{ name: "label" }] }),
  );
  assert.deepEqual(flat, {
    id: "r1",
    feeds: { input: { type: "float32", dims: [2, 4], data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]) } },
    outputs: ["label"],
  });
  const nested = iris().fromJson({
    inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [[1, 2, 3, 4]] }],
  });
  assert.deepEqual(nested, {
    feeds: { input: { type: "float32", dims: [1, 4], data: new Float32Array([1, 2, 3, 4]) } },
  });
  const bytes = iris().fromBytes(
    enc(JSON.stringify(irisRequest([[1, 2, 3, 4]]))),
    "application/json; charset=utf-8",
  );
  assert.deepEqual(bytes.feeds.input.dims, [1, 4]);
});

Deno.test("decodes INT64 (numbers and strings), BOOL and BYTES (strings and b64)", () => {
  const input = new V2InferInput({
    inputs: [
      { name: "a", type: "int64", shape: ["N", 2] },
      { name: "flag", type: "bool", shape: ["N"] },
      { name: "s", type: "string", shape: ["N"] },
    ],
    outputs: [],
  });
  const item = input.fromJson({
    inputs: [
      { name: "a", shape: [1, 2], datatype: "INT64", data: [1, "9007199254740993"] },
      { name: "flag", shape: [2], datatype: "BOOL", data: [true, false] },
      { name: "s", shape: [2], datatype: "BYTES", data: ["hi", { b64: "w6k=" }] },
    ],
  });
  assert.deepEqual(item.feeds.a, {
    type: "int64",
    dims: [1, 2],
    data: new BigInt64Array([1n, 9007199254740993n]),
  });
  assert.deepEqual(item.feeds.flag, { type: "bool", dims: [2], data: new Uint8Array([1, 0]) });
  assert.deepEqual(item.feeds.s, { type: "string", dims: [2], data: ["hi", "é"] });
});

Deno.test("rejects bad requests with messages that name the input or output", () => {
  const bad = (value: unknown, message: string, status = 400) =>
    assert.throws(() => iris().fromJson(value), { name: "BadInputError", message, status });
  const one = (patch: Record<string, unknown>) => ({
    inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4], ...patch }],
  });
  bad(
    { instances: [] },
    'a v2 inference request is an object with "inputs": a non-empty list of {name, shape, datatype, data}',
  );
  bad(one({ datatype: "FP64" }), `input "input": datatype FP64 does not match the model's FP32`);
  bad(
    one({ datatype: "FLOAT" }),
    'input "input": unknown datatype "FLOAT"; use one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, ' +
      "INT32, INT64, FP16, FP32, FP64, BYTES",
  );
  bad(one({ name: "x" }), 'unknown input "x"; the model\'s inputs are: input');
  bad(one({ shape: [4] }), 'input "input": shape [4] has rank 1, the model expects rank 2 ([N,4])');
  bad(one({ shape: [2, 2] }), `input "input": shape [2,2] does not match the model's [N,4]`);
  bad(one({ shape: [2, 4] }), 'input "input": shape [2,4] needs 8 elements, data has 4');
  bad(one({ shape: [1, -4] }), 'input "input": "shape" must be a list of non-negative integers, got [1,-4]');
  bad(one({ data: [1, 2, "x", 4] }), 'input "input" data[2]: "x" is not a number');
  bad(one({ data: "1,2,3,4" }), 'input "input": "data" must be a list of elements (flat or nested)');
  bad({ ...one({}), id: 7 }, '"id" must be a string, got number');
  bad(
    { ...one({}), outputs: [{ name: "proba" }] },
    `unknown output "proba"; the model's outputs are: probabilities, label`,
  );
  bad({ inputs: [...one({}).inputs, ...one({}).inputs] }, 'input "input" is given twice');
  const two = new V2InferInput({
    inputs: [{ name: "a", type: "int64", shape: ["N"] }, { name: "b", type: "int64", shape: ["N"] }],
    outputs: [],
  });
  assert.throws(() => two.fromJson({ inputs: [{ name: "a", shape: [1], datatype: "INT64", data: [1] }] }), {
    message: 'missing input "b"; the model\'s inputs are: a, b',
  });
  assert.throws(() => iris().fromBytes(enc("{"), "application/json"), { name: "BadInputError", status: 400 });
  assert.throws(() => iris().fromBytes(enc("x"), "text/csv"), {
    message: "V2InferInput does not accept content type text/csv; send one of: application/json, " +
      "application/octet-stream",
    status: 415,
  });
});

Deno.test("merges items along axis 0 only when the model's first dim is dynamic", () => {
  const a = iris().fromJson(irisRequest([[1, 2, 3, 4]]));
  const b = iris().fromJson(irisRequest([[5, 6, 7, 8], [9, 10, 11, 12]]));
  const merged = iris().merge([a, b]);
  assert.deepEqual(merged.rows, [1, 2]);
  assert.deepEqual(merged.items, [a, b]);
  assert.deepEqual(merged.feeds?.input.dims, [3, 4]);
  assert.deepEqual(merged.feeds?.input.data, new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
  assert.equal(iris().batchable, true);
  assert.equal(iris().rows(b), 1);
  assert.equal(iris().merge([a]).feeds, undefined);

  const fixed = new V2InferInput({
    inputs: [{ name: "input", type: "float32", shape: [1, 4] }],
    outputs: [{ name: "y", type: "float32", shape: [1] }],
  });
  assert.equal(fixed.batchable, false);
  const f = fixed.fromJson(irisRequest([[1, 2, 3, 4]]));
  assert.deepEqual(fixed.merge([f, f]), { rows: [1, 1], items: [f, f] });
  const otherNames = new V2InferInput({
    inputs: [{ name: "input", type: "float32", shape: ["N", 4] }],
    outputs: [{ name: "y", type: "float32", shape: ["M"] }],
  });
  assert.equal(otherNames.batchable, false);
});

Deno.test("does not merge items whose inner dims differ", () => {
  const input = new V2InferInput({
    inputs: [{ name: "x", type: "float32", shape: ["N", "T"] }],
    outputs: [{ name: "y", type: "float32", shape: ["N"] }],
  });
  const a = input.fromJson({ inputs: [{ name: "x", shape: [1, 2], datatype: "FP32", data: [1, 2] }] });
  const b = input.fromJson({ inputs: [{ name: "x", shape: [1, 3], datatype: "FP32", data: [1, 2, 3] }] });
  assert.equal(input.merge([a, b]).feeds, undefined);
  assert.deepEqual(input.merge([a, a]).feeds?.x.dims, [2, 2]);
});

Deno.test("encodes a response as JSON with a v2 schema", () => {
  const out = new V2InferOutput();
  const response = {
    model_name: "m",
    id: "1",
    outputs: [{ name: "y", datatype: "INT64", shape: [1], data: new BigInt64Array([3n]) }],
  };
  assert.deepEqual(out.encode(response), {
    body: '{"model_name":"m","id":"1","outputs":[{"name":"y","datatype":"INT64","shape":[1],"data":[3]}]}',
    contentType: "application/json",
  });
  assert.deepEqual(out.toJson(response), {
    model_name: "m",
    id: "1",
    outputs: [{ name: "y", datatype: "INT64", shape: [1], data: [3] }],
  });
  assert.deepEqual(out.schema().required, ["model_name", "outputs"]);
  assert.deepEqual(iris().schema().required, ["inputs"]);
});

Deno.test("iris: requests of 1, 3 and 2 rows batch into one run and each gets its own outputs", async () => {
  const ref = JSON.parse(await Deno.readTextFile(new URL("bundles/iris_classifier/reference.json", ROOT)));
  const model = await loadModel("bundles/iris_classifier/iris_lr.onnx", "iris");
  let runs = 0;
  const counting: V2Model = {
    inputs: model.inputs,
    outputs: model.outputs,
    run: (feeds, names) => {
      runs++;
      return model.run(feeds, names);
    },
  };
  try {
    const api = v2InferApi("iris", counting, { version: "1.2.0" });
    assert.equal(api.name, "v2:iris");
    assert.equal(api.batch, true);
    const slices: [number, number][] = [[0, 1], [50, 53], [100, 102]];
    const items = slices.map(([s, e], k) =>
      api.input.fromJson(
        irisRequest(ref.inputs.slice(s, e), k === 1 ? { id: "b", outputs: [{ name: "label" }] } : {}),
      )
    );
    const outcomes = await invokeApi(api, items, ctx);
    assert.equal(runs, 1);
    assert.equal(outcomes.length, 3);
    slices.forEach(([s, e], k) => {
      const outcome = outcomes[k];
      assert.ok(outcome.ok);
      const value = outcome.value as V2InferResponse;
      assert.equal(value.model_name, "iris");
      assert.equal(value.model_version, "1.2.0");
      const label = value.outputs.find((o) => o.name === "label")!;
      assert.deepEqual({ ...label, data: Array.from(label.data, Number) }, {
        name: "label",
        datatype: "INT64",
        shape: [e - s],
        data: ref.label.slice(s, e),
      });
      if (k === 1) {
        assert.equal(value.id, "b");
        assert.deepEqual(value.outputs.map((o) => o.name), ["label"]);
        return;
      }
      assert.equal(value.id, undefined);
      assert.deepEqual(value.outputs.map((o) => o.name), ["probabilities", "label"]);
      const probs = value.outputs[0];
      assert.equal(probs.datatype, "FP32");
      assert.deepEqual(probs.shape, [e - s, 3]);
      const want = (ref.probabilities as number[][]).slice(s, e).flat();
      assert.equal(probs.data.length, want.length);
      (probs.data as Float32Array).forEach((p, i) =>
        assert.ok(Math.abs(p - want[i]) < 1e-5, `${p} vs ${want[i]}`)
      );
    });
    const encoded = api.output!.encode((outcomes[1] as { value: unknown }).value);
    assert.equal(
      encoded.body,
      '{"model_name":"iris","model_version":"1.2.0","id":"b","outputs":[{"name":"label","datatype":"INT64",' +
        '"shape":[3],"data":[1,1,1]}]}',
    );
  } finally {
    await model.close();
  }
});

Deno.test("add_int64_bool_string: batched INT64, BOOL and BYTES outputs split per request", async () => {
  const model = await loadModel("tests/fixtures/add_int64_bool_string.onnx", "adder");
  try {
    const api = v2InferApi("adder", model);
    const request = (a: (number | string)[][], b: number[][], flag: boolean[], s: string[]) => ({
      inputs: [
        { name: "a", shape: [a.length, 2], datatype: "INT64", data: a.flat() },
        { name: "b", shape: [b.length, 2], datatype: "INT64", data: b },
        { name: "flag", shape: [flag.length], datatype: "BOOL", data: flag },
        { name: "s", shape: [s.length], datatype: "BYTES", data: s },
      ],
    });
    const items = [
      request([[1, 2]], [[10, 20]], [true], ["x"]),
      request([["9007199254740993", 0], [3, 4], [5, 6]], [[1, 0], [30, 40], [50, 60]], [false, true, false], [
        "a",
        "bé",
        "",
      ]),
      request([[-1, -2], [7, 8]], [[1, 2], [0, 0]], [true, true], ["p", "q"]),
    ].map((r) => api.input.fromJson(r));
    const outcomes = await invokeApi(api, items, ctx);
    // The body as sent: INT64 beyond 2^53 is an exact number literal.
    const bodies = outcomes.map((o) => (o.ok ? api.output!.encode(o.value).body : o.message));
    const expected = [
      [[1], "11,22", "false", '"x"'],
      [[3], "9007199254740994,0,33,44,55,66", "true,false,true", '"a","bé",""'],
      [[2], "0,0,7,8", "false,false", '"p","q"'],
    ] as const;
    bodies.forEach((body, k) => {
      const [[rows], sum, notFlag, sOut] = expected[k];
      assert.equal(
        body,
        `{"model_name":"adder","outputs":[{"name":"sum","datatype":"INT64","shape":[${rows},2],"data":[${sum}]},` +
          `{"name":"not_flag","datatype":"BOOL","shape":[${rows}],"data":[${notFlag}]},` +
          `{"name":"s_out","datatype":"BYTES","shape":[${rows}],"data":[${sOut}]}]}`,
      );
    });
  } finally {
    await model.close();
  }
});

Deno.test("runs items one by one when outputs do not split, and a failing item fails alone", async () => {
  const calls: number[] = [];
  // A fake model whose output has one row whatever the batch: merged runs cannot be split.
  const fake: V2Model = {
    inputs: [{ name: "x", type: "float32", shape: ["N"] }],
    outputs: [{ name: "y", type: "float32", shape: ["N"] }],
    run: (feeds) => {
      const x = feeds.x as Tensor<"float32">;
      calls.push(x.dims[0]);
      if (x.data[0] < 0) return Promise.reject(new Error("negative input"));
      const sum = x.data.reduce((a, b) => a + b, 0);
      return Promise.resolve({ y: { type: "float32", dims: [1], data: new Float32Array([sum]) } });
    },
  };
  const api = v2InferApi("fake", fake);
  const req = (data: number[]) => ({ inputs: [{ name: "x", shape: [data.length], datatype: "FP32", data }] });
  const items = [req([1]), req([-1]), req([2, 3])].map((r) => api.input.fromJson(r));
  const merged = api.input.merge(items) as V2InferBatch;
  assert.deepEqual(merged.rows, [1, 1, 2]);
  const outcomes = await invokeApi(api, items, ctx);
  assert.deepEqual(calls, [4, 1, 1, 2]);
  assert.deepEqual(outcomes[0], {
    ok: true,
    status: 200,
    headers: {},
    value: {
      model_name: "fake",
      outputs: [{ name: "y", datatype: "FP32", shape: [1], data: new Float32Array([1]) }],
    },
  });
  assert.deepEqual(outcomes[1], { ok: false, status: 500, message: "negative input" });
  assert.deepEqual((outcomes[2] as { value: V2InferResponse }).value.outputs[0].data, new Float32Array([5]));
});

Deno.test("refuses bad numbers like every other adapter: overflow, 1e400, numeric strings, out-of-range ints", () => {
  const bad = (data: unknown[], message: string, datatype = "FP32", type: TensorInfo["type"] = "float32") => {
    const input = new V2InferInput({ inputs: [{ name: "input", type, shape: ["N", 4] }], outputs: IRIS_OUT });
    const body = `{"inputs":[{"name":"input","shape":[1,4],"datatype":"${datatype}","data":[${
      data.join(",")
    }]}]}`;
    assert.throws(() => input.fromBytes(enc(body), "application/json"), {
      name: "BadInputError",
      message,
      status: 400,
    });
  };
  const range = "(-3.4028234663852886e+38..3.4028234663852886e+38)";
  bad([5.1, "1e39", 1.4, 0.2], `input "input" data[1]: 1e+39 is out of range for float32 ${range}`);
  bad([5.1, 3.5, "1e400", 0.2], `input "input" data[2]: Infinity is out of range for float32 ${range}`);
  bad(
    [5.1, '"3.5"', 1.4, 0.2],
    'input "input" data[1]: "3.5" is a string, not a number; send 3.5 without quotes (float32)',
  );
  bad([5.1, 3.5, "null", 0.2], 'input "input" data[2]: null is not a number');
  bad(
    [1, 2, 3, "2147483648"],
    'input "input" data[3]: 2147483648 is out of range for int32 (-2147483648..2147483647)',
    "INT32",
    "int32",
  );
});

Deno.test("writes INT64 and UINT64 beyond 2^53 as exact JSON number literals", () => {
  const out = new V2InferOutput();
  const response: V2InferResponse = {
    model_name: "m",
    outputs: [
      {
        name: "i",
        datatype: "INT64",
        shape: [3],
        data: new BigInt64Array([2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n]),
      },
      { name: "u", datatype: "UINT64", shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
    ],
  };
  const body = out.encode(response).body as string;
  assert.equal(
    body,
    '{"model_name":"m","outputs":[{"name":"i","datatype":"INT64","shape":[3],' +
      '"data":[9223372036854775807,-9223372036854775808,9007199254740993]},' +
      '{"name":"u","datatype":"UINT64","shape":[1],"data":[18446744073709551615]}]}',
  );
  // A parser that keeps the source text of numbers gets every digit back.
  const digits: string[] = [];
  JSON.parse(
    body,
    function (this: unknown, _key: string, value: unknown, context?: { source?: string }) {
      if (typeof value === "number" && context?.source !== undefined && context.source.length > 15) {
        digits.push(context.source);
      }
      return value;
    } as (this: unknown, key: string, value: unknown) => unknown,
  );
  assert.deepEqual(digits, [
    "9223372036854775807",
    "-9223372036854775808",
    "9007199254740993",
    "18446744073709551615",
  ]);
  // toJson gives a JS value, so there they are strings.
  assert.deepEqual((out.toJson(response) as { outputs: { data: unknown }[] }).outputs[1].data, [
    "18446744073709551615",
  ]);
});

/** Parses a binary-extension response: its JSON header and each binary output's raw bytes by name. */
function readBinary(
  encoded: { body: string | Uint8Array; contentType: string; headers?: Record<string, string> },
) {
  assert.equal(encoded.contentType, "application/octet-stream");
  const body = encoded.body as Uint8Array;
  const length = Number(encoded.headers?.["inference-header-content-length"]);
  const header = JSON.parse(new TextDecoder().decode(body.subarray(0, length)));
  const raw: Record<string, Uint8Array> = {};
  let offset = length;
  for (const o of header.outputs) {
    const size = o.parameters?.binary_data_size;
    if (size === undefined) continue;
    raw[o.name] = body.slice(offset, offset + size);
    offset += size;
  }
  assert.equal(offset, body.length);
  return { header, raw };
}

Deno.test("div_nan_inf: NaN and ±Infinity are null in JSON and exact in binary outputs", async () => {
  const model = await loadModel("tests/fixtures/div_nan_inf.onnx", "div");
  try {
    const api = v2InferApi("div", model);
    const inputs = [
      { name: "x", shape: [2, 2], datatype: "FP32", data: [0, 1, -1, 3] },
      { name: "y", shape: [2, 2], datatype: "FP32", data: [0, 0, 0, 2] },
    ];
    const [json, binary, mixed] = [
      { inputs },
      { inputs, parameters: { binary_data_output: true } },
      // Per-output binary_data wins over the request's binary_data_output.
      {
        inputs,
        parameters: { binary_data_output: true },
        outputs: [{ name: "ratio64", parameters: { binary_data: false } }, { name: "ratio" }],
      },
    ].map((r) => api.input.fromJson(r));
    const outcomes = await invokeApi(api, [json, binary, mixed], ctx);
    const [a, b, c] = outcomes.map((o) => {
      assert.ok(o.ok);
      return api.output!.encode(o.value);
    });
    assert.deepEqual(a, {
      body: '{"model_name":"div","outputs":[{"name":"ratio","datatype":"FP32","shape":[2,2],' +
        '"data":[null,null,null,1.5]},{"name":"ratio64","datatype":"FP64","shape":[2,2],"data":[null,null,null,1.5]}]}',
      contentType: "application/json",
    });
    const { header, raw } = readBinary(b);
    assert.deepEqual(header, {
      model_name: "div",
      outputs: [
        { name: "ratio", datatype: "FP32", shape: [2, 2], parameters: { binary_data_size: 16 } },
        { name: "ratio64", datatype: "FP64", shape: [2, 2], parameters: { binary_data_size: 32 } },
      ],
    });
    // As numbers (the NaN bit pattern is the model's, so compare values, not bytes).
    assert.deepEqual([...new Float32Array(raw.ratio.buffer)], [NaN, Infinity, -Infinity, 1.5]);
    assert.deepEqual([...new Float64Array(raw.ratio64.buffer)], [NaN, Infinity, -Infinity, 1.5]);
    const mixedOut = readBinary(c);
    assert.deepEqual(mixedOut.header.outputs, [
      { name: "ratio64", datatype: "FP64", shape: [2, 2], data: [null, null, null, 1.5] },
      { name: "ratio", datatype: "FP32", shape: [2, 2], parameters: { binary_data_size: 16 } },
    ]);
    assert.deepEqual(Object.keys(mixedOut.raw), ["ratio"]);
  } finally {
    await model.close();
  }
});

/** A binary-extension request body: the JSON header then each input's bytes, and its content type. */
function binaryRequest(header: unknown, ...chunks: Uint8Array[]): { body: Uint8Array; contentType: string } {
  const json = enc(JSON.stringify(header));
  const body = new Uint8Array(json.length + chunks.reduce((n, c) => n + c.length, 0));
  body.set(json);
  let offset = json.length;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return { body, contentType: `application/octet-stream; inference-header-content-length=${json.length}` };
}

const bytesOf = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

Deno.test("add_int64_bool_string: binary inputs and outputs round-trip INT64 beyond 2^53, BOOL and BYTES", async () => {
  const model = await loadModel("tests/fixtures/add_int64_bool_string.onnx", "adder");
  try {
    const api = v2InferApi("adder", model);
    const big = 2n ** 62n + 1n;
    const strings = new Uint8Array([2, 0, 0, 0, 104, 105, 0, 0, 0, 0]); // "hi", ""
    const { body, contentType } = binaryRequest(
      {
        inputs: [
          { name: "a", shape: [2, 2], datatype: "INT64", parameters: { binary_data_size: 32 } },
          { name: "b", shape: [2, 2], datatype: "INT64", data: [1, 2, 3, 4] },
          { name: "flag", shape: [2], datatype: "BOOL", parameters: { binary_data_size: 2 } },
          { name: "s", shape: [2], datatype: "BYTES", parameters: { binary_data_size: strings.length } },
        ],
        parameters: { binary_data_output: true },
      },
      bytesOf(new BigInt64Array([big, -big, 0n, 1n])),
      new Uint8Array([0, 7]),
      strings,
    );
    const item = api.input.fromBytes(body, contentType) as V2InferItem;
    assert.deepEqual(item.feeds.a.data, new BigInt64Array([big, -big, 0n, 1n]));
    assert.deepEqual(item.feeds.flag.data, new Uint8Array([0, 1]));
    assert.deepEqual(item.feeds.s.data, ["hi", ""]);
    const [outcome] = await invokeApi(api, [item], ctx);
    assert.ok(outcome.ok);
    const { header, raw } = readBinary(api.output!.encode(outcome.value));
    assert.deepEqual(header.outputs.map((o: { parameters: unknown }) => o.parameters), [
      { binary_data_size: 32 },
      { binary_data_size: 2 },
      { binary_data_size: 10 },
    ]);
    assert.deepEqual(new BigInt64Array(raw.sum.buffer), new BigInt64Array([big + 1n, -big + 2n, 3n, 5n]));
    assert.deepEqual(raw.not_flag, new Uint8Array([1, 0]));
    assert.deepEqual(raw.s_out, strings);
  } finally {
    await model.close();
  }
});

Deno.test("refuses bad binary requests with messages that name the input and the sizes", () => {
  const input = (patch: Record<string, unknown> = {}) => ({
    name: "input",
    shape: [1, 4],
    datatype: "FP32",
    parameters: { binary_data_size: 16 },
    ...patch,
  });
  const four = bytesOf(new Float32Array([5.1, 3.5, 1.4, 0.2]));
  const bad = (request: { body: Uint8Array; contentType: string }, message: string, status = 400) =>
    assert.throws(() => iris().fromBytes(request.body, request.contentType), {
      name: "BadInputError",
      message,
      status,
    });
  assert.deepEqual(
    iris().fromBytes(...Object.values(binaryRequest({ inputs: [input()] }, four)) as [Uint8Array, string])
      .feeds.input.data,
    new Float32Array([5.1, 3.5, 1.4, 0.2]),
  );
  bad(
    binaryRequest({ inputs: [input()] }, four.subarray(0, 12)),
    'input "input": binary_data_size 16 runs past the body\'s binary section (12 bytes left); send the body as ' +
      "the JSON header then each binary input's bytes, in input order, with header Inference-Header-Content-Length",
  );
  bad(
    binaryRequest({ inputs: [input({ parameters: { binary_data_size: 12 } })] }, four.subarray(0, 12)),
    'input "input": binary_data_size 12 does not fit the shape: 4 elements of 4 bytes make 16 bytes',
  );
  bad(
    binaryRequest({ inputs: [input()] }, four, new Uint8Array([1])),
    "the body has 17 bytes after its JSON header, the inputs' binary_data_size add up to 16",
  );
  bad(
    binaryRequest({ inputs: [input({ data: [1, 2, 3, 4] })] }, four),
    'input "input": give either "data" or parameter "binary_data_size", not both',
  );
  bad(
    binaryRequest({ inputs: [input({ parameters: { binary_data_size: "16" } })] }, four),
    'input "input": binary_data_size must be a whole number of bytes, got "16"',
  );
  bad(
    binaryRequest({ inputs: [input()] }, bytesOf(new Float32Array([5.1, NaN, 1.4, 0.2]))),
    'input "input" data[1]: NaN is not a finite number',
  );
  bad(
    binaryRequest({
      inputs: [input({ data: [1, 2, 3, 4], parameters: undefined })],
      parameters: { binary_data_output: 1 },
    }),
    'parameter "binary_data_output" must be true or false, got 1',
  );
  bad(
    { body: four, contentType: "application/octet-stream" },
    "an application/octet-stream v2 request needs header Inference-Header-Content-Length: the byte length of " +
      "its JSON header",
  );
  bad(
    { body: four, contentType: "application/octet-stream; inference-header-content-length=99" },
    'Inference-Header-Content-Length "99" must be a whole number of bytes within the 16-byte body',
  );
  // Without binary inputs, a header length equal to the body's is plain JSON.
  const { body, contentType } = binaryRequest(irisRequest([[1, 2, 3, 4]]));
  assert.deepEqual(iris().fromBytes(body, contentType).feeds.input.dims, [1, 4]);
});

Deno.test("v2 data nested any depth is flattened without recursion; unknown names are quoted on one line", () => {
  // Found by tests/fuzz/v2_infer_fuzz.ts: data nested 5,000 deep overflowed the stack (a RangeError, a 500),
  // and an input named "\n" made a two-line message.
  const input = new V2InferInput({
    inputs: [{ name: "input", type: "float32", shape: ["N", 4] }],
    outputs: [],
  });
  const data = JSON.parse("[".repeat(5000) + "1, 2" + "]".repeat(5000));
  assert.throws(
    () => input.fromJson({ inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data }] }),
    { name: "BadInputError", message: 'input "input": shape [1,4] needs 4 elements, data has 2' },
  );
  const deep = [JSON.parse("[".repeat(5000) + "1, 2, 3, 4" + "]".repeat(5000))];
  const item = input.fromJson({ inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data: deep }] });
  assert.deepEqual([...item.feeds.input.data as Float32Array], [1, 2, 3, 4]);
  assert.throws(
    () => input.fromJson({ inputs: [{ name: "\n", datatype: "FP32", shape: [1, 4], data: [] }] }),
    {
      name: "BadInputError",
      message: `unknown input "\\n"; the model's inputs are: input`,
    },
  );
});
