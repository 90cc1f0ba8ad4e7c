import assert from "node:assert/strict";
import type { BatcherStats } from "./batcher_types.ts";
import { createServerMetrics } from "./metrics.ts";
import { Registry } from "./prometheus.ts";

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
  metrics.observeTimeout("predict", "inference");
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
