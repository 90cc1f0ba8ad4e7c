import assert from "node:assert/strict";
import { Counter, Gauge, Histogram, Registry } from "./prometheus.ts";

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
