/**
 * The HTTP app: one Hono app per served bundle. Each request goes route → body (size-limited) → the API's
 * batcher → the executor (decode → model → encode) → response. Health, readiness, metadata, metrics, docs and
 * the Open Inference Protocol v2 routes sit beside the API routes.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { cors } from "hono/cors";
import { messageOf, ObentoError } from "../errors.ts";
import type { BentoDocument } from "../bundle/bento_yaml.ts";
import type { Executor, RawItem, RawOutcome } from "../runtime/executor.ts";
import { Batcher, ShedError } from "./batcher.ts";
import type { ServerMetrics } from "./metrics.ts";
import { v2ModelsFromBundle, v2Routes } from "./v2_routes.ts";
import { openApiDocument } from "./openapi.ts";
import { docsPage, indexPage, swaggerAssets } from "./pages.ts";
import { OBENTO_VERSION } from "../version.ts";
import { staticFiles } from "./static_files.ts";

/** Serving knobs; every field is documented in `obento serve --help` and docs/batching.md. */
export interface ServeConfig {
  /** Largest batch (1 turns batching off). */
  maxBatchSize: number;
  /** Queue-wait budget in ms. */
  maxLatencyMs: number;
  /** End-to-end deadline in ms, from arrival to response. */
  timeoutMs: number;
  /** Largest accepted request body in bytes. */
  maxBodyBytes: number;
  /** Most requests queued per API before new ones are shed with 503. */
  maxQueue: number;
  /** Bearer token API routes require, if any. */
  apiToken?: string;
  /** Origins allowed by CORS (`*` for any); none when empty. */
  corsOrigins: readonly string[];
}

/** What the app needs besides its configuration. */
export interface AppDeps {
  /** The served bundle's bento.yaml. */
  document: BentoDocument;
  /** Runs batches of raw requests. */
  executor: Executor;
  /** True once models are loaded and warmed. */
  isReady: () => boolean;
  /** Metrics sink and exposition. */
  metrics: ServerMetrics;
  /** The effective configuration with where each value came from, for GET /metadata. */
  effectiveConfig: Record<string, { value: unknown; source: string }>;
  /** The bundle's folder of web static content, served under `/static/`, if any. */
  staticDir?: string;
  /** Clock in ms (default `performance.now`-based wall time). */
  now?: () => number;
}

/** The app and the handles the server needs for shutdown. */
export interface ObentoApp {
  /** The request handler: `POST /<api>` straight to its batcher, every other route through {@link app}. */
  fetch: (request: Request) => Response | Promise<Response>;
  /** The Hono app with every route (API routes included). */
  app: Hono;
  /** Stops accepting work, finishes queued and in-flight batches. */
  drain(): Promise<void>;
}

function errorResponse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: message, status }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function responseOf(outcome: RawOutcome): Response {
  return new Response(outcome.body as BodyInit, {
    status: outcome.status,
    headers: { ...outcome.headers, "content-type": outcome.contentType },
  });
}

/** Reads a body, refusing with 413 past `limit` bytes without buffering more than that. */
async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (declared > limit) {
    throw new ObentoError("BAD_INPUT", `request body of ${declared} bytes exceeds --max-body ${limit}`, {
      status: 413,
    });
  }
  // A declared length within the limit: one read. `request.body` is not touched on this path: the getter
  // creates a ReadableStream, and reading through it costs more than a tiny model's inference.
  if (Number.isFinite(declared)) return new Uint8Array(await request.arrayBuffer());
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.length;
    if (size > limit) {
      throw new ObentoError("BAD_INPUT", `request body exceeds --max-body ${limit} bytes`, { status: 413 });
    }
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/** The path of an absolute URL (`http://host:port/path?query` → `/path`), without parsing all of it. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  let end = url.length;
  const query = url.indexOf("?", start);
  if (query >= 0) end = query;
  const hash = url.indexOf("#", start);
  if (hash >= 0 && hash < end) end = hash;
  return url.slice(start, end);
}

function failureResponse(error: unknown): Response {
  if (error instanceof ShedError) {
    return errorResponse(503, error.message, { "retry-after": String(error.retryAfterSeconds) });
  }
  if (error instanceof ObentoError) return errorResponse(error.status, error.message);
  return errorResponse(500, messageOf(error));
}

/**
 * Builds the app for one bundle.
 *
 * @example
 * ```ts ignore
 * const { app } = createApp(config, { document, executor, isReady: () => true, metrics, effectiveConfig: {} });
 * Deno.serve({ port: 3000 }, app.fetch);
 * ```
 */
export function createApp(config: ServeConfig, deps: AppDeps): ObentoApp {
  const now = deps.now ?? (() => performance.timeOrigin + performance.now());
  const { document, executor, metrics } = deps;
  const batchers = new Map<string, Batcher<RawItem, RawOutcome>>();
  const batchApis = new Set(document.service.apis.filter((a) => a.batch).map((a) => a.name));

  function batcherFor(api: string, batchable: boolean): Batcher<RawItem, RawOutcome> {
    let batcher = batchers.get(api);
    if (!batcher) {
      batcher = new Batcher<RawItem, RawOutcome>({
        maxBatchSize: batchable ? config.maxBatchSize : 1,
        maxLatencyMs: config.maxLatencyMs,
        maxQueue: config.maxQueue,
        concurrency: executor.concurrency,
        now,
        run: (items, signal) => executor.run(api, items, signal),
        name: api,
        onBatch: (info) => metrics.observeBatch(api, info),
        onShed: (reason) => metrics.observeShed(api, reason),
        onTimeout: (stage) => metrics.observeTimeout(api, stage),
      });
      metrics.watchBatcher(api, batcher);
      batchers.set(api, batcher);
    }
    return batcher;
  }

  async function serveItem(request: Request, api: string, batchable: boolean): Promise<Response> {
    const started = now();
    const deadline = started + config.timeoutMs;
    metrics.requestStarted(api);
    let response: Response;
    try {
      const body = await readBody(request, config.maxBodyBytes);
      const item: RawItem = {
        body,
        contentType: request.headers.get("content-type") ?? "",
        accept: request.headers.get("accept") ?? undefined,
      };
      // The request's signal is fetched only if it waits a while: creating it costs more than a tiny model.
      const outcome = await batcherFor(api, batchable).submit(item, {
        deadline,
        cancellation: () => request.signal,
      });
      response = responseOf(outcome);
    } catch (error) {
      response = failureResponse(error);
    }
    metrics.requestFinished(api, response.status, (now() - started) / 1000);
    return response;
  }

  const app = new Hono();
  if (config.corsOrigins.length > 0) {
    app.use("*", cors({ origin: config.corsOrigins.includes("*") ? "*" : [...config.corsOrigins] }));
  }
  /** The 401 response when `request` lacks the configured bearer token, else undefined. */
  const unauthorized = (request: Request): Response | undefined => {
    if (config.apiToken === undefined) return undefined;
    if (request.headers.get("authorization") === `Bearer ${config.apiToken}`) return undefined;
    return errorResponse(401, "missing or wrong bearer token: send Authorization: Bearer <token>", {
      "www-authenticate": 'Bearer realm="obento"',
    });
  };
  const requireToken = async (c: Context, next: () => Promise<void>) => {
    const refused = unauthorized(c.req.raw);
    if (refused !== undefined) return refused;
    await next();
  };

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get(
    "/readyz",
    (c) => deps.isReady() ? c.json({ status: "ready" }) : c.json({ status: "loading" }, 503),
  );
  app.get("/metrics", (c) => c.text(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4" }));
  app.get("/metadata", (c) => c.json({ ...document, serving: deps.effectiveConfig }));
  app.get("/docs.json", (c) => c.json(openApiDocument(document, { auth: config.apiToken !== undefined })));
  app.get("/docs", (c) => c.html(docsPage("/docs.json")));
  app.route("/docs", swaggerAssets());
  app.get("/", (c) => c.html(indexPage(document)));
  if (deps.staticDir !== undefined) app.route("/static", staticFiles(deps.staticDir));

  const models = v2ModelsFromBundle(document);
  if (config.apiToken !== undefined) {
    app.use("/v2/models/:name/infer", requireToken);
    app.use("/v2/models/:name/versions/:version/infer", requireToken);
  }
  app.route(
    "/",
    v2Routes({
      serverName: "obento",
      serverVersion: OBENTO_VERSION,
      models,
      isLive: () => true,
      isReady: deps.isReady,
      infer: (model, request) => serveItem(request, `v2:${model}`, true),
    }),
  );

  const apiRoutes = new Map<string, (request: Request) => Response | Promise<Response>>();
  for (const api of document.service.apis) {
    const batchable = batchApis.has(api.name);
    const route = (request: Request) => unauthorized(request) ?? serveItem(request, api.name, batchable);
    apiRoutes.set(`/${api.name}`, route);
    app.post(`/${api.name}`, (c) => route(c.req.raw));
  }
  app.notFound((c) =>
    errorResponse(
      404,
      `no route ${c.req.method} ${new URL(c.req.url).pathname}; APIs: ${
        document.service.apis.map((a) => `POST /${a.name}`).join(", ")
      }; see GET /docs`,
    )
  );
  app.onError((error) => failureResponse(error));

  // API calls skip Hono's router and middleware: at tiny-model rates they cost as much as the model. With CORS
  // configured every request goes through Hono, whose middleware adds the headers.
  const direct = config.corsOrigins.length === 0;
  const fetch = (request: Request): Response | Promise<Response> => {
    if (direct && request.method === "POST") {
      const route = apiRoutes.get(pathOf(request.url));
      if (route !== undefined) return route(request);
    }
    return app.fetch(request);
  };

  return {
    fetch,
    app,
    async drain() {
      await Promise.all([...batchers.values()].map((b) => b.close({ drain: true })));
    },
  };
}
