import assert from "node:assert/strict";
import type { BatcherStats } from "./batcher.ts";
import { Counter, createServerMetrics, Gauge, Histogram, Registry } from "./metrics.ts";

Deno.test("renders counters and gauges in text format 0.0.4 with escaped label values and HELP", () => {
  const registry = new Registry();
  const c = registry.counter({
    name: "t_total",
    help: "A \\ count\nof things.",
    labelNames: ["api", "status"],
  });
  const g = registry.gauge({ name: "t_depth", help: "Depth." });
  c.inc({ api: 'say "hi"\\\n', status: 200 });
  c.inc({ api: "p", status: 503 }, 2.5);
  g.set({}, -3);
  assert.equal(
    registry.render(),
    [
      "# HELP t_total A \\\\ count\\nof things.",
      "# TYPE t_total counter",
      't_total{api="say \\"hi\\"\\\\\\n",status="200"} 1',
      't_total{api="p",status="503"} 2.5',
      "# HELP t_depth Depth.",
      "# TYPE t_depth gauge",
      "t_depth -3",
      "",
    ].join("\n"),
  );
});

Deno.test("an unlabelled metric shows 0 before use; a labelled one shows no samples", () => {
  const registry = new Registry();
  registry.counter({ name: "a_total", help: "A." });
  registry.counter({ name: "b_total", help: "B.", labelNames: ["x"] });
  assert.equal(
    registry.render(),
    "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n# HELP b_total B.\n# TYPE b_total counter\n",
  );
});

Deno.test("histograms write cumulative buckets, +Inf, _sum and _count", () => {
  const h = new Histogram({
    name: "lat_seconds",
    help: "Latency.",
    labelNames: ["api"],
    buckets: [0.1, 1, 10],
  });
  for (const v of [0.05, 0.1, 0.5, 20]) h.observe({ api: "p" }, v);
  assert.equal(
    h.render(),
    [
      "# HELP lat_seconds Latency.",
      "# TYPE lat_seconds histogram",
      'lat_seconds_bucket{api="p",le="0.1"} 2',
      'lat_seconds_bucket{api="p",le="1"} 3',
      'lat_seconds_bucket{api="p",le="10"} 3',
      'lat_seconds_bucket{api="p",le="+Inf"} 4',
      'lat_seconds_sum{api="p"} 20.65',
      'lat_seconds_count{api="p"} 4',
      "",
    ].join("\n"),
  );
  assert.deepEqual(h.get({ api: "p" }), { count: 4, sum: 20.65 });
});

Deno.test("gauges with collect are sampled at render time", () => {
  let depth = 1;
  const g = new Gauge({
    name: "q",
    help: "Q.",
    labelNames: ["api"],
    collect: (g) => g.set({ api: "p" }, depth),
  });
  assert.match(g.render(), /q\{api="p"\} 1\n$/);
  depth = 7;
  assert.match(g.render(), /q\{api="p"\} 7\n$/);
});

Deno.test("refuses bad names, wrong labels, falling counters and duplicate registration", () => {
  assert.throws(() => new Counter({ name: "bad-name", help: "" }), RangeError);
  assert.throws(() => new Counter({ name: "x", help: "", labelNames: ["__x"] }), RangeError);
  assert.throws(() => new Histogram({ name: "h", help: "", labelNames: ["le"] }), RangeError);
  assert.throws(() => new Histogram({ name: "h", help: "", buckets: [1, 1] }), RangeError);
  const c = new Counter({ name: "c", help: "", labelNames: ["api"] });
  assert.throws(() => c.inc({}), /takes labels \[api\], got \[\]/);
  assert.throws(() => c.inc({ api: "p", other: "x" }), RangeError);
  assert.throws(() => c.inc({ api: "p" }, -1), /can only go up/);
  const registry = new Registry();
  registry.register(c);
  assert.throws(() => registry.register(new Counter({ name: "c", help: "" })), /already registered/);
});

Deno.test("server metrics: requests, batches, sheds, timeouts and sampled batcher figures", () => {
  const metrics = createServerMetrics();
  const stats: BatcherStats = {
    queueDepth: 4,
    inFlightBatches: 2,
    inFlightItems: 9,
    shed: 1,
    timedOut: 0,
    batches: 3,
    costModel: { a: 2, b: 10.5, samples: 5, calibrated: true },
  };
  const unwatch = metrics.watchBatcher("predict", { stats: () => stats });
  metrics.requestStarted("predict");
  metrics.requestStarted("predict");
  metrics.requestFinished("predict", 200, 0.02);
  metrics.observeBatch("predict", { size: 3, queueWaitMs: 4, runMs: 16, reason: "full", ok: true });
  metrics.observeBatch("predict", { size: 1, queueWaitMs: 0, runMs: 12, reason: "no_gain", ok: false });
  metrics.observeShed("predict", "queue_full");
  metrics.observeTimeout("predict", "queued");
  metrics.observeTimeout("predict", '--timeout (5 ms) expired during inference for "predict"');
  const text = metrics.render();
  const lines = new Set(text.split("\n"));
  for (
    const line of [
      'obento_requests_total{api="predict",status="200"} 1',
      'obento_request_duration_seconds_count{api="predict",status="200"} 1',
      'obento_request_duration_seconds_bucket{api="predict",status="200",le="0.025"} 1',
      'obento_request_duration_seconds_bucket{api="predict",status="200",le="0.01"} 0',
      'obento_in_flight_requests{api="predict"} 1',
      'obento_batch_size_bucket{api="predict",le="2"} 1',
      'obento_batch_size_bucket{api="predict",le="4"} 2',
      'obento_batch_size_sum{api="predict"} 4',
      'obento_batch_queue_wait_seconds_sum{api="predict"} 0.004',
      'obento_inference_duration_seconds_sum{api="predict"} 0.028',
      'obento_batch_flush_total{api="predict",reason="full"} 1',
      'obento_batch_flush_total{api="predict",reason="no_gain"} 1',
      'obento_batch_failures_total{api="predict"} 1',
      'obento_shed_total{api="predict",reason="queue_full"} 1',
      'obento_timeouts_total{api="predict",timer="timeout",stage="queued"} 1',
      'obento_timeouts_total{api="predict",timer="timeout",stage="inference"} 1',
      'obento_queue_depth{api="predict"} 4',
      'obento_batches_in_flight{api="predict"} 2',
      'obento_cost_model_a_ms{api="predict"} 2',
      'obento_cost_model_b_ms{api="predict"} 10.5',
      'obento_cost_model_calibrated{api="predict"} 1',
    ]
  ) {
    assert.ok(lines.has(line), `missing: ${line}\n${text}`);
  }
  unwatch();
  assert.doesNotMatch(metrics.render(), /obento_queue_depth\{/);
});

Deno.test("a registry's constant labels come first on every sample, HELP and TYPE unchanged", () => {
  const registry = new Registry({ constLabels: { service: "Iris", service_version: "1.0" } });
  const metrics = createServerMetrics(registry, undefined);
  metrics.requestFinished("predict", 200, 0.002);
  const text = metrics.render();
  const samples = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assert.ok(samples.length > 0);
  for (const line of samples) {
    assert.match(line, /^[a-z_]+\{service="Iris",service_version="1\.0"[,}]/, line);
  }
  assert.ok(
    samples.includes(
      'obento_requests_total{service="Iris",service_version="1.0",api="predict",status="200"} 1',
    ),
  );
  assert.ok(
    samples.includes(
      'obento_request_duration_seconds_bucket{service="Iris",service_version="1.0",api="predict",status="200",le="0.0025"} 1',
    ),
  );
  assert.match(text, /^# TYPE obento_requests_total counter$/m);
  assert.throws(
    () => registry.counter({ name: "x_total", help: "X.", labelNames: ["service"] }),
    /constant labels/,
  );
  assert.throws(() => new Registry({ constLabels: { le: "1" } }), RangeError);
});
