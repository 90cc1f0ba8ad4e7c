/**
 * The OpenAPI 3.1 document of a served bundle (`GET /docs.json`): one `POST /<api>` per API with the request
 * and response JSON Schemas recorded in bento.yaml and the content types its input adapter accepts, the
 * server's own endpoints, and the Open Inference Protocol v2 endpoints of every ONNX artifact. Built from the
 * bundle document alone, so it is the same whether the server runs the bundle in this process or in workers.
 *
 * @module
 */
import type { ApiRecord, BentoDocument } from "../bundle/bento_yaml.ts";
import { v2RequestSchema, v2ResponseSchema } from "../v2/schema.ts";
import type { JsonSchema, JsonValue } from "../sdk/adapter.ts";
import { v2ModelsFromBundle } from "../v2/models.ts";
import { exampleInput } from "../bundle/example_input.ts";
import type { V2ModelInfo } from "../v2/protocol.ts";

/** Options for {@link openApiDocument}. */
export interface OpenApiOptions {
  /** The server's base URL, listed under `servers`. Default: none (clients use the document's origin). */
  serverUrl?: string;
  /**
   * True when the server requires `Authorization: Bearer <token>` on the API and v2 infer routes: adds the
   * `bearerAuth` scheme, applies it to those operations, and documents their 401 responses. Default false.
   */
  auth?: boolean;
}

type Json = Record<string, unknown>;

/** An OpenAPI document as plain JSON data. */
export type OpenApiDocument = Record<string, unknown>;

const ERROR_RESPONSES: Readonly<Record<string, string>> = {
  "400": "BadRequest",
  "413": "PayloadTooLarge",
  "415": "UnsupportedMediaType",
  "500": "InternalError",
  "503": "ServiceUnavailable",
  "504": "GatewayTimeout",
};

const ref = (path: string): Json => ({ $ref: `#/components/${path}` });
const jsonContent = (schema: unknown): Json => ({ "application/json": { schema } });
const binary: JsonSchema = { type: "string", format: "binary" };

function errorResponse(description: string, extra: Json = {}): Json {
  return { description, ...extra, content: jsonContent(ref("schemas/Error")) };
}

function components(auth: boolean): Json {
  const responses: Json = {
    BadRequest: errorResponse("The request cannot be decoded or does not fit the API's input"),
    PayloadTooLarge: errorResponse("The request body is larger than the server accepts"),
    UnsupportedMediaType: errorResponse("The API does not accept the request's content type"),
    InternalError: errorResponse("The API or the model failed"),
    ServiceUnavailable: errorResponse("The server is overloaded, not ready yet, or shutting down", {
      headers: { "Retry-After": ref("headers/RetryAfter") },
    }),
    GatewayTimeout: errorResponse("The request did not finish within the server's deadline"),
  };
  const out: Json = {
    schemas: {
      Error: {
        type: "object",
        properties: {
          error: { type: "string", description: "What went wrong and how to fix it" },
          status: { type: "integer", description: "The HTTP status" },
        },
        required: ["error", "status"],
      },
      V2Error: {
        type: "object",
        properties: { error: { type: "string" } },
        required: ["error"],
      },
      V2InferenceRequest: v2RequestSchema(),
      V2InferenceResponse: v2ResponseSchema(),
      V2ModelMetadata: {
        type: "object",
        properties: {
          name: { type: "string" },
          versions: { type: "array", items: { type: "string" } },
          platform: { type: "string" },
          inputs: { type: "array", items: ref("schemas/V2TensorMetadata") },
          outputs: { type: "array", items: ref("schemas/V2TensorMetadata") },
        },
        required: ["name", "platform", "inputs", "outputs"],
      },
      V2TensorMetadata: {
        type: "object",
        properties: {
          name: { type: "string" },
          datatype: { type: "string" },
          shape: { type: "array", items: { type: "integer" }, description: "-1 for a dynamic dim" },
        },
        required: ["name", "datatype", "shape"],
      },
    },
    headers: {
      RetryAfter: {
        description: "Seconds to wait before retrying",
        schema: { type: "integer", minimum: 0 },
      },
    },
    responses,
  };
  if (auth) {
    responses.Unauthorized = errorResponse("The request has no valid `Authorization: Bearer <token>` header");
    out.securitySchemes = { bearerAuth: { type: "http", scheme: "bearer" } };
  }
  return out;
}

function errorRefs(auth: boolean): Json {
  const out: Json = {};
  for (const [status, name] of Object.entries(ERROR_RESPONSES)) out[status] = ref(`responses/${name}`);
  if (auth) out["401"] = ref("responses/Unauthorized");
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Request body content for an API, one entry per content type its input adapter accepts. */
function requestContent(api: ApiRecord, schemaRef: Json): Json {
  const content: Json = {};
  const types = api.input.content_types?.length ? api.input.content_types : ["application/json"];
  for (const type of types) {
    if (type === "application/json") {
      content[type] = { schema: schemaRef, example: exampleInput(api) ?? null };
    } else if (type === "multipart/form-data") {
      content[type] = {
        schema: { type: "object", properties: { file: binary }, required: ["file"] },
      };
    } else if (type.startsWith("text/")) content[type] = { schema: { type: "string" } };
    else content[type] = { schema: binary };
  }
  return content;
}

/** Response content for an API: JSON, plus CSV (by `Accept: text/csv`) for dataframe and JSON output. */
function responseContent(api: ApiRecord, schemaRef: Json): Json {
  const content = jsonContent(schemaRef);
  const type = api.output?.type ?? "JsonOutput";
  if (type === "DataframeOutput" || type === "JsonOutput") {
    content["text/csv"] = { schema: { type: "string" } };
  }
  return content;
}

function apiOperation(api: ApiRecord, auth: boolean): Json {
  const request = ref(`schemas/${api.name}_request`);
  const response = ref(`schemas/${api.name}_response`);
  const batch = api.batch ? " Requests are micro-batched with other callers' requests." : "";
  return {
    post: {
      operationId: api.name,
      tags: ["APIs"],
      summary: api.doc.split("\n")[0] || `Calls API ${api.name}`,
      description: `${api.doc}\n\nInput: ${api.input.type}. Output: ${
        api.output?.type ?? "JsonOutput"
      }.${batch}`
        .trim(),
      requestBody: { required: true, content: requestContent(api, request) },
      responses: {
        "200": { description: "The API's result", content: responseContent(api, response) },
        ...errorRefs(auth),
      },
      ...security(auth),
    },
  };
}

const security = (auth: boolean): Json => (auth ? { security: [{ bearerAuth: [] }] } : {});

function get(operationId: string, tag: string, summary: string, responses: Json): Json {
  return { get: { operationId, tags: [tag], summary, responses } };
}

const plain = (description: string): Json => ({
  description,
  content: { "text/plain": { schema: { type: "string" } } },
});
const object = (description: string): Json => ({ description, content: jsonContent({ type: "object" }) });

function serverPaths(): Json {
  const status = (description: string, example: string): Json => ({
    description,
    content: jsonContent({
      type: "object",
      properties: { status: { type: "string" } },
      example: { status: example },
    }),
  });
  return {
    "/metadata": get("metadata", "Server", "The bundle's bento.yaml and the effective serving settings", {
      "200": object("The bundle's metadata"),
    }),
    "/healthz": get("healthz", "Server", "Liveness: 200 while the process serves", {
      "200": status("Alive", "ok"),
    }),
    "/readyz": get("readyz", "Server", "Readiness: 200 once models are loaded and warm", {
      "200": status("Ready", "ready"),
      "503": status("Still loading", "loading"),
    }),
    "/metrics": get("metrics", "Server", "Prometheus metrics (text exposition format 0.0.4)", {
      "200": plain("Metrics"),
    }),
  };
}

function v2Tensor(t: V2ModelInfo["inputs"][number]): JsonValue {
  const shape = t.shape.map((d) => (d < 0 ? 1 : d));
  const size = shape.reduce((a, b) => a * b, 1);
  const zero: JsonValue = t.datatype === "BOOL" ? false : t.datatype === "BYTES" ? "" : 0;
  return { name: t.name, shape, datatype: t.datatype, data: new Array(size).fill(zero) };
}

function v2Paths(models: readonly V2ModelInfo[], auth: boolean): Json {
  const tag = "Open Inference Protocol v2";
  const notFound = { description: "No such model", content: jsonContent(ref("schemas/V2Error")) };
  const paths: Json = {
    "/v2": get("v2_server_metadata", tag, "Server metadata", {
      "200": object("Server name, version and extensions"),
    }),
    "/v2/health/live": get("v2_live", tag, "Server liveness (empty body)", {
      "200": { description: "Live" },
      "400": { description: "Not live" },
    }),
    "/v2/health/ready": get("v2_ready", tag, "Server readiness (empty body)", {
      "200": { description: "Ready" },
      "400": { description: "Not ready (still loading)" },
    }),
    "/v2/models": get("v2_models", tag, "The models served", {
      "200": object("Model names and versions"),
    }),
  };
  for (const model of models) {
    const base = `/v2/models/${model.name}`;
    paths[base] = get(`v2_${model.name}_metadata`, tag, `Metadata of model ${model.name}`, {
      "200": {
        description: "Inputs and outputs with v2 datatypes; -1 is a dynamic dim",
        content: jsonContent(ref("schemas/V2ModelMetadata")),
      },
      "404": notFound,
    });
    paths[`${base}/ready`] = get(
      `v2_${model.name}_ready`,
      tag,
      `Readiness of model ${model.name} (empty body)`,
      {
        "200": { description: "Ready" },
        "400": { description: "Not ready (still loading)" },
        "404": notFound,
      },
    );
    paths[`${base}/infer`] = {
      post: {
        operationId: `v2_${model.name}_infer`,
        tags: [tag],
        summary: `Inference on model ${model.name}`,
        description: `Inputs: ${
          model.inputs.map((i) => `${i.name} ${i.datatype} [${i.shape}]`).join(", ")
        }. ` +
          `Outputs: ${model.outputs.map((o) => o.name).join(", ")}. Requests are micro-batched.`,
        requestBody: {
          required: true,
          description:
            "JSON, or (binary tensor data extension) the JSON request followed by the bytes of the " +
            "inputs that give parameters.binary_data_size, with header Inference-Header-Content-Length",
          content: {
            "application/json": {
              schema: ref("schemas/V2InferenceRequest"),
              example: { inputs: model.inputs.map(v2Tensor) },
            },
            "application/octet-stream": { schema: { type: "string", format: "binary" } },
          },
        },
        responses: {
          "200": {
            description:
              "Output tensors: JSON, or with binary outputs the JSON response followed by their bytes " +
              "(header Inference-Header-Content-Length gives the JSON's length)",
            content: {
              ...jsonContent(ref("schemas/V2InferenceResponse")),
              "application/octet-stream": { schema: { type: "string", format: "binary" } },
            },
          },
          "404": notFound,
          ...errorRefs(auth),
        },
        ...security(auth),
      },
    };
  }
  return paths;
}

/**
 * The OpenAPI 3.1 document for a bundle served by obento.
 *
 * @param doc the bundle's bento.yaml.
 * @param options the server URL and whether bearer auth is on.
 * @returns a JSON-safe OpenAPI 3.1 document.
 *
 * @example
 * ```ts
 * import { parseBento } from "../bundle/bento_yaml.ts";
 * import { openApiDocument } from "./openapi.ts";
 * const doc = parseBento(await Deno.readTextFile("./iris-bundle/bento.yaml"), "bento.yaml");
 * const spec = openApiDocument(doc, { serverUrl: "http://localhost:3000", auth: false });
 * console.log(Object.keys(spec.paths as Record<string, unknown>)); // ["/predict", "/metadata", "/healthz", ...]
 * ```
 */
export function openApiDocument(doc: BentoDocument, options: OpenApiOptions = {}): OpenApiDocument {
  const auth = options.auth === true;
  const comps = components(auth);
  const schemas = comps.schemas as Json;
  const paths: Json = {};
  for (const api of doc.service.apis) {
    schemas[`${api.name}_request`] = api.schema?.request ?? {};
    schemas[`${api.name}_response`] = api.schema?.response ?? {};
    paths[`/${api.name}`] = apiOperation(api, auth);
  }
  Object.assign(paths, serverPaths(), v2Paths(v2ModelsFromBundle(doc), auth));
  const description = [
    doc.service.doc,
    `Bundle ${doc.name}:${doc.version}, created ${doc.created_at}, served by obento ${doc.obento_version}.`,
  ].filter((s) => s).join("\n\n");
  const out: Json = {
    openapi: "3.1.0",
    info: { title: doc.name, version: doc.version, description },
  };
  if (options.serverUrl) out.servers = [{ url: options.serverUrl }];
  out.tags = [
    { name: "APIs", description: `The APIs of ${doc.service.name}` },
    { name: "Server", description: "Health, readiness, metadata and metrics" },
    { name: "Open Inference Protocol v2", description: "KServe v2 REST endpoints for each ONNX model" },
  ];
  out.paths = paths;
  out.components = comps;
  return out;
}
