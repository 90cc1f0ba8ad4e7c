/**
 * Open Inference Protocol v2 (KServe v2) REST endpoints as a Hono sub-app: server metadata, health, model
 * list, model metadata and readiness, and inference (delegated to the caller, which runs it through the
 * batcher). Mount it at the root: `app.route("/", v2Routes(ctx))`.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { BentoDocument } from "../bundle/bento_yaml.ts";
import { v2DatatypeOf, v2Shape } from "../adapters/v2_infer.ts";
import { HEADER_LENGTH_PARAM } from "../adapters/v2_binary.ts";
import type { V2Datatype } from "../adapters/v2_infer.ts";
import type { DType } from "../sdk/tensor.ts";

/** A model input or output as v2 metadata describes it. */
export interface V2TensorMetadata {
  /** Name as the model declares it. */
  name: string;
  /** v2 datatype. */
  datatype: V2Datatype;
  /** Dims; -1 for a dynamic one. */
  shape: number[];
}

/** One model the v2 endpoints serve (an ONNX artifact of the bundle). */
export interface V2ModelInfo {
  /** Model name: the artifact name. */
  name: string;
  /** Versions served (the bundle version). */
  versions: string[];
  /** The runtime, "onnxruntime-web". */
  platform: string;
  /** Model inputs. */
  inputs: V2TensorMetadata[];
  /** Model outputs. */
  outputs: V2TensorMetadata[];
}

/** What {@link v2Routes} needs from the server. */
export interface V2RoutesContext {
  /** Server name in `GET /v2`, e.g. "obento". */
  serverName: string;
  /** Server version in `GET /v2`. */
  serverVersion: string;
  /** The models served. */
  models: readonly V2ModelInfo[];
  /** True while the server can answer requests. */
  isLive(): boolean;
  /** True when the models are loaded and warm. */
  isReady(): boolean;
  /**
   * Runs a v2 inference request on `model` (a name from `models`) and returns the response. `contentType` is
   * the one to decode the body with: the request's, plus an `inference-header-content-length` parameter when
   * the request has that header (binary tensor data extension).
   */
  infer(model: string, request: Request, contentType: string): Promise<Response>;
  /**
   * Makes an error response (the server's one shape, with the request id). Default:
   * `{"error": message, "status": N}` — the protocol's `error` field plus the status obento's other routes carry.
   */
  errorResponse?(request: Request, status: number, message: string): Response;
  /** Answers a method other than POST on an infer route. Default: 405 with `Allow: POST`. */
  methodNotAllowed?(c: Context): Response;
}

/** The tensors in an artifact's `info` (`inputs` or `outputs`), as v2 metadata; non-tensors skipped. */
function tensorsOf(value: unknown): V2TensorMetadata[] {
  if (!Array.isArray(value)) return [];
  const out: V2TensorMetadata[] = [];
  for (const t of value as { name?: unknown; type?: unknown; shape?: unknown }[]) {
    if (typeof t?.name !== "string") continue;
    const datatype = v2DatatypeOf(t.type as DType);
    if (!datatype) continue;
    const shape = Array.isArray(t.shape) ? (t.shape as (number | string | null)[]) : null;
    out.push({ name: t.name, datatype, shape: v2Shape(shape) });
  }
  return out;
}

/**
 * The v2 models of a bundle: one per ONNX artifact, with inputs and outputs from its recorded `info`.
 *
 * @param doc the bundle's bento.yaml.
 * @returns one entry per `OnnxModelArtifact`, versioned with the bundle version.
 *
 * @example
 * ```ts ignore
 * import { v2ModelsFromBundle } from "./v2_routes.ts";
 * import { parseBento } from "../bundle/bento_yaml.ts";
 * const doc = parseBento(await Deno.readTextFile("./IrisClassifier/bento.yaml"), "bento.yaml");
 * console.log(v2ModelsFromBundle(doc)[0].inputs); // [{ name: "input", datatype: "FP32", shape: [-1, 4] }]
 * ```
 */
export function v2ModelsFromBundle(doc: BentoDocument): V2ModelInfo[] {
  return doc.artifacts
    .filter((a) => a.type === "OnnxModelArtifact")
    .map((a) => ({
      name: a.name,
      versions: [doc.version],
      platform: "onnxruntime-web",
      inputs: tensorsOf(a.info?.inputs),
      outputs: tensorsOf(a.info?.outputs),
    }));
}

/** The protocol extensions `GET /v2` advertises: the binary tensor data extension, under Triton's name. */
export const V2_EXTENSIONS: readonly string[] = ["binary_tensor_data"];

/**
 * The content type to decode a v2 infer request with: its own, plus the `Inference-Header-Content-Length`
 * header as a parameter when it has one.
 */
function inferContentType(request: Request): string {
  const contentType = request.headers.get("content-type") ?? "";
  const headerLength = request.headers.get("inference-header-content-length");
  if (headerLength === null) return contentType;
  // The value is checked by the adapter; a `;` in it must not smuggle in another parameter.
  return `${contentType || "application/octet-stream"}; ${HEADER_LENGTH_PARAM}=${
    headerLength.replaceAll(";", ",").trim()
  }`;
}

/**
 * The v2 REST endpoints: `GET /v2`, `GET /v2/health/live`, `GET /v2/health/ready`, `GET /v2/models` (a list,
 * as KServe's model repository extension does), `GET /v2/models/:name`, `GET /v2/models/:name/ready`,
 * `POST /v2/models/:name/infer`, and each model route under `/versions/:version` too. As the protocol says,
 * health and readiness answer with an empty body: 200 when true, 400 (Triton's choice of 4xx) when false; an
 * unknown model or version is a 404 `{ "error": …, "status": 404 }` naming what exists; another method than
 * POST on an infer route is a 405 with `Allow: POST`.
 *
 * @param ctx server identity, models, health checks and the inference function.
 * @returns a Hono app to mount at "/".
 *
 * @example
 * ```ts
 * import { v2Routes } from "./v2_routes.ts";
 * const app = v2Routes({
 *   serverName: "obento",
 *   serverVersion: "0.1.0",
 *   models: [],
 *   isLive: () => true,
 *   isReady: () => true,
 *   infer: () => Promise.resolve(new Response("{}")),
 * });
 * console.log((await app.request("/v2/health/live")).status); // 200
 * ```
 */
export function v2Routes(ctx: V2RoutesContext): Hono {
  const app = new Hono();
  const byName = new Map(ctx.models.map((m) => [m.name, m]));
  const names = (): string => ctx.models.map((m) => m.name).join(", ") || "(none)";
  const fail = (c: Context, status: number, message: string): Response =>
    ctx.errorResponse?.(c.req.raw, status, message) ??
      Response.json({ error: message, status }, { status });
  const postOnly = (c: Context): Response =>
    ctx.methodNotAllowed?.(c) ??
      Response.json({ error: `${c.req.method} is not allowed here; send POST`, status: 405 }, {
        status: 405,
        headers: { allow: "POST" },
      });

  /** The model a request names, or a 404 response. */
  const find = (c: Context): V2ModelInfo | Response => {
    const name = c.req.param("name") ?? "";
    const model = byName.get(name);
    if (!model) {
      return fail(c, 404, `model ${JSON.stringify(name)} is not in this bundle; models: ${names()}`);
    }
    const version = c.req.param("version");
    if (version !== undefined && !model.versions.includes(version)) {
      return fail(
        c,
        404,
        `model ${JSON.stringify(name)} has no version ${JSON.stringify(version)}; versions: ${
          model.versions.join(", ")
        }`,
      );
    }
    return model;
  };

  // Only the binary tensor data extension is implemented; the model repository extension's load/unload/index
  // are not, so it is not advertised: `GET /v2/models` is obento's own listing.
  const serverMetadata = (c: Context) =>
    c.json({ name: ctx.serverName, version: ctx.serverVersion, extensions: [...V2_EXTENSIONS] });
  app.get("/v2", serverMetadata);
  app.get("/v2/", serverMetadata);
  // Health: the status is the answer, the body is empty (KServe v2: "200 … true, 4xx … false").
  const health = (ok: boolean): Response => new Response(null, { status: ok ? 200 : 400 });
  app.get("/v2/health/live", () => health(ctx.isLive()));
  app.get("/v2/health/ready", () => health(ctx.isReady()));
  app.get("/v2/models", (c) => {
    const ready = ctx.isReady();
    return c.json({
      models: ctx.models.map((m) => ({
        name: m.name,
        versions: m.versions,
        platform: m.platform,
        state: ready ? "READY" : "UNAVAILABLE",
      })),
    });
  });

  for (const base of ["/v2/models/:name", "/v2/models/:name/versions/:version"]) {
    app.get(base, (c) => {
      const model = find(c);
      return model instanceof Response ? model : c.json(model);
    });
    app.get(`${base}/ready`, (c) => {
      const model = find(c);
      return model instanceof Response ? model : health(ctx.isReady());
    });
    app.post(`${base}/infer`, async (c) => {
      const model = find(c);
      if (model instanceof Response) return model;
      return await ctx.infer(model.name, c.req.raw, inferContentType(c.req.raw));
    });
    app.all(`${base}/infer`, postOnly);
  }
  return app;
}
