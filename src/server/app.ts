/**
 * The HTTP app: one Hono app per served bundle. Each request goes route → body (size-limited) → the API's
 * batcher → the executor (decode → model → encode) → response. Health, readiness, metadata, metrics, docs and
 * the Open Inference Protocol v2 routes sit beside the API routes.
 *
 * @module
 */
import type { OptionNamer } from "../option_name.ts";
import { Hono } from "hono";
import type { Context } from "hono";
import { cors } from "hono/cors";
import { messageOf, ObentoError } from "../errors.ts";
import type { BentoDocument } from "../bundle/bento_yaml.ts";
import type { Executor, RawItem, RawOutcome } from "../runtime/executor.ts";
import { Batcher } from "./batcher.ts";
import { DeadlineError, ShedError } from "./batcher_errors.ts";
import type { Refusal, ShedReason } from "./batcher_types.ts";
import { BodyBudget } from "./body_budget.ts";
import { BodyReader } from "./body_reader.ts";
import { RefusalPacer } from "./refusal_pacer.ts";
import { bearerCheck } from "./bearer_token.ts";
import type { ServerMetrics } from "./metrics.ts";
import { v2ModelsFromBundle } from "../v2/models.ts";
import { v2InferContentType, v2InferPaths, v2Routes } from "../v2/routes.ts";
import { openApiDocument } from "./openapi.ts";
import { docsPage, indexPage, swaggerAssets } from "./pages.ts";
import { OBENTO_VERSION } from "../version.ts";
import { staticFiles } from "./static_files.ts";
import type { Logger } from "./logger.ts";
import { createLogger } from "./logger.ts";
import { logAccess, logFailure } from "./access_log.ts";
import { REQUEST_ID_HEADER, requestIdFor } from "./request_id.ts";

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
  /**
   * Most bytes of request bodies held at once (being read, queued, in inference); past it new requests get
   * 503 + `Retry-After` before their bodies are read. Default: no bound beyond `maxQueue` × `maxBodyBytes`.
   */
  maxBodyTotalBytes?: number;
  /** Most requests queued per API before new ones are shed with 503. */
  maxQueue: number;
  /**
   * How long an overload refusal (503 `queue_full`, `over_budget`, `deadline`) is held before it is sent, in
   * ms per second of its `Retry-After`, so that clients retrying at once cannot turn the refusals into the
   * server's main load; 0 answers at once. Default: `maxLatencyMs`, about as long as an admitted request may
   * wait in the queue (docs/batching.md, "Pacing refusals").
   */
  refusalDelayMs?: number;
  /** Bearer token API routes require, if any. */
  apiToken?: string;
  /** Origins allowed by CORS (`*` for any); none when empty. */
  corsOrigins: readonly string[];
  /**
   * How messages to clients name the option to change (a deadline's `timeoutMs`, a full queue's `maxQueue`, a
   * body's `maxBodyBytes`…): default the option's own name (src/option_name.ts); `obento serve` passes its
   * flags' names (`--timeout`, `--max-queue`, `--max-body`).
   */
  optionName?: OptionNamer;
}

/** What the app needs besides its configuration. */
export interface AppDeps {
  /** The served bundle's bento.yaml. */
  document: BentoDocument;
  /** Runs batches of raw requests. */
  executor: Executor;
  /** True once models are loaded and warmed, and a model worker can take work. */
  isReady: () => boolean;
  /** Why a loaded server cannot take work now (every model worker down), for /readyz; undefined while loading. */
  notReadyReason?: () => string | undefined;
  /** Metrics sink and exposition. */
  metrics: ServerMetrics;
  /** The effective configuration with where each value came from, for GET /metadata. */
  effectiveConfig: Record<string, { value: unknown; source: string }>;
  /** The bundle's folder of web static content, served under `/static/`, if any. */
  staticDir?: string;
  /** Clock in ms (default `performance.now`-based wall time). */
  now?: () => number;
  /** Access and error log (default: nothing logged). */
  logger?: Logger;
  /** The bundle's service module file, named in the stack frames of a 500's log line. */
  modulePath?: string;
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

/**
 * An error response in the one shape every route uses: `{"error": message, "status": N, "request_id": id}`
 * (the request id when known).
 */
function errorResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
  requestId?: string,
): Response {
  const body = requestId === undefined
    ? { error: message, status }
    : { error: message, status, request_id: requestId };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The refusals {@link RefusalPacer} holds: overload, not shutdown (`closing`) or the body budget (sent unread). */
const PACED: ReadonlySet<ShedReason> = new Set(["queue_full", "over_budget", "deadline"]);

/** What the server tracks of one request while answering it. */
interface Exchange {
  /** Its `x-request-id`. */
  readonly id: string;
  /** The size of the batch its item ran in, once it ran. */
  batchSize?: number;
  /** For a 500: the stack of what failed, for the log. */
  stack?: string;
  /** For a 500: the message the client got. */
  failure?: string;
}

/** `response` with header `name` set (copied first when its headers are immutable). */
function withHeader(response: Response, name: string, value: string): Response {
  try {
    response.headers.set(name, value);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set(name, value);
    return copy;
  }
}

function responseOf(outcome: RawOutcome): Response {
  return new Response(outcome.body as BodyInit, {
    status: outcome.status,
    headers: { ...outcome.headers, "content-type": outcome.contentType },
  });
}

/** An outcome with the size of the batch it ran in. */
interface Ran {
  /** The encoded response. */
  outcome: RawOutcome;
  /** Items in that batch. */
  batchSize: number;
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

/** The 503 for a refusal at admission, with its `Retry-After`. */
function refusalResponse(refusal: Refusal, requestId: string | undefined): Response {
  return errorResponse(503, refusal.message, { "retry-after": String(refusal.retryAfterSeconds) }, requestId);
}

/** The error response for a thrown value; a 500 records its stack (or its cause's) on `exchange`. */
function failureResponse(error: unknown, exchange: Exchange | undefined): Response {
  const id = exchange?.id;
  if (error instanceof ShedError) {
    return errorResponse(503, error.message, { "retry-after": String(error.retryAfterSeconds) }, id);
  }
  const status = error instanceof ObentoError ? error.status : 500;
  const message = messageOf(error);
  if (status === 500 && exchange !== undefined) {
    exchange.failure = message;
    const cause = error instanceof Error ? error.cause : undefined;
    exchange.stack = cause instanceof Error && cause.stack
      ? cause.stack
      : (error as Error | undefined)?.stack;
  }
  return errorResponse(status, message, {}, id);
}

/**
 * Builds the app for one bundle.
 *
 * @example
 * ```ts
 * import { SERVE_DEFAULTS } from "../defaults.ts";
 * import { InProcessExecutor } from "../runtime/executor.ts";
 * import { openBundle } from "../runtime/host_parts.ts";
 * import { createApp } from "./app.ts";
 * import { createServerMetrics } from "./metrics.ts";
 * const service = await openBundle("./iris-bundle");
 * const { fetch } = createApp({ ...SERVE_DEFAULTS, corsOrigins: [] }, {
 *   document: service.document,
 *   executor: new InProcessExecutor(service),
 *   isReady: () => true,
 *   metrics: createServerMetrics(),
 *   effectiveConfig: {},
 * });
 * Deno.serve({ port: 3000 }, fetch);
 * ```
 */
export function createApp(config: ServeConfig, deps: AppDeps): ObentoApp {
  const now = deps.now ?? (() => performance.timeOrigin + performance.now());
  const { document, executor, metrics } = deps;
  const logger = deps.logger ?? createLogger({ level: "error", write: () => {} });
  const exchanges = new WeakMap<Request, Exchange>();
  const batchers = new Map<string, Batcher<RawItem, Ran>>();
  const batchApis = new Set(document.service.apis.filter((a) => a.batch).map((a) => a.name));
  const bodyBudget = new BodyBudget(config.maxBodyTotalBytes ?? Number.MAX_SAFE_INTEGER);
  metrics.watchBodyBudget(bodyBudget);
  const bodies = new BodyReader(
    {
      maxBodyBytes: config.maxBodyBytes,
      budget: bodyBudget,
      timeoutMs: config.timeoutMs,
      optionName: config.optionName,
    },
    now,
  );

  const pacer = new RefusalPacer({ now });
  const refusalDelayMs = config.refusalDelayMs ?? config.maxLatencyMs;

  function batcherFor(api: string, batchable: boolean): Batcher<RawItem, Ran> {
    let batcher = batchers.get(api);
    if (!batcher) {
      batcher = new Batcher<RawItem, Ran>({
        maxBatchSize: batchable ? config.maxBatchSize : 1,
        maxLatencyMs: config.maxLatencyMs,
        maxQueue: config.maxQueue,
        concurrency: executor.concurrency,
        queuedBatches: executor.queuedBatches,
        now,
        run: async (items, signal) =>
          (await executor.run(api, items, signal)).map((outcome) => ({ outcome, batchSize: items.length })),
        name: api,
        optionName: config.optionName,
        onBatch: (info) => metrics.observeBatch(api, info),
        onShed: (reason) => metrics.observeShed(api, reason),
        onTimeout: (stage) => metrics.observeTimeout(api, stage),
      });
      metrics.watchBatcher(api, batcher);
      batchers.set(api, batcher);
    }
    return batcher;
  }

  /** Serves one request on `api`; `contentType` overrides the request's (v2 adds its binary header length). */
  async function serveItem(
    request: Request,
    api: string,
    batchable: boolean,
    contentType?: string,
  ): Promise<Response> {
    const exchange = exchanges.get(request);
    const started = now();
    const deadline = started + config.timeoutMs;
    metrics.requestStarted(api);
    let response: Response;
    let release = () => {};
    try {
      const body = await bodies.read(request, deadline);
      release = body.release;
      const item: RawItem = {
        body: body.bytes,
        contentType: contentType ?? request.headers.get("content-type") ?? "",
        accept: request.headers.get("accept") ?? undefined,
      };
      // The request's signal is fetched only if it waits a while: creating it costs more than a tiny model.
      const admitted = batcherFor(api, batchable).offer(item, {
        deadline,
        timeoutMs: config.timeoutMs,
        cancellation: () => request.signal,
      });
      if (!(admitted instanceof Promise)) {
        // Refused at admission: answered from the refusal value, without an error (docs/batching.md,
        // "Pacing refusals"). The body goes back to the budget first: a held refusal holds no body.
        release();
        if (PACED.has(admitted.reason)) {
          // Held longer the heavier the overload: one refusal delay per second of Retry-After.
          await pacer.hold(refusalDelayMs * admitted.retryAfterSeconds, deadline);
        }
        response = refusalResponse(admitted, exchange?.id);
      } else {
        const { outcome, batchSize } = await admitted;
        if (exchange !== undefined) exchange.batchSize = batchSize;
        if (outcome.error === undefined) response = responseOf(outcome);
        else {
          // Error bodies are rendered here, in the one shape, with the request id; a 500's stack goes to the log.
          response = errorResponse(outcome.status, outcome.error.message, outcome.headers, exchange?.id);
          if (outcome.status === 500 && exchange !== undefined) {
            exchange.failure = outcome.error.message;
            exchange.stack = outcome.error.stack;
          }
        }
      }
    } catch (error) {
      // The batcher counts its own sheds and timeouts; the body reader's are counted here.
      if (error instanceof ShedError && error.reason === "body_budget") {
        metrics.observeShed(api, error.reason);
      }
      if (error instanceof DeadlineError && error.stage === "body") metrics.observeTimeout(api, error.stage);
      response = failureResponse(error, exchange);
    } finally {
      release();
    }
    metrics.requestFinished(api, response.status, (now() - started) / 1000);
    return response;
  }

  const app = new Hono();
  if (config.corsOrigins.length > 0) {
    app.use(
      "*",
      cors({
        origin: config.corsOrigins.includes("*") ? "*" : [...config.corsOrigins],
        exposeHeaders: [REQUEST_ID_HEADER],
      }),
    );
  }
  /** The 401 response when `request` lacks the configured bearer token, else undefined. */
  const tokenMatches = config.apiToken === undefined ? undefined : bearerCheck(config.apiToken);
  const unauthorized = (request: Request): Response | undefined => {
    if (tokenMatches === undefined) return undefined;
    if (tokenMatches(request.headers.get("authorization"))) return undefined;
    return errorResponse(401, "missing or wrong bearer token: send Authorization: Bearer <token>", {
      "www-authenticate": 'Bearer realm="obento"',
    }, exchanges.get(request)?.id);
  };
  /** 405 for a method other than POST on an API (or v2 infer) route, with `Allow: POST`. */
  const postOnly = (c: Context) =>
    errorResponse(
      405,
      `${c.req.method} is not allowed on ${
        pathOf(c.req.url)
      }; send POST with the input as the body (see GET /docs)`,
      { allow: "POST" },
      exchanges.get(c.req.raw)?.id,
    );
  const requireToken = async (c: Context, next: () => Promise<void>) => {
    const refused = unauthorized(c.req.raw);
    if (refused !== undefined) return refused;
    await next();
  };

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get(
    "/readyz",
    (c) => {
      if (deps.isReady()) return c.json({ status: "ready" });
      const reason = deps.notReadyReason?.();
      return c.json(reason === undefined ? { status: "loading" } : { status: "unavailable", reason }, 503);
    },
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
      infer: (model, request, contentType) => serveItem(request, `v2:${model}`, true, contentType),
      errorResponse: (request, status, message) =>
        errorResponse(status, message, {}, exchanges.get(request)?.id),
      methodNotAllowed: postOnly,
    }),
  );

  const apiRoutes = new Map<string, (request: Request) => Response | Promise<Response>>();
  for (const api of document.service.apis) {
    const batchable = batchApis.has(api.name);
    const route = (request: Request) => unauthorized(request) ?? serveItem(request, api.name, batchable);
    apiRoutes.set(`/${api.name}`, route);
    app.post(`/${api.name}`, (c) => route(c.req.raw));
    app.all(`/${api.name}`, postOnly);
  }
  app.notFound((c) =>
    errorResponse(
      404,
      `no route ${c.req.method} ${new URL(c.req.url).pathname}; APIs: ${
        document.service.apis.map((a) => `POST /${a.name}`).join(", ")
      }; see GET /docs`,
      {},
      exchanges.get(c.req.raw)?.id,
    )
  );
  app.onError((error, c) => failureResponse(error, exchanges.get(c.req.raw)));

  // API calls and v2 infer calls skip Hono's router and middleware: at tiny-model rates they cost as much as
  // the model (for v2, Hono's route match and parameter decoding showed 7–57 µs per request in profiles,
  // docs/benchmarks.md "MLP at c=32"). With CORS configured every request goes through Hono, whose
  // middleware adds the headers; paths that are not plain (percent-encoded names) go through it too.
  const direct = config.corsOrigins.length === 0;
  const v2Paths = v2InferPaths(models);
  const dispatch = (request: Request): Response | Promise<Response> => {
    if (direct && request.method === "POST") {
      const path = pathOf(request.url);
      const route = apiRoutes.get(path);
      if (route !== undefined) return route(request);
      const model = v2Paths.get(path);
      if (model !== undefined) {
        return unauthorized(request) ?? serveItem(request, `v2:${model}`, true, v2InferContentType(request));
      }
    }
    return app.fetch(request);
  };
  // Every request: an id (the client's x-request-id when sensible), returned on the response, and one access
  // line; a 500 also logs its stack with the id (the client gets the message and the id, never the stack).
  const fetch = async (request: Request): Promise<Response> => {
    const started = now();
    const exchange: Exchange = { id: requestIdFor(request.headers.get(REQUEST_ID_HEADER)) };
    exchanges.set(request, exchange);
    let answered: Response;
    try {
      answered = await dispatch(request);
    } catch (error) {
      answered = failureResponse(error, exchange);
    }
    let response = withHeader(answered, REQUEST_ID_HEADER, exchange.id);
    // A body already read (every admitted request, every held refusal) needs no drain: skip the async call.
    if (
      !request.bodyUsed &&
      await bodies.drain(request, response.status, started + config.timeoutMs) === "close"
    ) {
      response = withHeader(response, "connection", "close");
    }
    const path = pathOf(request.url);
    if (response.status === 500) {
      logFailure(logger, {
        method: request.method,
        path,
        requestId: exchange.id,
        message: exchange.failure ?? "internal error",
        stack: exchange.stack,
        modulePath: deps.modulePath,
      });
    }
    logAccess(logger, {
      method: request.method,
      path,
      status: response.status,
      durationMs: now() - started,
      batchSize: exchange.batchSize,
      requestId: exchange.id,
    });
    return response;
  };

  return {
    fetch,
    app,
    async drain() {
      pacer.releaseAll();
      await Promise.all([...batchers.values()].map((b) => b.close({ drain: true })));
    },
  };
}
