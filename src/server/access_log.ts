/**
 * The access log: one line per request (method, path, status, duration, the size of the batch its item ran
 * in, request id), and for every 500 a line with the request id and the full stack of what failed. A 2xx or
 * 3xx line is `info` (`debug` for health, readiness and metrics probes), a 4xx, 503 or 504 `warn`, a 500
 * `error`, so `--log-level warn` keeps only the requests that failed and `--log-level error` only the bugs.
 *
 * @module
 */
import type { Logger, LogLevel } from "./logger.ts";

/** What the access log records of one request. */
export interface AccessEntry {
  /** HTTP method. */
  method: string;
  /** URL path, without the query (which may carry secrets). */
  path: string;
  /** Response status. */
  status: number;
  /** From arrival to the response's headers, in ms. */
  durationMs: number;
  /** Items in the batch the request's item ran in; undefined for routes that do not batch. */
  batchSize?: number;
  /** The request id (`x-request-id`). */
  requestId: string;
}

/** Probe and scrape routes: their successful requests are logged at `debug`, not `info`. */
const PROBES = new Set(["/healthz", "/readyz", "/metrics", "/v2/health/live", "/v2/health/ready"]);

/**
 * The level of an access line: `info` below 400; `warn` for 4xx and for overload answers (503 shed, 504
 * timeout); `error` for a 500 (a bug); `debug` for health, readiness and metrics probes (a readiness 503 while
 * models load included) unless they fail with a 500.
 */
export function accessLevel(status: number, path: string): LogLevel {
  if (status === 500) return "error";
  // A probe's 503 ("not ready yet") is its answer, not a failure.
  if (PROBES.has(path)) return "debug";
  return status >= 400 ? "warn" : "info";
}

/**
 * Writes one access line. Text: `POST /predict 200 3.2 ms batch=4 request_id=…` (`batch=-` where the route
 * does not batch). JSON: `{"time","level","msg":"request","method","path","status","duration_ms","batch_size",
 * "request_id"}` (`batch_size` null where the route does not batch).
 *
 * @example
 * ```ts
 * import { createLogger } from "./logger.ts";
 * import { logAccess } from "./access_log.ts";
 * const logger = createLogger({ write: (line) => console.log(line) });
 * logAccess(logger, { method: "POST", path: "/predict", status: 200, durationMs: 3.21, batchSize: 4, requestId: "r1" });
 * // POST /predict 200 3.2 ms batch=4 request_id=r1
 * ```
 */
export function logAccess(logger: Logger, entry: AccessEntry): void {
  const level = accessLevel(entry.status, entry.path);
  if (!logger.enabled(level)) return;
  const ms = Math.round(entry.durationMs * 10) / 10;
  if (logger.format === "json") {
    logger.log(level, "request", {
      method: entry.method,
      path: entry.path,
      status: entry.status,
      duration_ms: ms,
      batch_size: entry.batchSize ?? null,
      request_id: entry.requestId,
    });
    return;
  }
  logger.log(
    level,
    `${entry.method} ${entry.path} ${entry.status} ${ms} ms batch=${entry.batchSize ?? "-"}`,
    { request_id: entry.requestId },
  );
}

/** A stack frame location in a bundle evaluated from a `data:` URL (Deno shortens the URL with `......`). */
const DATA_URL = /data:text\/javascript;base64,[A-Za-z0-9+/=.]+/g;

/**
 * `stack` with the `data:` URL a bundle's module was evaluated from replaced by `modulePath` (the bundle's
 * `service.js`, whose lines the frames' line numbers refer to), so a frame reads `…/service.js:12:9`.
 *
 * @example
 * ```ts
 * import { stackWithModulePath } from "./access_log.ts";
 * const stack = "Error: boom\n    at predict (data:text/javascript;base64,ZXhw......Cg==:12:9)";
 * console.log(stackWithModulePath(stack, "/srv/Iris/1.0/service.js"));
 * // Error: boom\n    at predict (/srv/Iris/1.0/service.js:12:9)
 * ```
 */
export function stackWithModulePath(stack: string, modulePath: string | undefined): string {
  return modulePath === undefined ? stack : stack.replace(DATA_URL, modulePath);
}

/** A request that ended in a 500. */
export interface FailureEntry {
  /** HTTP method. */
  method: string;
  /** URL path. */
  path: string;
  /** The request id. */
  requestId: string;
  /** The message the client got. */
  message: string;
  /** The stack of what failed, if one is known. */
  stack?: string;
  /** The bundle's service module, to name in frames evaluated from a `data:` URL. */
  modulePath?: string;
}

/**
 * Logs a 500 at `error`: the message and request id, and the full stack (with the bundle's module path in its
 * frames) below it in text or as `stack` in JSON. The client's body carries only the message and request id.
 *
 * @example
 * ```ts
 * import { createLogger } from "./logger.ts";
 * import { logFailure } from "./access_log.ts";
 * const logger = createLogger({ write: (line) => console.log(line) });
 * logFailure(logger, { method: "POST", path: "/predict", requestId: "r1", message: "boom", stack: "Error: boom\n    at f (x.js:1:1)" });
 * ```
 */
export function logFailure(logger: Logger, entry: FailureEntry): void {
  if (!logger.enabled("error")) return;
  const stack = entry.stack === undefined ? undefined : stackWithModulePath(entry.stack, entry.modulePath);
  logger.error(
    `${entry.method} ${entry.path} failed with 500: ${entry.message}`,
    { request_id: entry.requestId },
    stack,
  );
}
