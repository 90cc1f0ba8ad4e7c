import assert from "node:assert/strict";
import { testArtifact, testDocument } from "../server/_testing.ts";
import { v2ModelsFromBundle } from "./models.ts";
import { V2_EXTENSIONS, v2InferPaths, v2Routes } from "./routes.ts";
import type { V2RoutesContext } from "./routes.ts";

const DOC = testDocument({
  artifacts: [
    testArtifact("model", "OnnxModelArtifact", "model.onnx", {
      inputs: [{ name: "input", type: "float32", shape: ["N", 4] }],
      outputs: [
        { name: "probabilities", type: "float32", shape: ["N", 3] },
        { name: "label", type: "int64", shape: ["N"] },
        { name: "zipmap", type: "unknown", shape: null },
      ],
    }),
    testArtifact("classes", "JsonArtifact", "classes.json"),
  ],
});

const MODEL = {
  name: "model",
  versions: ["1.0.0"],
  platform: "onnxruntime-web",
  inputs: [{ name: "input", datatype: "FP32", shape: [-1, 4] }],
  outputs: [
    { name: "probabilities", datatype: "FP32", shape: [-1, 3] },
    { name: "label", datatype: "INT64", shape: [-1] },
  ],
};

function app(overrides: Partial<V2RoutesContext> = {}) {
  const calls: { model: string; body: string; contentType: string }[] = [];
  const ctx: V2RoutesContext = {
    serverName: "obento",
    serverVersion: "0.1.0",
    models: v2ModelsFromBundle(DOC),
    isLive: () => true,
    isReady: () => true,
    infer: async (model, request, contentType) => {
      calls.push({ model, body: await request.text(), contentType });
      return Response.json({ model_name: model, outputs: [] });
    },
    ...overrides,
  };
  return { app: v2Routes(ctx), calls };
}

const json = async (res: Response) => ({ status: res.status, body: await res.json() });

Deno.test("builds v2 models from ONNX artifacts, -1 for dynamic dims, skipping non-tensors", () => {
  assert.deepEqual(v2ModelsFromBundle(DOC), [MODEL]);
});

/** Status and body text of a response. */
const text = async (res: Response) => ({ status: res.status, body: await res.text() });

Deno.test("serves server metadata advertising the binary tensor data extension", async () => {
  const { app: a } = app();
  const meta = { name: "obento", version: "0.1.0", extensions: ["binary_tensor_data"] };
  assert.deepEqual(V2_EXTENSIONS, ["binary_tensor_data"]);
  assert.deepEqual(await json(await a.request("/v2")), { status: 200, body: meta });
  assert.deepEqual(await json(await a.request("/v2/")), { status: 200, body: meta });
});

Deno.test("health and readiness: 200 with an empty body when true, 400 with an empty body when false", async () => {
  const ok = { status: 200, body: "" };
  const no = { status: 400, body: "" };
  const paths = [
    "/v2/health/live",
    "/v2/health/ready",
    "/v2/models/model/ready",
    "/v2/models/model/versions/1.0.0/ready",
  ];
  const { app: up } = app();
  for (const path of paths) assert.deepEqual(await text(await up.request(path)), ok, path);
  const { app: down } = app({ isLive: () => false, isReady: () => false });
  for (const path of paths) assert.deepEqual(await text(await down.request(path)), no, path);
  // Live but still loading: live is 200, readiness is not.
  let ready = false;
  const { app: loading } = app({ isReady: () => ready });
  assert.deepEqual(await text(await loading.request("/v2/health/live")), ok);
  assert.deepEqual(await text(await loading.request("/v2/health/ready")), no);
  assert.deepEqual(await text(await loading.request("/v2/models/model/ready")), no);
  ready = true;
  assert.deepEqual(await text(await loading.request("/v2/health/ready")), ok);
  assert.deepEqual(await text(await loading.request("/v2/models/model/ready")), ok);
});

Deno.test("lists models and serves model metadata and readiness, with and without a version", async () => {
  const { app: a } = app();
  assert.deepEqual(await json(await a.request("/v2/models")), {
    status: 200,
    body: { models: [{ name: "model", versions: ["1.0.0"], platform: "onnxruntime-web", state: "READY" }] },
  });
  assert.deepEqual(await json(await a.request("/v2/models/model")), { status: 200, body: MODEL });
  assert.deepEqual(await json(await a.request("/v2/models/model/versions/1.0.0")), {
    status: 200,
    body: MODEL,
  });
});

Deno.test("answers 404 naming the models or versions that exist", async () => {
  const { app: a, calls } = app();
  const missing = { error: 'model "x" is not in this bundle; models: model', status: 404 };
  assert.deepEqual(await json(await a.request("/v2/models/x")), { status: 404, body: missing });
  assert.deepEqual(await json(await a.request("/v2/models/x/ready")), { status: 404, body: missing });
  assert.deepEqual(await json(await a.request("/v2/models/x/infer", { method: "POST", body: "{}" })), {
    status: 404,
    body: missing,
  });
  assert.deepEqual(
    await json(await a.request("/v2/models/model/versions/2/infer", { method: "POST", body: "{}" })),
    {
      status: 404,
      body: { error: 'model "model" has no version "2"; versions: 1.0.0', status: 404 },
    },
  );
  assert.equal(calls.length, 0);
  const { app: empty } = app({ models: [] });
  assert.deepEqual(await json(await empty.request("/v2/models/model")), {
    status: 404,
    body: { error: 'model "model" is not in this bundle; models: (none)', status: 404 },
  });
});

Deno.test("delegates inference to ctx.infer with the model name and the request", async () => {
  const { app: a, calls } = app();
  const body = JSON.stringify({
    inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] }],
  });
  const init = { method: "POST", body, headers: { "content-type": "application/json" } };
  assert.deepEqual(await json(await a.request("/v2/models/model/infer", init)), {
    status: 200,
    body: { model_name: "model", outputs: [] },
  });
  assert.deepEqual(await json(await a.request("/v2/models/model/versions/1.0.0/infer", init)), {
    status: 200,
    body: { model_name: "model", outputs: [] },
  });
  const type = "application/json";
  assert.deepEqual(calls, [{ model: "model", body, contentType: type }, {
    model: "model",
    body,
    contentType: type,
  }]);
  const get = await a.request("/v2/models/model/infer");
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
  assert.equal((await get.json()).status, 405);
  assert.equal(calls.length, 2);
});

Deno.test("passes Inference-Header-Content-Length to the decoder as a content-type parameter", async () => {
  const { app: a, calls } = app();
  const send = (headers: Record<string, string>) =>
    a.request("/v2/models/model/infer", { method: "POST", body: new Uint8Array([123, 125]), headers });
  await send({ "content-type": "application/octet-stream", "inference-header-content-length": "2" });
  await send({ "inference-header-content-length": " 2 " });
  await send({ "content-type": "application/json", "inference-header-content-length": "2; charset=x" });
  assert.deepEqual(calls.map((c) => c.contentType), [
    "application/octet-stream; inference-header-content-length=2",
    "application/octet-stream; inference-header-content-length=2",
    "application/json; inference-header-content-length=2, charset=x",
  ]);
});

Deno.test("v2InferPaths lists each model's plain infer paths, with and without a version", () => {
  const model = (name: string, versions: string[]) => ({
    name,
    versions,
    platform: "onnx",
    inputs: [],
    outputs: [],
  });
  assert.deepEqual(
    [...v2InferPaths([model("a", ["1", "2 b"]), model("c d", ["1"])])],
    [["/v2/models/a/infer", "a"], ["/v2/models/a/versions/1/infer", "a"]],
  );
});
