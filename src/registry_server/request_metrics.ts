/**
 * The Hono middleware that feeds {@link RegistryMetrics}: every request is counted by route pattern, method
 * and status; request and response bodies are counted as they stream (a body is passed through chunk by
 * chunk, so a 400 MiB pull is never held); a push is timed until its answer, a pull until the archive's last
 * byte leaves (or the client goes away).
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { RegistryMetrics, TransferOutcome } from "./metrics.ts";

/** The route pushes (PUT) and pulls (GET) use. */
export const ARCHIVE_ROUTE = "/v1/bundles/:name/:version/archive";

/** What {@link countedStream} reports. */
export interface StreamCounting {
  /** Called with the size of every chunk that passes. */
  onBytes(bytes: number): void;
  /** Called once: `ok` at the end, `error` when the source fails, `aborted` when the reader cancels. */
  onEnd(outcome: TransferOutcome): void;
}

/**
 * `body` passed through unchanged, one chunk per read (no buffering: `highWaterMark` 0, so the reader's
 * pace reaches the source), counted by `counting`.
 *
 * @example
 * ```ts
 * import { countedStream } from "./request_metrics.ts";
 * let bytes = 0;
 * const body = countedStream(new Response("hello").body!, { onBytes: (n) => bytes += n, onEnd() {} });
 * await new Response(body).text();
 * console.log(bytes); // 5
 * ```
 */
export function countedStream(
  body: ReadableStream<Uint8Array>,
  counting: StreamCounting,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = (outcome: TransferOutcome) => {
    if (ended) return;
    ended = true;
    counting.onEnd(outcome);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        end("error");
        controller.error(error);
        return;
      }
      if (chunk.done) {
        end("ok");
        controller.close();
        return;
      }
      counting.onBytes(chunk.value.byteLength);
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      end("aborted");
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** The pattern of the route that answered, or `unmatched` (only the catch-all middleware matched). */
function routeOf(c: Context): string {
  const path = routePath(c, -1);
  return path === "" || path === "/*" || path === "*" ? "unmatched" : path;
}

/**
 * Middleware counting every request into `metrics`. Register it first, so it sees the final status
 * (errors included: Hono's `onError` answers inside the chain).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { RegistryMetrics } from "./metrics.ts";
 * import { measureRequests } from "./request_metrics.ts";
 * const metrics = new RegistryMetrics({ process: null });
 * const app = new Hono();
 * app.use(measureRequests(metrics));
 * app.get("/v1/bundles", (c) => c.json({ bundles: [] }));
 * await (await app.request("/v1/bundles")).text();
 * console.log(metrics.requests.get({ route: "/v1/bundles", method: "GET", status: 200 })); // 1
 * ```
 */
export function measureRequests(metrics: RegistryMetrics): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    const method = c.req.method;
    const route = routeOf(c);
    const request = c.req.raw;
    if (request.body) {
      const body = countedStream(request.body, {
        onBytes: (n) => metrics.received.inc({ route }, n),
        onEnd() {},
      });
      c.req.raw = new Request(request, { body, duplex: "half" } as RequestInit);
    }
    await next();
    const status = c.res.status;
    const seconds = (performance.now() - start) / 1000;
    metrics.observeRequest({ route, method, status, seconds });
    const archive = route === ARCHIVE_ROUTE;
    if (archive && method === "PUT") {
      metrics.push.observe({ outcome: status < 400 ? "ok" : "error" }, seconds);
    }
    const pull = archive && method === "GET";
    if (pull && (status >= 400 || !c.res.body)) metrics.pull.observe({ outcome: "error" }, seconds);
    const body = c.res.body;
    if (!body) return;
    c.res = new Response(
      countedStream(body, {
        onBytes: (n) => metrics.sent.inc({ route }, n),
        onEnd(outcome) {
          if (pull && status < 400) metrics.pull.observe({ outcome }, (performance.now() - start) / 1000);
        },
      }),
      c.res,
    );
  };
}
