import assert from "node:assert/strict";
import { createLogger } from "./logger.ts";

Deno.test("drops lines below the level; text puts fields after the message and a detail below it", () => {
  const lines: string[] = [];
  const logger = createLogger({ level: "warn", write: (l) => lines.push(l) });
  logger.info("not shown");
  logger.debug("not shown");
  logger.warn("slow", { api: "predict", note: "two words", none: undefined });
  logger.error("failed", { request_id: "r1" }, "Error: x\n    at f (a.js:1:2)\n");
  assert.deepEqual(lines, [
    'slow api=predict note="two words"',
    "failed request_id=r1\n    Error: x\n        at f (a.js:1:2)",
  ]);
  assert.equal(logger.enabled("info"), false);
  assert.equal(logger.enabled("error"), true);
});

Deno.test("json lines carry time, level, msg, the fields and the detail as stack", () => {
  const lines: string[] = [];
  const logger = createLogger({
    format: "json",
    write: (l) => lines.push(l),
    now: () => Date.UTC(2026, 0, 2),
  });
  logger.debug("dropped at the default level info");
  logger.info("listening", { url: "http://127.0.0.1:1", batch_size: null });
  logger.error("boom", { request_id: "r2" }, "Error: boom");
  assert.equal(lines.length, 2);
  assert.deepEqual(JSON.parse(lines[0]), {
    time: "2026-01-02T00:00:00.000Z",
    level: "info",
    msg: "listening",
    url: "http://127.0.0.1:1",
    batch_size: null,
  });
  assert.deepEqual(JSON.parse(lines[1]), {
    time: "2026-01-02T00:00:00.000Z",
    level: "error",
    msg: "boom",
    request_id: "r2",
    stack: "Error: boom",
  });
  for (const line of lines) assert.ok(!line.includes("\n"));
});
