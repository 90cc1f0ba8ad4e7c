import assert from "node:assert/strict";
import { accessLevel, logAccess, logFailure, stackWithModulePath } from "./access_log.ts";
import { createLogger, type LogFormat, type LogLevel } from "./logger.ts";

function collect(format: LogFormat = "text", level: LogLevel = "debug") {
  const lines: string[] = [];
  return { lines, logger: createLogger({ format, level, write: (l) => lines.push(l), now: () => 0 }) };
}

Deno.test("levels: info below 400, warn for 4xx, 503 and 504, error for 500, debug for probes unless they fail", () => {
  assert.equal(accessLevel(200, "/predict"), "info");
  assert.equal(accessLevel(200, "/healthz"), "debug");
  assert.equal(accessLevel(503, "/readyz"), "debug");
  assert.equal(accessLevel(500, "/metrics"), "error");
  assert.equal(accessLevel(503, "/predict"), "warn");
  assert.equal(accessLevel(504, "/predict"), "warn");
  assert.equal(accessLevel(404, "/nope"), "warn");
  assert.equal(accessLevel(500, "/predict"), "error");
});

Deno.test("text access lines: method, path, status, ms, batch size or -, request id", () => {
  const { lines, logger } = collect();
  logAccess(logger, {
    method: "POST",
    path: "/predict",
    status: 200,
    durationMs: 3.14159,
    batchSize: 4,
    requestId: "r1",
  });
  logAccess(logger, { method: "GET", path: "/metadata", status: 200, durationMs: 0.04, requestId: "r2" });
  assert.deepEqual(lines, [
    "POST /predict 200 3.1 ms batch=4 request_id=r1",
    "GET /metadata 200 0 ms batch=- request_id=r2",
  ]);
});

Deno.test("json access lines have named fields; below the level nothing is written", () => {
  const { lines, logger } = collect("json", "warn");
  logAccess(logger, {
    method: "POST",
    path: "/predict",
    status: 200,
    durationMs: 1,
    batchSize: 2,
    requestId: "a",
  });
  logAccess(logger, { method: "GET", path: "/predict", status: 405, durationMs: 0.26, requestId: "b" });
  // One line only: the 200 is below the level.
  assert.deepEqual(lines.map((line) => JSON.parse(line)), [{
    time: "1970-01-01T00:00:00.000Z",
    level: "warn",
    msg: "request",
    method: "GET",
    path: "/predict",
    status: 405,
    duration_ms: 0.3,
    batch_size: null,
    request_id: "b",
  }]);
});

Deno.test("a 500's stack names the bundle's module instead of the data: URL it was evaluated from", () => {
  const stack = "Error: boom\n    at predict (data:text/javascript;base64,ZXhw......Cg==:12:9)\n" +
    "    at async invokeApi (file:///obento/src/runtime/invoke.ts:120:17)";
  assert.equal(
    stackWithModulePath(stack, "/b/service.js"),
    "Error: boom\n    at predict (/b/service.js:12:9)\n    at async invokeApi (file:///obento/src/runtime/invoke.ts:120:17)",
  );
  assert.equal(stackWithModulePath(stack, undefined), stack);
  const { lines, logger } = collect();
  logFailure(logger, {
    method: "POST",
    path: "/p",
    requestId: "r9",
    message: "boom",
    stack,
    modulePath: "/b/service.js",
  });
  assert.equal(lines.length, 1);
  assert.match(
    lines[0],
    /^POST \/p failed with 500: boom request_id=r9\n {4}Error: boom\n {8}at predict \(\/b\/service\.js:12:9\)/,
  );
});
