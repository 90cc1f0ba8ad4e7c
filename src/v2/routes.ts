/**
 * Open Inference Protocol v2 (KServe v2) REST endpoints as a Hono sub-app: server metadata, health, model
 * list, model metadata and readiness, and inference (delegated to the caller, which runs it through the
 * batcher). Mount it at the root: `app.route("/", v2Routes(ctx))`.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { HEADER_LENGTH_PARAM } from "./binary.ts";
import type { V2ModelInfo } from "./protocol.ts";

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

/** The protocol extensions `GET /v2` advertises: the binary tensor data extension, under Triton's name. */
export const V2_EXTENSIONS: readonly string[] = ["binary_tensor_data"];

/**
 * The content type to decode a v2 infer request with: its own, plus the `Inference-Header-Content-Length`
 * header as a parameter when it has one (binary tensor data extension).
 *
 * @param request the infer request.
 * @returns the content type for the v2 decoder.
 *
 * @example
 * ```ts
 * import { v2InferContentType } from "./routes.ts";
 * const request = new Request("http://x/v2/models/m/infer", {
 *   method: "POST",
 *   headers: { "content-type": "application/octet-stream", "inference-header-content-length": "42" },
 * });
 * console.log(v2InferContentType(request)); // application/octet-stream; inference-header-content-length=42
 * ```
 */
export function v2InferContentType(request: Request): string {
  const contentType = request.headers.get("content-type") ?? "";
  const headerLength = request.headers.get("inference-header-content-length");
  if (headerLength === null) return contentType;
  // The value is checked by the adapter; a `;` in it must not smuggle in another parameter.
  return `${contentType || "application/octet-stream"}; ${HEADER_LENGTH_PARAM}=${
    headerLength.replaceAll(";", ",").trim()
  }`;
}

/**
 * The infer paths of `models` as a server can match them without a router: `/v2/models/<name>/infer` and
 * `/v2/models/<name>/versions/<v>/infer` for each version, mapped to the model's name. A path that needs
 * percent-decoding is not among them (the router in {@link v2Routes} still answers it).
 *
 * @param models the models served.
 * @returns path → model name.
 *
 * @example
 * ```ts
 * import { v2InferPaths } from "./routes.ts";
 * const paths = v2InferPaths([{ name: "model", versions: ["1"], platform: "onnx", inputs: [], outputs: [] }]);
 * console.log([...paths.keys()]); // ["/v2/models/model/infer", "/v2/models/model/versions/1/infer"]
 * ```
 */
export function v2InferPaths(models: readonly V2ModelInfo[]): Map<string, string> {
  const paths = new Map<string, string>();
  const plain = (s: string) => encodeURIComponent(s) === s;
  for (const model of models) {
    if (!plain(model.name)) continue;
    paths.set(`/v2/models/${model.name}/infer`, model.name);
    for (const version of model.versions) {
      if (plain(version)) paths.set(`/v2/models/${model.name}/versions/${version}/infer`, model.name);
    }
  }
  return paths;
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
 * import { v2Routes } from "./routes.ts";
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
      return await ctx.infer(model.name, c.req.raw, v2InferContentType(c.req.raw));
    });
    app.all(`${base}/infer`, postOnly);
  }
  return app;
}
