import assert from "node:assert/strict";
import { Registry } from "./prometheus.ts";
import { currentProcess, type ProcessSampler, registerProcessMetrics } from "./process_metrics.ts";

Deno.test("process metrics: sampled at each scrape; CPU seconds is a counter that follows the process's total", () => {
  let cpu = 1.5;
  let rss = 100 * 2 ** 20;
  const sampler: ProcessSampler = {
    memory: () => ({ rss, heapTotal: 20e6, heapUsed: 12e6, external: 3e6 }),
    cpuSeconds: () => cpu,
    startTimeSeconds: 1_700_000_000.25,
  };
  const registry = new Registry();
  registerProcessMetrics(registry, sampler);
  let text = registry.render();
  assert.match(text, /^# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1\.5$/m);
  assert.match(text, /^process_resident_memory_bytes 104857600$/m);
  assert.match(text, /^process_start_time_seconds 1700000000\.25$/m);
  assert.match(text, /^deno_heap_used_bytes 12000000$/m);
  assert.match(text, /^deno_heap_total_bytes 20000000$/m);
  assert.match(text, /^deno_external_memory_bytes 3000000$/m);

  cpu = 2.25;
  rss = 90 * 2 ** 20;
  text = registry.render();
  assert.match(text, /^process_cpu_seconds_total 2\.25$/m);
  assert.match(text, /^process_resident_memory_bytes 94371840$/m);
});

Deno.test("currentProcess reads this process: RSS above the heap, CPU time growing, started before now", () => {
  const p = currentProcess();
  const memory = p.memory();
  assert.ok(memory.rss > memory.heapUsed && memory.heapUsed > 0);
  const before = p.cpuSeconds();
  let x = 0;
  for (let i = 0; i < 5e6; i++) x += i % 7;
  assert.ok(x > 0 && p.cpuSeconds() > before);
  assert.ok(p.startTimeSeconds > 1.7e9 && p.startTimeSeconds <= Date.now() / 1000);
});
