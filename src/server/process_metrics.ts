/**
 * The process metrics Prometheus client libraries export by default (`process_*`), plus the JavaScript
 * heap figures Node's client calls `nodejs_*` (here `deno_*`): what an operator watches to see the server's
 * memory and CPU, e.g. on a small edge device. Sampled when `/metrics` is scraped.
 *
 * @module
 */
import process from "node:process";
import type { Registry } from "./prometheus.ts";

/** What {@link registerProcessMetrics} reads; tests pass fixed figures. */
export interface ProcessSampler {
  /** Resident set size and the V8 heap, in bytes (`Deno.memoryUsage()`). */
  memory(): { rss: number; heapTotal: number; heapUsed: number; external: number };
  /** User + system CPU time used so far, in seconds. */
  cpuSeconds(): number;
  /** When the process started, in seconds since the Unix epoch. */
  readonly startTimeSeconds: number;
}

/** This process, through Deno's APIs (no permission needed). */
export function currentProcess(): ProcessSampler {
  return {
    memory: () => Deno.memoryUsage(),
    cpuSeconds: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
    startTimeSeconds: performance.timeOrigin / 1000,
  };
}

/** Registers `process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_start_time_seconds` and
 * `deno_heap_{used,total}_bytes`, `deno_external_memory_bytes` in `registry`, read from `sampler`. */
export function registerProcessMetrics(registry: Registry, sampler: ProcessSampler = currentProcess()): void {
  registry.counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    collect: (c) => c.inc({}, Math.max(0, sampler.cpuSeconds() - c.get())),
  });
  let memory = sampler.memory();
  registry.gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    collect: (g) => {
      memory = sampler.memory(); // sampled once per scrape, here: the deno_* gauges below render after it
      g.set({}, memory.rss);
    },
  });
  registry.gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds.",
    collect: (g) => g.set({}, sampler.startTimeSeconds),
  });
  const heap: [name: string, help: string, pick: (m: typeof memory) => number][] = [
    ["deno_heap_used_bytes", "V8 heap in use, bytes.", (m) => m.heapUsed],
    ["deno_heap_total_bytes", "V8 heap reserved, bytes.", (m) => m.heapTotal],
    [
      "deno_external_memory_bytes",
      "Memory outside the V8 heap that JavaScript objects hold (ArrayBuffers, WASM memory), bytes.",
      (m) => m.external,
    ],
  ];
  for (const [name, help, pick] of heap) {
    registry.gauge({
      name,
      help,
      collect: (g) => g.set({}, pick(memory)),
    });
  }
}
