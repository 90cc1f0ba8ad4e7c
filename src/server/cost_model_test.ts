import assert from "node:assert/strict";
import { CostModel } from "./cost_model.ts";

/** Deterministic PRNG (mulberry32) so the noisy tests always see the same data. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("starts neutral: predicts 0 and is not calibrated", () => {
  const model = new CostModel();
  assert.deepEqual(model.snapshot(), { a: 0, b: 0, samples: 0, calibrated: false });
  assert.equal(model.predict(64), 0);
});

Deno.test("skips warm-up batches and needs 3 samples of 2 distinct sizes to calibrate", () => {
  const model = new CostModel({ warmup: 1 });
  model.observe(1, 5000); // warm-up: ignored
  assert.equal(model.snapshot().samples, 0);
  model.observe(4, 18);
  model.observe(4, 18);
  model.observe(4, 18);
  assert.equal(model.snapshot().samples, 3);
  assert.equal(model.calibrated, false, "one size only: a and b cannot be told apart");
  model.observe(1, 12);
  const s = model.snapshot();
  assert.equal(s.calibrated, true);
  assert.ok(Math.abs(s.a - 2) < 1e-9 && Math.abs(s.b - 10) < 1e-9, JSON.stringify(s));
});

Deno.test("with minDistinctSizes 1 (batching off) one size calibrates", () => {
  const model = new CostModel({ warmup: 0, minDistinctSizes: 1 });
  for (let i = 0; i < 3; i++) model.observe(1, 7);
  assert.equal(model.calibrated, true);
  assert.ok(Math.abs(model.predict(1) - 7) < 1e-9, `T(1) = ${model.predict(1)}`);
});

Deno.test("converges on noisy a·n + b data (a = 2, b = 10, ±10 % noise)", () => {
  const random = rng(42);
  const model = new CostModel({ warmup: 0 });
  for (let i = 0; i < 300; i++) {
    const n = 1 + Math.floor(random() * 64);
    const truth = 2 * n + 10;
    model.observe(n, truth * (0.9 + 0.2 * random()));
  }
  const { a, b, calibrated } = model.snapshot();
  assert.equal(calibrated, true);
  assert.ok(Math.abs(a - 2) < 0.3, `a = ${a}`);
  assert.ok(Math.abs(b - 10) < 6, `b = ${b}`);
  assert.ok(Math.abs(model.predict(32) - 74) < 6, `T(32) = ${model.predict(32)}`);
});

Deno.test("follows a drift: after the model gets 2x slower the estimate doubles", () => {
  const model = new CostModel({ warmup: 0 });
  for (let i = 0; i < 50; i++) model.observe(1 + (i % 8), 2 * (1 + (i % 8)) + 10);
  for (let i = 0; i < 100; i++) model.observe(1 + (i % 8), 4 * (1 + (i % 8)) + 20);
  const { a, b } = model.snapshot();
  assert.ok(Math.abs(a - 4) < 0.05 && Math.abs(b - 20) < 0.3, `a=${a} b=${b}`);
});

Deno.test("one outlier (a 50x GC pause) moves the calibrated estimate only a little", () => {
  const model = new CostModel({ warmup: 0 });
  for (let i = 0; i < 40; i++) model.observe(1 + (i % 8), 2 * (1 + (i % 8)) + 10);
  model.observe(4, 900);
  // clipped to 4·T(4) + 1 = 73 ms, weighed as one of ~20 samples
  assert.ok(model.predict(4) < 24, `T(4) = ${model.predict(4)}`);
});

Deno.test("keeps a ≥ 0 and b ≥ 0", () => {
  const falling = new CostModel({ warmup: 0 });
  falling.observe(1, 30);
  falling.observe(10, 20);
  falling.observe(20, 10);
  assert.equal(falling.snapshot().a, 0);
  // b is the exponentially weighted mean (decay 0.95, newest weighs 1)
  const w = [0.95 * 0.95, 0.95, 1];
  const mean = (30 * w[0] + 20 * w[1] + 10 * w[2]) / (w[0] + w[1] + w[2]);
  assert.ok(Math.abs(falling.snapshot().b - mean) < 1e-9, `b = ${falling.snapshot().b}`);
  const steep = new CostModel({ warmup: 0 });
  steep.observe(10, 10);
  steep.observe(20, 40);
  steep.observe(30, 70); // OLS: a = 3, b = -20 → clamp b = 0, refit through the origin
  const s = steep.snapshot();
  assert.equal(s.b, 0);
  assert.ok(Math.abs(s.a - (10 * 10 + 20 * 40 + 30 * 70) / (100 + 400 + 900)) < 0.02, `a = ${s.a}`);
});

Deno.test("a long run of one size (light load) keeps the learned slope instead of a degenerate fit", () => {
  const model = new CostModel({ warmup: 0 });
  for (let i = 0; i < 40; i++) model.observe(1 + (i % 8), 2 * (1 + (i % 8)) + 10);
  for (let i = 0; i < 400; i++) model.observe(1, 12); // only size 1: the sizes' variance decays to ~0
  const { a, b, calibrated } = model.snapshot();
  assert.equal(calibrated, true);
  assert.ok(Math.abs(a - 2) < 1e-6, `a = ${a}`);
  assert.ok(Math.abs(b - 10) < 1e-6, `b = ${b}`);
});

Deno.test("rejects bad options", () => {
  assert.throws(() => new CostModel({ decay: 1 }), RangeError);
  assert.throws(() => new CostModel({ outlierFactor: 1 }), RangeError);
});
