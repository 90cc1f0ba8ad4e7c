import assert from "node:assert/strict";
import { defaultWorkers } from "./defaults.ts";

Deno.test("defaultWorkers: one per core, with the reason serve logs and /metadata shows", () => {
  assert.deepEqual(defaultWorkers(2), { workers: 2, reason: "default: one per core, 2 cores" });
  assert.equal(defaultWorkers(16).workers, 16);
  assert.deepEqual(defaultWorkers(1), { workers: 1, reason: "default: one per core, 1 core" });
  // An unknown core count (navigator.hardwareConcurrency is 0 or missing on some runtimes) counts as one.
  assert.equal(defaultWorkers(0).workers, 1);
  assert.equal(defaultWorkers(Number.NaN).workers, 1);
});
