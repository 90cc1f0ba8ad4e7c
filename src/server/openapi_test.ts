import assert from "node:assert/strict";
import { DataframeInput } from "../adapters/dataframe_input.ts";
import { DataframeOutput } from "../adapters/dataframe_output.ts";
import { ImageInput } from "../adapters/image_input.ts";
import { JsonOutput } from "../adapters/json_output.ts";
import { StringInput } from "../adapters/string_input.ts";
import type { ApiRecord } from "../bundle/bento_yaml.ts";
import type { InputAdapter, OutputAdapter } from "../sdk/adapter.ts";
import { testArtifact, testDocument } from "./_testing.ts";
import { openApiDocument } from "./openapi.ts";

function record(
  name: string,
  input: InputAdapter<unknown, unknown>,
  output: OutputAdapter,
  doc = "",
): ApiRecord {
  return {
    name,
    batch: true,
    doc,
    input: { type: input.type, config: input.config(), content_types: [...input.contentTypes] },
    output: { type: output.type, config: output.config() },
    schema: { request: input.schema(), response: output.schema() },
  };
}

const DOC = testDocument({
  doc: "Classifies irises.",
  apis: [
    record(
      "predict",
      new DataframeInput({ columns: { sepal_length: "float32", petal_width: "float32" } }) as InputAdapter<
        unknown,
        unknown
      >,
      new DataframeOutput(),
      "Predicts the species.\nOne row per flower.",
    ),
    record(
      "classify",
      new ImageInput() as InputAdapter<unknown, unknown>,
      new JsonOutput({ schema: { type: "string" } }),
    ),
    record("echo", new StringInput() as InputAdapter<unknown, unknown>, new JsonOutput()),
  ],
  artifacts: [
    testArtifact("model", "OnnxModelArtifact", "model.onnx", {
      inputs: [{ name: "input", type: "float32", shape: ["N", 4] }, {
        name: "flag",
        type: "bool",
        shape: ["N"],
      }],
      outputs: [{ name: "label", type: "int64", shape: ["N"] }],
    }),
  ],
});

type Json = Record<string, unknown>;
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Resolves a local JSON pointer `#/a/b` in `root`. */
function resolve(root: Json, pointer: string): unknown {
  assert.ok(pointer.startsWith("#/"), `$ref ${pointer} is not local`);
  let node: unknown = root;
  for (const raw of pointer.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    assert.ok(node !== null && typeof node === "object" && key in node, `$ref ${pointer} does not resolve`);
    node = (node as Json)[key];
  }
  return node;
}

/** Every $ref in the document. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out));
  else if (node !== null && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref") out.push(v as string);
      else refs(v, out);
    }
  }
  return out;
}

/** Structural checks of an OpenAPI 3.1 document; returns the operations found as "METHOD path". */
function checkStructure(spec: Json): string[] {
  assert.equal(spec.openapi, "3.1.0");
  const info = spec.info as Json;
  assert.equal(typeof info.title, "string");
  assert.equal(typeof info.version, "string");
  for (const r of refs(spec)) assert.notEqual(resolve(spec, r), undefined);
  const deref = (v: unknown): Json => {
    const o = v as Json;
    return typeof o.$ref === "string" ? resolve(spec, o.$ref) as Json : o;
  };
  const ops: string[] = [];
  const ids = new Set<string>();
  const schemes = Object.keys(((spec.components as Json).securitySchemes ?? {}) as Json);
  for (const [path, item] of Object.entries(spec.paths as Json)) {
    assert.ok(path.startsWith("/"), `path ${path} must start with /`);
    for (const [method, op] of Object.entries(item as Json)) {
      assert.ok(METHODS.includes(method), `${path}: ${method} is not an HTTP method`);
      const operation = op as Json;
      ops.push(`${method.toUpperCase()} ${path}`);
      assert.ok(!ids.has(operation.operationId as string), `operationId ${operation.operationId} repeats`);
      ids.add(operation.operationId as string);
      const responses = operation.responses as Json;
      assert.ok(responses && Object.keys(responses).length > 0, `${method} ${path} has no responses`);
      for (const [status, response] of Object.entries(responses)) {
        assert.match(status, /^[1-5]\d\d$/);
        assert.equal(
          typeof deref(response).description,
          "string",
          `${method} ${path} ${status}: no description`,
        );
      }
      for (const s of (operation.security ?? []) as Json[]) {
        for (const name of Object.keys(s)) {
          assert.ok(schemes.includes(name), `unknown security scheme ${name}`);
        }
      }
      for (const param of path.match(/\{[^}]+\}/g) ?? []) {
        assert.fail(`${path} has a template ${param} without parameters`);
      }
    }
  }
  return ops;
}

Deno.test("is a well-formed OpenAPI 3.1 document: refs resolve, every operation has responses", () => {
  const spec = openApiDocument(DOC);
  const ops = checkStructure(spec);
  assert.deepEqual(ops, [
    "POST /predict",
    "POST /classify",
    "POST /echo",
    "GET /metadata",
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "GET /v2",
    "GET /v2/health/live",
    "GET /v2/health/ready",
    "GET /v2/models",
    "GET /v2/models/model",
    "GET /v2/models/model/ready",
    "POST /v2/models/model/infer",
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
  assert.equal(spec.servers, undefined);
  assert.equal(spec.security, undefined);
  assert.deepEqual(spec.info, {
    title: "IrisClassifier",
    version: "1.0.0",
    description: "Classifies irises.\n\nBundle IrisClassifier:1.0.0, created 2025-01-01T00:00:00.000Z, " +
      "served by obento 0.1.0.",
  });
  checkStructure(openApiDocument(DOC, { auth: true, serverUrl: "http://localhost:3000" }));
});

Deno.test("documents each API with its recorded schemas and its adapter's content types", () => {
  const spec = openApiDocument(DOC) as { paths: Record<string, Json>; components: { schemas: Json } };
  const predict = spec.paths["/predict"].post as Json;
  assert.equal(predict.summary, "Predicts the species.");
  assert.equal(
    predict.description,
    "Predicts the species.\nOne row per flower.\n\nInput: DataframeInput. Output: DataframeOutput. " +
      "Requests are micro-batched with other callers' requests.",
  );
  const body = predict.requestBody as { content: Json };
  assert.deepEqual(Object.keys(body.content), ["application/json", "text/csv"]);
  assert.deepEqual((body.content["application/json"] as Json).schema, {
    $ref: "#/components/schemas/predict_request",
  });
  assert.deepEqual((body.content["application/json"] as Json).example, [{
    sepal_length: 0.5,
    petal_width: 0.5,
  }]);
  assert.deepEqual(spec.components.schemas.predict_request, DOC.service.apis[0].schema.request);
  const ok = (predict.responses as Record<string, { content: Json }>)["200"];
  assert.deepEqual(Object.keys(ok.content), ["application/json", "text/csv"]);
  assert.deepEqual(Object.keys(predict.responses as Json), ["200", "400", "413", "415", "500", "503", "504"]);

  const classify = spec.paths["/classify"].post as { requestBody: { content: Record<string, Json> } };
  assert.deepEqual(Object.keys(classify.requestBody.content), [
    "image/png",
    "image/jpeg",
    "application/octet-stream",
    "multipart/form-data",
  ]);
  assert.deepEqual(classify.requestBody.content["image/png"].schema, { type: "string", format: "binary" });
  assert.deepEqual(classify.requestBody.content["multipart/form-data"].schema, {
    type: "object",
    properties: { file: { type: "string", format: "binary" } },
    required: ["file"],
  });
  assert.deepEqual(spec.components.schemas.classify_response, { type: "string" });
  const echo = spec.paths["/echo"].post as { requestBody: { content: Record<string, Json> } };
  assert.deepEqual(echo.requestBody.content["text/plain"].schema, { type: "string" });
});

Deno.test("error responses share an {error, status} schema; 503 documents Retry-After", () => {
  const spec = openApiDocument(DOC) as { components: Record<string, Json> };
  assert.deepEqual(spec.components.schemas.Error, {
    type: "object",
    properties: {
      error: { type: "string", description: "What went wrong and how to fix it" },
      status: { type: "integer", description: "The HTTP status" },
    },
    required: ["error", "status"],
  });
  const unavailable = spec.components.responses.ServiceUnavailable as Json;
  assert.deepEqual(unavailable.headers, { "Retry-After": { $ref: "#/components/headers/RetryAfter" } });
  assert.deepEqual(spec.components.headers.RetryAfter, {
    description: "Seconds to wait before retrying",
    schema: { type: "integer", minimum: 0 },
  });
  assert.equal(spec.components.responses.Unauthorized, undefined);
  assert.equal(spec.components.securitySchemes, undefined);
});

Deno.test("with auth: bearer scheme and 401s on the API and v2 infer routes only", () => {
  const spec = openApiDocument(DOC, { auth: true, serverUrl: "http://localhost:3000" }) as {
    paths: Record<string, Record<string, Json>>;
    components: Record<string, Json>;
    security: unknown;
    servers: unknown;
  };
  assert.deepEqual(spec.servers, [{ url: "http://localhost:3000" }]);
  assert.equal(spec.security, undefined);
  assert.deepEqual(spec.components.securitySchemes, { bearerAuth: { type: "http", scheme: "bearer" } });
  const secured = Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.entries(item).filter(([, op]) => op.security !== undefined).map(([m]) => `${m} ${path}`)
  );
  assert.deepEqual(secured, ["post /predict", "post /classify", "post /echo", "post /v2/models/model/infer"]);
  assert.deepEqual(spec.paths["/predict"].post.security, [{ bearerAuth: [] }]);
  assert.deepEqual((spec.paths["/predict"].post.responses as Json)["401"], {
    $ref: "#/components/responses/Unauthorized",
  });
  assert.equal((spec.paths["/metadata"].get.responses as Json)["401"], undefined);
});

Deno.test("the structural check catches a dangling $ref and an operation without responses", () => {
  const spec = openApiDocument(DOC) as { paths: Record<string, Record<string, Json>> };
  const broken = structuredClone(spec);
  (broken.paths["/predict"].post.responses as Json)["400"] = { $ref: "#/components/responses/Nope" };
  assert.throws(() => checkStructure(broken), {
    message: "$ref #/components/responses/Nope does not resolve",
  });
  const empty = structuredClone(spec);
  empty.paths["/echo"].post.responses = {};
  assert.throws(() => checkStructure(empty), { message: "post /echo has no responses" });
});

Deno.test("documents v2 infer per ONNX model with an example request", () => {
  const spec = openApiDocument(DOC) as { paths: Record<string, Record<string, Json>> };
  const infer = spec.paths["/v2/models/model/infer"].post;
  assert.equal(
    infer.description,
    "Inputs: input FP32 [-1,4], flag BOOL [-1]. Outputs: label. Requests are micro-batched.",
  );
  const body = (infer.requestBody as { content: Record<string, Json> }).content;
  // The binary tensor data extension's bodies, both ways.
  assert.deepEqual(Object.keys(body), ["application/json", "application/octet-stream"]);
  const ok = (infer.responses as Record<string, { content: Json }>)["200"].content;
  assert.deepEqual(Object.keys(ok), ["application/json", "application/octet-stream"]);
  const content = body["application/json"];
  assert.deepEqual(content.example, {
    inputs: [
      { name: "input", shape: [1, 4], datatype: "FP32", data: [0, 0, 0, 0] },
      { name: "flag", shape: [1], datatype: "BOOL", data: [false] },
    ],
  });
});
