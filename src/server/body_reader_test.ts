import assert from "node:assert/strict";
import { DeadlineError, ShedError } from "./batcher_errors.ts";
import { BodyBudget } from "./body_budget.ts";
import { BodyReader } from "./body_reader.ts";

const url = "http://127.0.0.1/predict";

/** A POST with a declared Content-Length and `body`. */
function declared(body: Uint8Array<ArrayBuffer>, length = body.length): Request {
  return new Request(url, { method: "POST", body, headers: { "content-length": String(length) } });
}

/** A POST whose body streams `chunks` (no Content-Length), then waits forever when `hang` is set. */
function streamed(
  chunks: Uint8Array<ArrayBuffer>[],
  hang = false,
): { request: Request; cancelled: Promise<void> } {
  let onCancel = () => {};
  const cancelled = new Promise<void>((resolve) => (onCancel = resolve));
  const body = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      if (!hang) controller.close();
    },
    cancel: () => onCancel(),
  });
  return { request: new Request(url, { method: "POST", body }), cancelled };
}

Deno.test("a declared body is held in the budget until released", async () => {
  const budget = new BodyBudget(100);
  const reader = new BodyReader({ maxBodyBytes: 50, budget, timeoutMs: 1000 });
  const held = await reader.read(declared(new Uint8Array(40).fill(7)), Infinity);
  assert.deepEqual(held.bytes, new Uint8Array(40).fill(7));
  assert.equal(budget.reserved, 40);
  held.release();
  held.release();
  assert.equal(budget.reserved, 0, "release is idempotent");
});

Deno.test("a declared body the budget cannot hold is refused with 503 before it is read", async () => {
  const budget = new BodyBudget(100);
  budget.tryReserve(70);
  const reader = new BodyReader({ maxBodyBytes: 50, budget, timeoutMs: 1000 });
  const request = declared(new Uint8Array(40));
  const error = await reader.read(request, Infinity).then(() => undefined, (e) => e);
  assert.ok(error instanceof ShedError, String(error));
  assert.equal(error.status, 503);
  assert.equal(error.reason, "body_budget");
  assert.equal(error.retryAfterSeconds, 1);
  assert.match(error.message, /holds 70 bytes .* this one \(40 bytes\) would pass maxBodyTotalBytes 100/);
  assert.equal(request.bodyUsed, false, "the body was not read");
  assert.equal(budget.reserved, 70, "nothing stays reserved for a refused request");
});

Deno.test("a declared body past --max-body gets 413 and reserves nothing", async () => {
  const budget = new BodyBudget(1000);
  const reader = new BodyReader({ maxBodyBytes: 50, budget, timeoutMs: 1000 });
  const error = await reader.read(declared(new Uint8Array(60)), Infinity).then(() => undefined, (e) => e);
  assert.equal(error?.status, 413);
  assert.match(error.message, /request body of 60 bytes exceeds maxBodyBytes 50 bytes/);
  assert.equal(budget.reserved, 0);
});

Deno.test("a streamed body reserves as it arrives; past the budget it is cut off with 503 and released", async () => {
  const budget = new BodyBudget(100);
  budget.tryReserve(50);
  const reader = new BodyReader({ maxBodyBytes: 1000, budget, timeoutMs: 1000 });
  const ok = await reader.read(streamed([new Uint8Array(10), new Uint8Array(20)]).request, Infinity);
  assert.equal(ok.bytes.length, 30);
  assert.equal(budget.reserved, 80);
  ok.release();
  const { request, cancelled } = streamed([new Uint8Array(30), new Uint8Array(30)], true);
  const error = await reader.read(request, Infinity).then(() => undefined, (e) => e);
  assert.ok(error instanceof ShedError, String(error));
  assert.equal(error.status, 503);
  await cancelled;
  assert.equal(budget.reserved, 50, "the 30 bytes read before the cut are given back");
});

Deno.test("a streamed body past --max-body is cut off with 413", async () => {
  const budget = new BodyBudget(1000);
  const reader = new BodyReader({ maxBodyBytes: 50, budget, timeoutMs: 1000 });
  const { request, cancelled } = streamed([new Uint8Array(30), new Uint8Array(30)], true);
  const error = await reader.read(request, Infinity).then(() => undefined, (e) => e);
  assert.equal(error?.status, 413);
  assert.match(error.message, /request body exceeds maxBodyBytes 50 bytes/);
  await cancelled;
  assert.equal(budget.reserved, 0);
});

Deno.test("a body still arriving at the deadline gets 504 at once, with a message in positive figures", async () => {
  const budget = new BodyBudget(1000);
  let clock = 1000;
  const reader = new BodyReader({ maxBodyBytes: 500, budget, timeoutMs: 200 }, () => clock);
  const { request, cancelled } = streamed([new Uint8Array(10)], true);
  const reading = reader.read(request, 1200).then(() => undefined, (e) => e);
  clock = 1250; // the next deadline tick sees the deadline passed
  const error = await reading;
  assert.ok(error instanceof DeadlineError, String(error));
  assert.equal(error.status, 504);
  assert.equal(error.stage, "body");
  assert.equal(
    error.message,
    "timeoutMs (200 ms) expired while the request body was still arriving (250 ms spent reading it); send " +
      "the body faster, or raise timeoutMs",
  );
  await cancelled;
  assert.equal(budget.reserved, 0);
});
