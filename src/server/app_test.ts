import assert from "node:assert/strict";
import type { ApiRecord } from "../bundle/bento_yaml.ts";
import { errorOutcome, type Executor, type RawItem, type RawOutcome } from "../runtime/executor.ts";
import { testDocument } from "./_testing.ts";
import { createApp, type ServeConfig } from "./app.ts";
import { createLogger } from "./logger.ts";
import { createServerMetrics } from "./metrics.ts";
import { Registry } from "./prometheus.ts";

const CONFIG: ServeConfig = {
  maxBatchSize: 8,
  maxLatencyMs: 5,
  timeoutMs: 5_000,
  maxBodyBytes: 1024,
  maxQueue: 64,
  corsOrigins: [],
};

function api(name: string, batch = true): ApiRecord {
  return {
    name,
    batch,
    doc: "",
    input: { type: "JsonInput", config: {}, content_types: ["application/json"] },
    output: { type: "JsonOutput", config: {} },
    schema: { request: {}, response: {} },
  };
}

/** Echoes each item's body; a body `"crash"` fails its item with a 500 carrying a stack from a data: URL. */
class EchoExecutor implements Executor {
  readonly concurrency = 1;
  readonly batches: number[] = [];
  run(api: string, items: readonly RawItem[]): Promise<RawOutcome[]> {
    if (api === "broken") return Promise.reject(new TypeError("executor bug: cannot read x of undefined"));
    this.batches.push(items.length);
    return Promise.resolve(items.map((item): RawOutcome => {
      const text = new TextDecoder().decode(item.body);
      if (text === '"crash"') {
        return errorOutcome(
          500,
          "the model fell over",
          "Error: the model fell over\n    at predict (data:text/javascript;base64,QUJD......RA==:7:11)",
        );
      }
      return { status: 200, body: text, contentType: "application/json", headers: {} };
    }));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function setup(format: "text" | "json" = "text") {
  const lines: string[] = [];
  const executor = new EchoExecutor();
  const { fetch, drain } = createApp(CONFIG, {
    document: testDocument({ apis: [api("predict"), api("single", false), api("broken")] }),
    executor,
    isReady: () => true,
    metrics: createServerMetrics(new Registry(), undefined),
    effectiveConfig: {},
    logger: createLogger({ format, write: (l) => lines.push(l) }),
    modulePath: "/bundles/Iris/1.0.0/service.js",
  });
  return { fetch, drain, lines, executor };
}

/** An executor of one slot that answers 200 "1" to every item once `unblock` is called. */
function blockedExecutor(): { executor: Executor; unblock: () => void } {
  let unblock = () => {};
  const blocked = new Promise<void>((resolve) => (unblock = resolve));
  const executor: Executor = {
    concurrency: 1,
    async run(_api, items) {
      await blocked;
      return items.map((): RawOutcome => ({
        status: 200,
        body: "1",
        contentType: "application/json",
        headers: {},
      }));
    },
    close: () => Promise.resolve(),
  };
  return { executor, unblock };
}

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  new Request(`http://127.0.0.1${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });

Deno.test("echoes a client's x-request-id, makes one otherwise, and logs one access line with the batch size", async () => {
  const { fetch, drain, lines } = setup();
  let r = await fetch(post("/predict", "[1]", { "x-request-id": "client-7" }));
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("x-request-id"), "client-7");
  assert.equal(await r.text(), "[1]");
  r = await fetch(new Request("http://127.0.0.1/metadata", { headers: { "x-request-id": "bad id" } }));
  await r.body?.cancel();
  const made = r.headers.get("x-request-id") ?? "";
  assert.match(made, /^[0-9a-f-]{36}$/);
  await drain();
  assert.equal(lines.length, 2, lines.join("\n"));
  assert.match(lines[0], /^POST \/predict 200 \d+(\.\d)? ms batch=1 request_id=client-7$/);
  assert.match(lines[1], new RegExp(`^GET /metadata 200 \\d+(\\.\\d)? ms batch=- request_id=${made}$`));
});

Deno.test("items batched together log the size of their batch", async () => {
  const { fetch, drain, lines, executor } = setup("json");
  const responses = await Promise.all([1, 2, 3, 4].map((n) => fetch(post("/predict", `[${n}]`))));
  assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 200]);
  await Promise.all(responses.map((r) => r.body?.cancel()));
  await drain();
  const sizes = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request").map((l) => l.batch_size);
  // Each request logs the size of the batch it actually ran in, whatever the batcher chose.
  const expected = executor.batches.flatMap((n) => Array(n).fill(n));
  assert.deepEqual(sizes.sort(), expected.sort());
});

Deno.test("a 500 sends the message and request id, and logs the stack with the bundle's module path", async () => {
  const { fetch, drain, lines } = setup();
  const r = await fetch(post("/predict", '"crash"', { "x-request-id": "crash-1" }));
  assert.equal(r.status, 500);
  const body = await r.json();
  assert.deepEqual(body, { error: "the model fell over", status: 500, request_id: "crash-1" });
  await drain();
  const failure = lines.find((l) => l.includes("failed with 500")) ?? "";
  assert.match(failure, /^POST \/predict failed with 500: the model fell over request_id=crash-1\n/);
  assert.match(failure, /at predict \(\/bundles\/Iris\/1\.0\.0\/service\.js:7:11\)/);
  assert.ok(lines.some((l) => /^POST \/predict 500 .* request_id=crash-1$/.test(l)), lines.join("\n"));
});

Deno.test("any method but POST on an API route is 405 with Allow: POST and the standard error body", async () => {
  const { fetch, drain, lines } = setup();
  for (const method of ["GET", "PUT", "DELETE"]) {
    const r = await fetch(
      new Request("http://127.0.0.1/predict", { method, headers: { "x-request-id": "m" } }),
    );
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.get("allow"), "POST");
    const body = await r.json();
    assert.equal(body.status, 405);
    assert.equal(body.request_id, "m");
    assert.match(body.error, new RegExp(`^${method} is not allowed on /predict; send POST`));
  }
  const missing = await fetch(new Request("http://127.0.0.1/nope", { headers: { "x-request-id": "n" } }));
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).request_id, "n");
  await drain();
  assert.ok(lines.some((l) => /^GET \/predict 405 \S+ ms batch=- request_id=m$/.test(l)), lines.join("\n"));
});

Deno.test("a batch that fails outside the service logs the stack of its cause with the request id", async () => {
  const { fetch, drain, lines } = setup("json");
  const r = await fetch(post("/broken", "1", { "x-request-id": "b-1" }));
  assert.equal(r.status, 500);
  const body = await r.json();
  assert.equal(body.request_id, "b-1");
  assert.match(body.error, /the batch of 1 failed: executor bug/);
  assert.equal(body.stack, undefined);
  await drain();
  const failure = lines.map((l) => JSON.parse(l)).find((l) => l.level === "error" && l.msg !== "request");
  assert.equal(failure?.request_id, "b-1");
  assert.match(failure?.stack ?? "", /^TypeError: executor bug: cannot read x of undefined\n\s+at /);
});

Deno.test("past --max-body-total a request gets 503 + Retry-After before its body is read; metrics count it", async () => {
  const { executor, unblock } = blockedExecutor();
  const metrics = createServerMetrics(new Registry(), undefined);
  const { fetch, drain } = createApp({ ...CONFIG, maxBodyTotalBytes: 1024 }, {
    document: testDocument({ apis: [api("predict")] }),
    executor,
    isReady: () => true,
    metrics,
    effectiveConfig: {},
  });
  const big = "[" + "1,".repeat(499) + "1]";
  const first = fetch(post("/predict", big, { "content-length": String(big.length) }));
  await new Promise((r) => setTimeout(r, 20));
  assert.match(metrics.render(), new RegExp(`obento_body_bytes_reserved ${big.length}\n`));
  const refusedRequest = post("/predict", big, { "content-length": String(big.length) });
  const refused = await fetch(refusedRequest);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), "1");
  assert.match((await refused.json()).error, /would pass maxBodyTotalBytes 1024; retry later/);
  assert.equal(refusedRequest.bodyUsed, false);
  unblock();
  assert.equal((await first).status, 200);
  const text = metrics.render();
  assert.match(text, /obento_body_bytes_reserved 0\n/);
  assert.match(text, /obento_body_budget_bytes 1024\n/);
  assert.match(text, /obento_shed_total\{api="predict",reason="body_budget"\} 1\n/);
  await drain();
});

Deno.test("an overload refusal: 503 + Retry-After and the request id, held refusalDelayMs first, counted", async () => {
  const { executor, unblock } = blockedExecutor();
  const metrics = createServerMetrics(new Registry(), undefined);
  const { fetch, drain } = createApp({ ...CONFIG, maxBatchSize: 1, maxQueue: 1, refusalDelayMs: 30 }, {
    document: testDocument({ apis: [api("predict")] }),
    executor,
    isReady: () => true,
    metrics,
    effectiveConfig: {},
  });
  const running = fetch(post("/predict", "1")); // runs (blocked)
  await new Promise((r) => setTimeout(r, 10));
  const queued = fetch(post("/predict", "2")); // fills the queue of 1
  await new Promise((r) => setTimeout(r, 10));
  const t0 = performance.now();
  const refused = await fetch(post("/predict", "3", { "x-request-id": "over-1" }));
  const heldMs = performance.now() - t0;
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), "1");
  assert.equal(refused.headers.get("x-request-id"), "over-1");
  assert.deepEqual(await refused.json(), {
    error: '"predict" is overloaded: its queue is full (1 requests waiting, maxQueue); retry later',
    status: 503,
    request_id: "over-1",
  });
  assert.ok(heldMs >= 29, `held ${heldMs.toFixed(1)} ms, refusalDelayMs 30 × Retry-After 1`);
  unblock();
  assert.deepEqual([(await running).status, (await queued).status], [200, 200]);
  const text = metrics.render();
  assert.match(text, /obento_shed_total\{api="predict",reason="queue_full"\} 1\n/);
  assert.match(text, /obento_requests_total\{api="predict",status="503"\} 1\n/);
  await drain();
});

Deno.test("a body that breaks off while it is read is a 400 for that request, not a 500", async () => {
  // Found by scripts/fuzz_http.ts: a client that promised 100 kB, sent 10 bytes and hung up was logged as a
  // 500 ("Cannot read body as underlying resource unavailable") and counted as one in the metrics.
  const { fetch, lines } = setup();
  for (const length of ["100", undefined]) {
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) controller.error(new TypeError("Cannot read body as underlying resource unavailable"));
        else controller.enqueue(new TextEncoder().encode('{"a": 1'));
        sent = true;
      },
    });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (length !== undefined) headers["content-length"] = length;
    const r = await fetch(new Request("http://127.0.0.1/predict", { method: "POST", body, headers }));
    assert.equal(r.status, 400);
    assert.match(
      (await r.json()).error,
      /^the request body ended early \(Cannot read body .*\); the client closed/,
    );
  }
  assert.ok(!lines.some((l) => / 500 /.test(l)), lines.join("\n"));
});
