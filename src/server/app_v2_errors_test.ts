/**
 * Every error a v2 route can answer, rendered by the real app (`createApp`): one body shape,
 * `{"error", "status", "request_id"}`, whatever produced the error (router, v2 routes, body limit, decoder,
 * batcher, executor).
 */
import assert from "node:assert/strict";
import { V2InferInput } from "../v2/infer_input.ts";
import { messageOf, ObentoError } from "../errors.ts";
import { errorOutcome, type Executor, type RawItem, type RawOutcome } from "../runtime/executor.ts";
import { testArtifact, testDocument } from "./_testing.ts";
import { createApp, type ServeConfig } from "./app.ts";
import { createServerMetrics } from "./metrics.ts";
import { Registry } from "./prometheus.ts";

const CONFIG: ServeConfig = {
  maxBatchSize: 8,
  maxLatencyMs: 5,
  timeoutMs: 300,
  maxBodyBytes: 256,
  maxQueue: 1,
  corsOrigins: [],
};

const INPUTS = [{ name: "input", type: "float32" as const, shape: ["N", 4] }];
const OUTPUTS = [{ name: "label", type: "int64" as const, shape: ["N"] }];
const DOC = testDocument({
  artifacts: [testArtifact("model", "OnnxModelArtifact", "model.onnx", { inputs: INPUTS, outputs: OUTPUTS })],
});

/**
 * Decodes v2 items with the real adapter (a decode error is that item's 4xx); a decoded request whose id is
 * "stall" holds the batch until the batcher gives up on it, "crash" fails with a 500.
 */
class V2Executor implements Executor {
  readonly concurrency = 1;
  readonly #input = new V2InferInput({ inputs: INPUTS, outputs: OUTPUTS });
  async run(_api: string, items: readonly RawItem[], signal?: AbortSignal): Promise<RawOutcome[]> {
    const outcomes: RawOutcome[] = [];
    for (const item of items) {
      try {
        const decoded = this.#input.fromBytes(item.body, item.contentType);
        if (decoded.id === "stall") {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 2_000);
            signal?.addEventListener("abort", () => {
              clearTimeout(timer);
              resolve();
            }, { once: true });
          });
        }
        outcomes.push(
          decoded.id === "crash" ? errorOutcome(500, "the model fell over", "Error: the model fell over") : {
            status: 200,
            body: '{"model_name":"model","outputs":[]}',
            contentType: "application/json",
            headers: {},
          },
        );
      } catch (error) {
        outcomes.push(errorOutcome(error instanceof ObentoError ? error.status : 500, messageOf(error)));
      }
    }
    return outcomes;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function setup(config: Partial<ServeConfig> = {}) {
  return createApp({ ...CONFIG, ...config }, {
    document: DOC,
    executor: new V2Executor(),
    isReady: () => true,
    metrics: createServerMetrics(new Registry(), undefined),
    effectiveConfig: {},
  });
}

const URL_BASE = "http://127.0.0.1";
const INFER = "/v2/models/model/infer";
const request = (id: string) =>
  JSON.stringify({
    id,
    inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] }],
  });

function call(
  path: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
  id = "walk",
): Request {
  return new Request(`${URL_BASE}${path}`, {
    ...init,
    headers: { "content-type": "application/json", "x-request-id": id, ...init.headers },
  });
}

/** Asserts the one error shape, with the response's status and request id, and returns the message. */
async function errorOf(response: Response, status: number, id: string): Promise<string> {
  const body = await response.json();
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(response.headers.get("content-type"), "application/json");
  assert.deepEqual(Object.keys(body), ["error", "status", "request_id"]);
  assert.equal(typeof body.error, "string");
  assert.ok(body.error.length > 0);
  assert.equal(body.status, status);
  assert.equal(body.request_id, id);
  assert.equal(response.headers.get("x-request-id"), id);
  return body.error;
}

Deno.test("every v2 error answers {error, status, request_id}", async () => {
  const { fetch, drain } = setup();
  const post = (body: BodyInit, headers: Record<string, string> = {}, path = INFER) =>
    fetch(call(path, { method: "POST", body, headers }));
  try {
    const cases: [string, () => Response | Promise<Response>, number, RegExp][] = [
      ["bad JSON", () => post("{"), 400, /^body is not valid JSON/],
      [
        "bad request",
        () => post('{"inputs": []}'),
        400,
        /^a v2 inference request is an object with "inputs"/,
      ],
      [
        "bad header length",
        () => post(request("x"), { "inference-header-content-length": "1000" }),
        400,
        /^Inference-Header-Content-Length "1000" must be a whole number of bytes/,
      ],
      [
        "octet-stream without header length",
        () => post(new Uint8Array([1]), { "content-type": "application/octet-stream" }),
        400,
        /needs header Inference-Header-Content-Length/,
      ],
      [
        "unknown model",
        () => post(request("x"), {}, "/v2/models/nope/infer"),
        404,
        /^model "nope" is not in this bundle/,
      ],
      [
        "unknown version",
        () => post(request("x"), {}, "/v2/models/model/versions/9/infer"),
        404,
        /^model "model" has no version "9"; versions: 1\.0\.0$/,
      ],
      [
        "unknown model metadata",
        () => fetch(call("/v2/models/nope")),
        404,
        /^model "nope" is not in this bundle/,
      ],
      [
        "unknown model readiness",
        () => fetch(call("/v2/models/nope/ready")),
        404,
        /^model "nope" is not in this bundle/,
      ],
      [
        "unknown v2 route",
        () => fetch(call("/v2/repository/index", { method: "POST" })),
        404,
        /^no route POST/,
      ],
      [
        "GET infer",
        () => fetch(call(INFER)),
        405,
        /^GET is not allowed on \/v2\/models\/model\/infer; send POST/,
      ],
      ["body over --max-body", () => post(request("x".repeat(300))), 413, /exceeds maxBodyBytes 256/],
      [
        "CSV body",
        () => post("a,b\n1,2\n", { "content-type": "text/csv" }),
        415,
        /^V2InferInput does not accept/,
      ],
      ["model failure", () => post(request("crash")), 500, /^the model fell over$/],
    ];
    for (const [what, response, status, message] of cases) {
      assert.match(await errorOf(await response(), status, "walk"), message, what);
    }

    // 504: a stalled request outlives timeoutMs; 503: the queue (maxQueue 1) is full behind it.
    const stalled = Promise.resolve(post(request("stall"), { "x-request-id": "stalled" }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const queued = Promise.resolve(post(request("x"), { "x-request-id": "queued" }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const shed = await post(request("x"), { "x-request-id": "shed" });
    assert.match(await errorOf(shed, 503, "shed"), /queue is full/);
    assert.ok(Number(shed.headers.get("retry-after")) >= 1);
    assert.match(await errorOf(await stalled, 504, "stalled"), /^timeoutMs \(/);
    const second = await queued;
    if (second.status === 200) await second.body?.cancel();
    else assert.match(await errorOf(second, 504, "queued"), /^timeoutMs \(/);
  } finally {
    await drain();
  }
});

Deno.test("a v2 infer without the bearer token is a 401 in the same shape", async () => {
  const { fetch, drain } = setup({ apiToken: "s3cret" });
  try {
    const r = await fetch(call(INFER, { method: "POST", body: request("x") }, "auth"));
    assert.equal(r.headers.get("www-authenticate"), 'Bearer realm="obento"');
    assert.match(await errorOf(r, 401, "auth"), /^missing or wrong bearer token/);
    // Health stays open, and answers an empty body.
    const live = await fetch(call("/v2/health/live"));
    assert.deepEqual([live.status, await live.text()], [200, ""]);
  } finally {
    await drain();
  }
});

Deno.test("v2 infer answers alike on the direct path and through the router (CORS sends all through Hono)", async () => {
  const direct = setup({ apiToken: "s3cret" });
  const routed = setup({ apiToken: "s3cret", corsOrigins: ["*"] });
  try {
    const auth = { authorization: "Bearer s3cret" };
    const cases: [string, Record<string, string>, BodyInit][] = [
      [INFER, auth, request("x")],
      ["/v2/models/model/versions/1.0.0/infer", auth, request("x")],
      [INFER, auth, "{"],
      [INFER, {}, request("x")],
      [INFER, { ...auth, "inference-header-content-length": "1000" }, request("x")],
      ["/v2/models/nope/infer", auth, request("x")],
    ];
    for (const [path, headers, body] of cases) {
      const [a, b] = await Promise.all(
        [direct, routed].map((app) => app.fetch(call(path, { method: "POST", body, headers }))),
      );
      assert.deepEqual(
        [a.status, await a.text()],
        [b.status, await b.text()],
        `${path} ${JSON.stringify(headers)}`,
      );
      assert.equal(b.headers.get("access-control-allow-origin"), "*");
    }
  } finally {
    await direct.drain();
    await routed.drain();
  }
});
