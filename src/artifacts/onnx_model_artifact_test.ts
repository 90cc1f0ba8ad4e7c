import assert from "node:assert/strict";
import type { BackendSession, InferenceBackend, SessionOptions } from "../sdk/backend.ts";
import { WasmBackend } from "../backends/ort_web.ts";
import { ObentoError } from "../errors.ts";
import type { ArtifactContext } from "../sdk/artifact.ts";
import { OnnxModel, OnnxModelArtifact } from "./onnx_model_artifact.ts";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readFile(new URL(path, ROOT));
const wasm = new WasmBackend();
const ctx = (
  name: string,
  backend: InferenceBackend = wasm,
  sessionOptions: SessionOptions = {},
): ArtifactContext => ({
  name,
  metadata: {},
  backend,
  sessionOptions,
});

/** A backend that records the options it gets and makes sessions that count closes. */
class RecordingBackend implements InferenceBackend {
  readonly name = "recording";
  readonly options: SessionOptions[] = [];
  closes = 0;
  createSession(_model: Uint8Array, options: SessionOptions = {}): Promise<BackendSession> {
    this.options.push(options);
    return Promise.resolve({
      backend: this.name,
      inputs: [{ name: "a", type: "float32", shape: [1] }, { name: "b", type: "float32", shape: [1] }],
      outputs: [{ name: "m", type: "unknown" }],
      run: () => Promise.resolve({}),
      close: () => {
        this.closes++;
        return Promise.resolve();
      },
    });
  }
}

Deno.test("inspects iris LR into JSON-safe inputs and outputs", async () => {
  const artifact = new OnnxModelArtifact();
  assert.equal(artifact.type, "OnnxModelArtifact");
  assert.equal(artifact.extension, ".onnx");
  const info = await artifact.inspect(await read("bundles/iris_classifier/iris_lr.onnx"), ctx("model"));
  assert.deepEqual(info, {
    inputs: [{ name: "input", type: "float32", shape: ["N", 4] }],
    outputs: [
      { name: "probabilities", type: "float32", shape: ["N", 3] },
      { name: "label", type: "int64", shape: ["N"] },
    ],
  });
  assert.deepEqual(JSON.parse(JSON.stringify(info)), info);
});

Deno.test("closes the session it opened to inspect and reports non-tensor outputs with shape null", async () => {
  const backend = new RecordingBackend();
  const info = await new OnnxModelArtifact().inspect(new Uint8Array(1), ctx("m", backend));
  assert.deepEqual(info.outputs, [{ name: "m", type: "unknown", shape: null }]);
  assert.equal(backend.closes, 1);
});

Deno.test("names the artifact when its bytes are not an ONNX model", async () => {
  const bytes = await read("tests/fixtures/not_onnx.onnx");
  const expected = new ObentoError(
    "BAD_MODEL",
    `artifact "clf" (OnnxModelArtifact): ${bytes.byteLength} bytes given are not an ONNX model ` +
      "(protobuf parsing failed)",
  );
  await assert.rejects(new OnnxModelArtifact().inspect(bytes, ctx("clf")), expected);
  await assert.rejects(new OnnxModelArtifact().load(bytes, ctx("clf")), expected);
});

Deno.test("loads a model that runs and predicts, then unloads it", async () => {
  const artifact = new OnnxModelArtifact();
  const model = await artifact.load(await read("bundles/iris_classifier/iris_lr.onnx"), ctx("model"));
  assert.ok(model instanceof OnnxModel);
  assert.equal(model.backend, "wasm");
  assert.deepEqual(model.inputs, [{ name: "input", type: "float32", shape: ["N", 4] }]);
  assert.deepEqual(model.outputs.map((o) => o.name), ["probabilities", "label"]);
  const input = {
    type: "float32",
    dims: [2, 4],
    data: new Float32Array([5.1, 3.5, 1.4, 0.2, 7.7, 3, 6.1, 2.3]),
  } as const;
  const viaRun = await model.run({ input }, ["label"]);
  assert.deepEqual(viaRun, { label: { type: "int64", dims: [2], data: new BigInt64Array([0n, 2n]) } });
  const viaPredict = await model.predict(input);
  assert.deepEqual(viaPredict.label, viaRun.label);
  await artifact.unload(model);
  await assert.rejects(
    model.predict(input),
    (e: unknown) => e instanceof ObentoError && e.code === "UNAVAILABLE",
  );
});

Deno.test("refuses predict() on a model with several inputs", async () => {
  const model = await new OnnxModelArtifact().load(
    await read("tests/fixtures/add_int64_bool_string.onnx"),
    ctx("adder"),
  );
  try {
    await assert.rejects(
      model.predict({ type: "int64", dims: [1, 2], data: new BigInt64Array(2) }),
      new ObentoError(
        "BAD_SERVICE",
        "predict() needs a model with one input, this one has 4 (a, b, flag, s); use run({ a: …, … })",
      ),
    );
  } finally {
    await model.close();
  }
});

Deno.test("overrides the host's session options with the artifact's", async () => {
  const backend = new RecordingBackend();
  const host = { threads: 1, graphOptimizationLevel: "all", enableMemPattern: false } as const;
  await new OnnxModelArtifact().load(new Uint8Array(1), ctx("m", backend, host));
  await new OnnxModelArtifact({
    threads: 2,
    graphOptimizationLevel: "basic",
    sessionOptions: { threads: 4, parallelExecution: true, graphOptimizationLevel: "disabled" },
  }).load(new Uint8Array(1), ctx("m", backend, host));
  assert.deepEqual(backend.options, [
    { threads: 1, graphOptimizationLevel: "all", enableMemPattern: false },
    { threads: 2, graphOptimizationLevel: "basic", enableMemPattern: false, parallelExecution: true },
  ]);
});
