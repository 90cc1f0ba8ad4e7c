import assert from "node:assert/strict";
import { DemandWindow } from "./demand_window.ts";

Deno.test("Retry-After is the refused demand over the served rate, rounded up, within [1, max]", () => {
  const w = new DemandWindow({ windowMs: 1000, maxSeconds: 10 });
  assert.equal(w.retryAfterSeconds(0), 1, "nothing served: 1");
  w.refused(0, 50);
  assert.equal(w.retryAfterSeconds(0), 1, "refusals but no served rate: 1");
  w.served(100, 100);
  assert.equal(w.retryAfterSeconds(100), 1, "half the served count: 1 s");
  w.refused(200, 251);
  assert.equal(w.retryAfterSeconds(200), 4, "301 refused / 100 served → ⌈3.01⌉");
  w.refused(300, 5000);
  assert.equal(w.retryAfterSeconds(300), 10, "capped at maxSeconds");
});

Deno.test("counts older than the window are forgotten, bucket by bucket", () => {
  const w = new DemandWindow({ windowMs: 1000 });
  w.served(0, 10);
  w.refused(0, 30); // bucket [0, 100)
  w.served(550, 10);
  assert.equal(w.retryAfterSeconds(950), 2, "30 refused / 20 served → ⌈1.5⌉");
  // At t = 1000 the window is [100, 1100): bucket [0, 100) has left it, with its 30 refusals.
  assert.equal(w.retryAfterSeconds(1000), 1);
  w.refused(1000, 25);
  assert.equal(w.retryAfterSeconds(1000), 3, "25 refused / 10 served → ⌈2.5⌉");
  // Long silence empties everything.
  assert.equal(w.retryAfterSeconds(60_000), 1);
  w.refused(60_000, 100);
  assert.equal(w.retryAfterSeconds(60_000), 1, "nothing served in the window: 1");
});
